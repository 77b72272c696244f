// matmul: c = alpha * op(a) @ op(b) + bias, optionally accumulated into `out`, on the GPU.
// a [M,K] (or [K,M] with transA), b [K,N] (or [N,K] with transB) -> [M,N]; batched a [batch,M,K] with
// b [batch,K,N] or a shared b [K,N]. The CPU reference with the same signature is cpu/matmul.ts.
// Kernels: matmul.wgsl on GPUs (and any adapter); on llvmpipe matmul_lanes.wgsl (sizes multiple of 4) or
// matmul_lanes_scalar.wgsl (any size), which are built around how that driver loads memory (bench/RESULTS.md).
import { params, type Device } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { checkDType, deviceOf, output, type Tensor } from "../tensor.ts";
import { fmt } from "../shape.ts";
import source from "./matmul.wgsl" with { type: "text" };
import { lanesScalarSource, lanesSource, LANES_BLOCK, LANES_SCALAR_BLOCK } from "./matmul_lanes.ts";
import { matmulDims, type MatmulDims, type MatmulOptions } from "./matmul_shape.ts";
import { transpose } from "./transpose.ts";
import { overBinding } from "./blocks.ts";
import { matmulBlocks, type Product } from "./matmul_blocks.ts";

export type { MatmulOptions } from "./matmul_shape.ts";

/** Rows (TM) and columns (TN) of c per invocation, invocations per workgroup (WG, all along N). */
interface Tiling {
  TM: number;
  TN: number;
  WG: number;
}

const DEFAULT_TILING: Tiling = { TM: 8, TN: 1, WG: 64 };

const kernels = new Map<string, { name: string; source: string }>();

/** The kernel text for one tiling: TM and TN size private arrays, which WGSL overrides cannot do. */
function kernelFor(t: Tiling): { name: string; source: string } {
  const key = `${t.TM}x${t.TN}`;
  let k = kernels.get(key);
  if (!k) {
    const text = source.replace(/const TM = \d+u;/, `const TM = ${t.TM}u;`).replace(/const TN = \d+u;/, `const TN = ${t.TN}u;`);
    k = { name: `matmul_${key}`, source: text };
    kernels.set(key, k);
  }
  return k;
}

const dummies = new WeakMap<Device, GPUBuffer>();

/** A 16-byte buffer bound as `bias` when there is none (every declared binding must be bound). */
function dummy(device: Device): GPUBuffer {
  let d = dummies.get(device);
  if (!d) {
    d = device.pool.acquire(16, "matmul no-bias");
    dummies.set(device, d);
  }
  return d;
}

/**
 * Which kernel runs: "generic" (matmul.wgsl: any adapter, any size), "lanes" (matmul_lanes.wgsl: llvmpipe,
 * vec4-aligned sizes), "lanes-nt" (transposes a and/or b into scratch so the lanes kernel reads both along k, its
 * fastest layout), "lanes-scalar" (matmul_lanes_scalar.wgsl: llvmpipe, any size). "auto" picks the fastest that fits.
 */
export type MatmulVariant = "auto" | "generic" | "lanes" | "lanes-nt" | "lanes-scalar";

/** The kernels that can run on this device ("lanes" needs llvmpipe, whose subgroups are 8 lanes wide). */
export function matmulVariants(device: Device): MatmulVariant[] {
  const llvmpipe = device.adapter.isCpu && /llvmpipe/i.test(device.adapter.name) && device.gpu.features.has("subgroups");
  return llvmpipe ? ["generic", "lanes", "lanes-nt", "lanes-scalar"] : ["generic"];
}

/**
 * Whether transposing first pays on llvmpipe. The lanes kernel reads a [M, K] @ b [N, K]^T 10-15% faster than the
 * other layouts at SAE sizes (both operands streamed along k); a transpose moves about 250k floats per ms
 * (bench/RESULTS.md). Measured at 4096 x 768 x 6144: x @ W_enc 1071 -> 990 ms, x^T @ g 1203 -> 1047 ms (moving
 * 28M floats for a 19G-MAC product). So it pays once the floats moved are under M*N*K / 500.
 */
function transposePays(d: MatmulDims, transA: boolean, transB: boolean): boolean {
  const moved = (transA ? d.M * d.K : 0) + (transB ? 0 : d.K * d.N);
  return moved > 0 && moved * 500 < d.M * d.N * d.K;
}

/** The lanes kernel also needs vec4-aligned rows. */
function lanesFits(device: Device, d: MatmulDims, transA: boolean): boolean {
  return matmulVariants(device).includes("lanes") && d.N % 4 === 0 && d.K % 4 === 0 && (!transA || d.M % 4 === 0);
}

const lanesKernels = new Map<string, { name: string; source: string }>();

function lanesKernel(scalar: boolean, transA: boolean, transB: boolean): { name: string; source: string } {
  const key = `${scalar ? "scalar_" : ""}${transA ? "t" : "n"}${transB ? "t" : "n"}`;
  let k = lanesKernels.get(key);
  if (!k) {
    k = { name: `matmul_lanes_${key}`, source: (scalar ? lanesScalarSource : lanesSource)(transA, transB) };
    lanesKernels.set(key, k);
  }
  return k;
}

/** c = alpha * op(a) @ op(b) (+ bias) (+ out when accumulate). Returns `out` or a new [batch?, M, N] tensor. */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions<Tensor> = {}): Tensor<"f32"> {
  return matmulVariant(a, b, opts, "auto");
}

/** matmul with the kernel chosen by the caller (tests and benchmarks compare them); "lanes" throws where it cannot run. */
export function matmulVariant(a: Tensor, b: Tensor, opts: MatmulOptions<Tensor>, variant: MatmulVariant): Tensor<"f32"> {
  const { transA = false, transB = false, bias, accumulate = false, alpha = 1, out } = opts;
  const present = [a, b, bias, out].filter((t): t is Tensor => t !== undefined);
  const device = deviceOf("matmul", ...present);
  checkDType("matmul", "a", a, "f32");
  checkDType("matmul", "b", b, "f32");
  if (bias) checkDType("matmul", "bias", bias, "f32");
  const dims = matmulDims(a.shape, b.shape, transA, transB, bias?.shape);
  if (accumulate && !out) throw new ShapeError(`matmul: accumulate needs out (a ${fmt(a.shape)}, b ${fmt(b.shape)})`);
  const c = output("matmul", device, dims.outShape, "f32", out);
  let { batch, M } = dims;
  const { K, N } = dims;
  if (dims.sharedB && !transA) {
    M *= batch; // [batch, M, K] @ [K, N] is one [batch*M, K] @ [K, N]
    batch = 1;
  }
  if (batch * M * N === 0) return c;
  if (overBinding(device, a, b, c)) {
    // a, b or c over one binding: in blocks that fit (matmul_blocks.ts); 3-D a with a shared b as one 2-D product
    const flat = (t: Tensor, cols: number) => (t.shape.length === 3 && batch === 1 ? t.reshape([t.size / cols, cols]) : t);
    const any = variant === "generic" || variant === "lanes-scalar" ? variant : "auto"; // blocks' edges may be odd
    const run: Product = (x, y, o) => void matmulVariant(x, y, o, any);
    matmulBlocks(flat(a, K), b, flat(c, N), { transA, transB, bias, accumulate, alpha }, { M, N, K }, run);
    return c;
  }
  const available = matmulVariants(device);
  const fits = lanesFits(device, dims, transA);
  const unavailable = variant !== "auto" && !available.includes(variant);
  // lanes-nt only needs the transposed operands vec4-aligned along k and n
  const misfit = (variant === "lanes" && !fits) || (variant === "lanes-nt" && (N % 4 !== 0 || K % 4 !== 0));
  if (unavailable || misfit) {
    throw new LimitError(`matmul: the ${variant} kernel cannot run ${fmt(a.shape)} x ${fmt(b.shape)} on ${device.describe()}`);
  }
  const chosen = variant !== "auto" ? variant : fits ? (transposePays(dims, transA, transB) ? "lanes-nt" : "lanes") : available.includes("lanes-scalar") ? "lanes-scalar" : "generic";
  if (chosen === "lanes-nt") {
    // a [M, K] and b [N, K] in scratch tensors (pooled: no allocation after the first step); queue order keeps
    // them alive until the product has read them
    const a2 = transA ? transpose(a) : a;
    const b2 = transB ? b : transpose(b);
    try {
      return matmulVariant(a2, b2, { ...opts, transA: false, transB: true, out: c }, "lanes");
    } finally {
      if (a2 !== a) a2.dispose();
      if (b2 !== b) b2.dispose();
    }
  }
  const { TM, TN, WG } = DEFAULT_TILING;
  // the lanes kernels take row blocks from x and column blocks from y; the generic one the other way round
  const [gx, gy] =
    chosen === "lanes"
      ? [Math.ceil(M / LANES_BLOCK), Math.ceil(N / LANES_BLOCK)]
      : chosen === "lanes-scalar"
        ? [Math.ceil(M / LANES_SCALAR_BLOCK), Math.ceil(N / LANES_SCALAR_BLOCK)]
        : [Math.ceil(N / (WG * TN)), Math.ceil(M / TM)];
  const max = device.limits.maxComputeWorkgroupsPerDimension;
  if (gx > max || gy > max || batch > max) throw new LimitError(`matmul: grid ${gx}x${gy}x${batch} for ${fmt(dims.outShape)} exceeds ${max} per dimension`);
  const generic = chosen === "generic";
  device.run(generic ? kernelFor(DEFAULT_TILING) : lanesKernel(chosen === "lanes-scalar", transA, transB), {
    buffers: [a.binding, b.binding, bias ? bias.binding : dummy(device), c.binding],
    params: params(M, N, K, M * K, dims.sharedB ? 0 : K * N, M * N, { f32: alpha }, (bias ? 1 : 0) | (accumulate ? 2 : 0)),
    workgroups: [gx, gy, batch],
    overrides: !generic ? undefined : { TRANS_A: transA ? 1 : 0, TRANS_B: transB ? 1 : 0, HAS_BIAS: bias ? 1 : 0, ACCUMULATE: accumulate ? 1 : 0, WG },
  });
  return c;
}
