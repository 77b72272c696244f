// matmulPacked: x [..., K] @ a PackedMatrix weight (f32 / f16 / bf16 words in row chunks, packed.ts) -> f32
// [..., N], with optional bias, alpha and accumulate. transB: the weight is stored [N, K] (an unembedding W_U_T), each
// row chunk writing its columns of the output; otherwise [K, N], each row chunk (a range of k) adding its part. The CPU
// reference is cpu/matmul.ts on the unpacked values (packed.ts unpackRows). Not the f32 Tensor matmul (matmul.ts).
import { params } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { FORMAT_CODE, rowWords, type PackedMatrix } from "../packed.ts";
import { fmt } from "../shape.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { dummyBuffer } from "./alias.ts";
import source from "./matmul_packed.wgsl" with { type: "text" };

const kernel = { name: "matmul_packed", source };
const TM = 4;
const WG = 64;

export interface MatmulPackedOptions {
  transB?: boolean;
  bias?: Tensor; // [N]
  alpha?: number;
  accumulate?: boolean;
  out?: Tensor;
}

/** x [..., K] @ W (W [K, N], or [N, K] with transB) (+ bias) -> [..., N]. */
export function matmulPacked(x: Tensor, W: PackedMatrix, opts: MatmulPackedOptions = {}): Tensor<"f32"> {
  const { transB = false, bias, alpha = 1, accumulate = false, out } = opts;
  const dev = deviceOf("matmulPacked", ...[x, bias, out].filter((t): t is Tensor => t !== undefined));
  if (W.device !== dev) throw new ShapeError("matmulPacked: x and W live on different devices");
  checkDType("matmulPacked", "x", x, "f32");
  const [K, N] = transB ? [W.shape[1], W.shape[0]] : W.shape;
  const xK = x.shape[x.shape.length - 1];
  if (x.shape.length < 1 || xK !== K) {
    const w = `${W.label} ${fmt(W.shape)}${transB ? "^T" : ""}`;
    throw new ShapeError(`matmulPacked: x ${fmt(x.shape)} @ ${w}: inner dims differ`);
  }
  if (bias) {
    checkDType("matmulPacked", "bias", bias, "f32");
    if (bias.size !== N) throw new ShapeError(`matmulPacked: bias ${fmt(bias.shape)} must have ${N} values`);
  }
  if (accumulate && !out) throw new ShapeError("matmulPacked: accumulate needs out");
  const outShape = [...x.shape.slice(0, -1), N];
  const c = output("matmulPacked", dev, outShape, "f32", out);
  const M = x.size / Math.max(K, 1);
  if (M * N === 0) return c;
  const gy = Math.ceil(M / TM);
  const max = dev.limits.maxComputeWorkgroupsPerDimension;
  W.chunks.forEach((ch, i) => {
    // transB: chunk = output columns [row0, +rows); else chunk = k range [row0, +rows), later chunks add to c
    const [nc, kc, n0, k0] = transB ? [ch.rows, K, ch.row0, 0] : [N, ch.rows, 0, ch.row0];
    const first = transB || i === 0;
    const gx = Math.ceil(nc / WG);
    if (gx > max || gy > max) {
      throw new LimitError(`matmulPacked: grid ${gx}x${gy} for ${fmt(outShape)} exceeds ${max} per dimension`);
    }
    dev.run(kernel, {
      buffers: [x.buffer, ch.words.buffer, bias ? bias.buffer : dummyBuffer(dev), c.buffer],
      params: params(M, kc, nc, N, n0, rowWords(W.format, W.shape[1]), { f32: alpha }, k0, K),
      workgroups: [gx, gy],
      overrides: {
        FORMAT: FORMAT_CODE[W.format],
        TRANS_B: transB ? 1 : 0,
        HAS_BIAS: bias && first ? 1 : 0,
        ACCUMULATE: accumulate || !first ? 1 : 0,
      },
    });
  });
  return c;
}
