// matmulPacked: x [..., K] @ a PackedMatrix weight (f32 / f16 / bf16 words in row chunks, packed.ts) -> f32
// [..., N], with optional bias, alpha and accumulate. transB: the weight is stored [N, K] (an unembedding W_U_T) and
// may be chunked by rows, each chunk writing its columns of the output; otherwise it is [K, N] in one chunk. The CPU
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
    throw new ShapeError(`matmulPacked: x ${fmt(x.shape)} @ ${W.label} ${fmt(W.shape)}${transB ? "^T" : ""}: inner dims differ`);
  }
  if (bias) {
    checkDType("matmulPacked", "bias", bias, "f32");
    if (bias.size !== N) throw new ShapeError(`matmulPacked: bias ${fmt(bias.shape)} must have ${N} values`);
  }
  if (!transB && W.chunks.length > 1) {
    throw new LimitError(`matmulPacked: ${W.label} ${fmt(W.shape)} is chunked by rows of k; only a transposed weight may be`);
  }
  if (accumulate && !out) throw new ShapeError("matmulPacked: accumulate needs out");
  const outShape = [...x.shape.slice(0, -1), N];
  const c = output("matmulPacked", dev, outShape, "f32", out);
  const M = x.size / Math.max(K, 1);
  if (M * N === 0) return c;
  const gy = Math.ceil(M / TM);
  const max = dev.limits.maxComputeWorkgroupsPerDimension;
  for (const ch of W.chunks) {
    const nc = transB ? ch.rows : N;
    const gx = Math.ceil(nc / WG);
    if (gx > max || gy > max) throw new LimitError(`matmulPacked: grid ${gx}x${gy} for ${fmt(outShape)} exceeds ${max} per dimension`);
    dev.run(kernel, {
      buffers: [x.buffer, ch.words.buffer, bias ? bias.buffer : dummyBuffer(dev), c.buffer],
      params: params(M, K, nc, N, transB ? ch.row0 : 0, rowWords(W.format, W.shape[1]), { f32: alpha }, 0),
      workgroups: [gx, gy],
      overrides: { FORMAT: FORMAT_CODE[W.format], TRANS_B: transB ? 1 : 0, HAS_BIAS: bias ? 1 : 0, ACCUMULATE: accumulate ? 1 : 0 },
    });
  }
  return c;
}
