// matmulPacked: x [..., K] @ a PackedMatrix weight (f32 / f16 / bf16 words in row chunks, packed.ts) -> f32
// [..., N], with optional bias, alpha and accumulate. transB: the weight is stored [N, K] (an unembedding W_U_T), each
// row chunk writing its columns of the output; otherwise [K, N], each row chunk (a range of k) adding its part. The CPU
// reference is cpu/matmul.ts on the unpacked values (packed.ts unpackRows). Not the f32 Tensor matmul (matmul.ts).
// Kernels: matmul_packed.wgsl on GPUs (any adapter); on llvmpipe matmul_packed_lanes.wgsl, the lanes plan of the f32
// kernel with the halves unpacked as they are loaded (bench/ab_packed.ts compares them with the f32 matmul).
// x or out over one binding: blocks of rows.
import { params } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { FORMAT_CODE, rowWords, type PackedMatrix } from "../packed.ts";
import { fmt } from "../shape.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { dummyBuffer } from "./alias.ts";
import { matmulVariants } from "./matmul.ts";
import { byRows } from "./blocks.ts";
import source from "./matmul_packed.wgsl" with { type: "text" };
import {
  PACKED_LANES_COLS,
  packedLanesRows,
  packedLanesSource,
  packedLanesVec,
  type PackedLanesRows,
} from "./matmul_packed_lanes.ts";

const kernel = { name: "matmul_packed", source };
const lanesKernels = new Map<string, { name: string; source: string }>();

function lanesKernel(format: PackedMatrix["format"], transB: boolean, rows: PackedLanesRows, vec: boolean) {
  const key = `${format}_${transB ? "t" : "n"}_${rows}${vec ? "_vec" : ""}`;
  let k = lanesKernels.get(key);
  if (!k) {
    k = { name: `matmul_packed_lanes_${key}`, source: packedLanesSource(format, transB, rows, vec) };
    lanesKernels.set(key, k);
  }
  return k;
}

/**
 * Which kernel runs: "generic" (matmul_packed.wgsl, any adapter), "lanes" (matmul_packed_lanes.wgsl, llvmpipe: vector
 * loads where rows are aligned, scalar ones elsewhere), "lanes-scalar" (the same with scalar loads everywhere).
 */
export type MatmulPackedVariant = "auto" | "generic" | "lanes" | "lanes-scalar";
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
  return matmulPackedVariant(x, W, opts, "auto");
}

/** matmulPacked with the kernel chosen by the caller (tests and benchmarks compare them); lanes* throw off llvmpipe. */
export function matmulPackedVariant(
  x: Tensor,
  W: PackedMatrix,
  opts: MatmulPackedOptions,
  variant: MatmulPackedVariant,
): Tensor<"f32"> {
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
  // x or out over one binding: blocks of rows, each through every chunk
  const [x2, c2] = [x.reshape([M, K]), c.reshape([M, N])];
  const split = (cb: Tensor, [xb]: Tensor[]) => void matmulPackedVariant(xb, W, { ...opts, out: cb }, variant);
  if (byRows("matmulPacked", c2, [x2], split)) return c;
  const lanes = matmulVariants(dev).includes("lanes");
  if (variant.startsWith("lanes") && !lanes) {
    throw new LimitError(`matmulPacked: the ${variant} kernel cannot run on ${dev.describe()}`);
  }
  const useLanes = variant.startsWith("lanes") || (variant === "auto" && lanes);
  const lanesVec = variant !== "lanes-scalar";
  const rows = packedLanesRows(M);
  const max = dev.limits.maxComputeWorkgroupsPerDimension;
  W.chunks.forEach((ch, i) => {
    // transB: chunk = output columns [row0, +rows); else chunk = k range [row0, +rows), later chunks add to c
    const [nc, kc, n0, k0] = transB ? [ch.rows, K, ch.row0, 0] : [N, ch.rows, 0, ch.row0];
    const first = transB || i === 0;
    const hasBias = bias !== undefined && first;
    const acc = accumulate || !first;
    // the lanes kernels take row blocks in x and column blocks in y; the generic one the other way round
    const [gx, gy] = useLanes
      ? [Math.ceil(M / rows), Math.ceil(nc / PACKED_LANES_COLS)]
      : [Math.ceil(nc / WG), Math.ceil(M / TM)];
    if (gx > max || gy > max) {
      throw new LimitError(`matmulPacked: grid ${gx}x${gy} for ${fmt(outShape)} exceeds ${max} per dimension`);
    }
    const buffers = [x.binding, ch.words.binding, bias ? bias.binding : dummyBuffer(dev), c.binding];
    const rw = rowWords(W.format, W.shape[1]);
    const args = [M, kc, nc, N, n0, rw, { f32: alpha }, k0, K] as const;
    if (useLanes) {
      const flags = (hasBias ? 1 : 0) | (acc ? 2 : 0);
      const vec = lanesVec && packedLanesVec(W.format, K, k0, rw);
      const k = lanesKernel(W.format, transB, rows, vec);
      dev.run(k, { buffers, params: params(...args, flags), workgroups: [gx, gy] });
      return;
    }
    dev.run(kernel, {
      buffers,
      params: params(...args),
      workgroups: [gx, gy],
      overrides: {
        FORMAT: FORMAT_CODE[W.format],
        TRANS_B: transB ? 1 : 0,
        HAS_BIAS: hasBias ? 1 : 0,
        ACCUMULATE: acc ? 1 : 0,
      },
    });
  });
  return c;
}
