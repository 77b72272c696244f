// CPU reference for matmul: the same shapes and options as ops/matmul.ts, float64 accumulation, written plainly.
// For tests and benchmarks only (about 1 GFLOP/s); not a fallback for the GPU op.
import { DTypeError, ShapeError } from "../errors.ts";
import { matmulDims, type MatmulOptions } from "../ops/matmul_shape.ts";
import { fmt, sameShape } from "../shape.ts";
import type { HostTensor } from "../tensor.ts";

/** out = alpha * a@b + bias (+ out when accumulate). a [batch?, M, K], b [batch?, K, N] -> [batch?, M, N]. */
export function matmul(a: HostTensor, b: HostTensor, opts: MatmulOptions<HostTensor> = {}): HostTensor<"f32"> {
  const { transA = false, transB = false, bias, accumulate = false, alpha = 1, out } = opts;
  for (const [name, t] of [["a", a], ["b", b], ["bias", bias], ["out", out]] as const) {
    if (t && t.dtype !== "f32") throw new DTypeError(`matmul (cpu): ${name} ${fmt(t.shape)} must be f32, got ${t.dtype}`);
  }
  const { batch, M, K, N, sharedB, outShape } = matmulDims(a.shape, b.shape, transA, transB, bias?.shape);
  if (out && !sameShape(out.shape, outShape)) throw new ShapeError(`matmul (cpu): out has shape ${fmt(out.shape)}, expected ${fmt(outShape)}`);
  if (accumulate && !out) throw new ShapeError("matmul (cpu): accumulate needs out");
  const result = out ?? { shape: outShape, dtype: "f32", data: new Float32Array(batch * M * N) };
  const A = a.data as Float32Array;
  const B = b.data as Float32Array;
  const C = result.data as Float32Array;
  const biasData = bias?.data as Float32Array | undefined;
  const row = new Float64Array(N);
  for (let z = 0; z < batch; z++) {
    const ao = z * M * K;
    const bo = sharedB ? 0 : z * K * N;
    const co = z * M * N;
    const arow = new Float64Array(K);
    for (let m = 0; m < M; m++) {
      for (let k = 0; k < K; k++) arow[k] = transA ? A[ao + k * M + m] : A[ao + m * K + k];
      if (transB) {
        // b is [N, K]: each output is a dot product of two contiguous rows
        for (let n = 0; n < N; n++) {
          let sum = 0;
          for (let k = 0, base = bo + n * K; k < K; k++) sum += arow[k] * B[base + k];
          row[n] = sum;
        }
      } else {
        row.fill(0);
        for (let k = 0; k < K; k++) {
          const av = arow[k];
          for (let n = 0, base = bo + k * N; n < N; n++) row[n] += av * B[base + n];
        }
      }
      for (let n = 0; n < N; n++) {
        const prev = accumulate ? C[co + m * N + n] : 0;
        C[co + m * N + n] = prev + alpha * row[n] + (biasData ? biasData[n] : 0);
      }
    }
  }
  return result as HostTensor<"f32">;
}
