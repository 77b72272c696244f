// Expands matmul_lanes.wgsl (the llvmpipe form of matmul) for one (transA, transB) pair: the //@ lines become
// unrolled WGSL. Text generation is limited to unrolling, which the driver does not do and WGSL cannot force.
import source from "./matmul_lanes.wgsl" with { type: "text" };
import scalarSource from "./matmul_lanes_scalar.wgsl" with { type: "text" };

export const LANES_BLOCK = 32; // rows and columns of c per workgroup (vec4 form)
export const LANES_SCALAR_BLOCK = 24; // the same for the scalar form
const R = LANES_BLOCK;

function lines(n: number, f: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => f(i)).join("\n  ");
}

/** The WGSL of the lanes kernel for one pair of transposes. */
export function lanesSource(transA: boolean, transB: boolean): string {
  // a as vec4s: [M, K] -> row m, k4 at m*K4 + k4; [K, M] (transA) -> k, rows 4j..4j+3 at k*M4 + j
  const setup = [
    transA ? "let am = min(m0 / 4u + l, M4 - 1u) + ao;" : lines(4, (s) => `let ar${s} = min(m0 + ${8 * s}u + l, p.M - 1u) * K4 + ao;`),
    transB ? lines(4, (j) => `let bc${j} = min(4u * n4 + ${j}u, p.N - 1u) * K4 + bo;`) : "let bn = n4 + bo;",
  ].join("\n  ");
  const zero = lines(R, (i) => `var acc${i} = vec4<f32>();`);
  const loads = [
    transA ? lines(4, (kk) => `let at${kk} = a[(k + ${kk}u) * M4 + am];`) : lines(4, (s) => `let av${s} = a[ar${s} + k4];`),
    transB
      ? lines(4, (j) => `let bt${j} = b[bc${j} + k4];`) + "\n    " + lines(4, (kk) => `let b${kk} = vec4<f32>(bt0[${kk}], bt1[${kk}], bt2[${kk}], bt3[${kk}]);`)
      : lines(4, (kk) => `let b${kk} = b[(k + ${kk}u) * N4 + bn];`),
  ].join("\n    ");
  const fma = Array.from({ length: R }, (_, i) => {
    // the a values of row m0 + i for k .. k+3, broadcast from the lane that loaded them
    const ai = transA
      ? `vec4<f32>(${[0, 1, 2, 3].map((kk) => `subgroupBroadcast(at${kk}[${i % 4}], ${Math.floor(i / 4)}u)`).join(", ")})`
      : `subgroupBroadcast(av${Math.floor(i / 8)}, ${i % 8}u)`;
    const steps = [0, 1, 2, 3].map((kk) => `acc${i} = fma(vec4<f32>(a${i}[${kk}]), b${kk}, acc${i});`).join(" ");
    return `let a${i} = ${ai}; ${steps}`;
  }).join("\n    ");
  // the epilogue is a loop over an array: unrolled, its 32 per-lane stores would dominate compile time
  const store = `let accs = array<vec4<f32>, ${R}>(${Array.from({ length: R }, (_, i) => `acc${i}`).join(", ")});`;
  return source
    .replace("//@setup", setup)
    .replace("//@zero", zero)
    .replace("//@loads", loads)
    .replace("//@fma", fma)
    .replace("//@store", store);
}

/** The WGSL of the scalar lanes kernel (any M, N, K) for one pair of transposes. */
export function lanesScalarSource(transA: boolean, transB: boolean): string {
  const setup = [
    lines(3, (s) => `let am${s} = ao + min(m0 + ${8 * s}u + l, p.M - 1u) * ${transA ? "1u" : "p.K"};`),
    lines(3, (j) => `let bn${j} = bo + min(n0 + ${8 * j}u + l, p.N - 1u) * ${transB ? "p.K" : "1u"};`),
  ].join("\n  ");
  const zero = lines(24, (i) => `var acc${i} = vec3<f32>();`);
  const loads = [
    lines(3, (s) => `let av${s} = a[am${s} + k * ${transA ? "p.M" : "1u"}];`),
    `let bv = vec3<f32>(${[0, 1, 2].map((j) => `b[bn${j} + k * ${transB ? "1u" : "p.N"}]`).join(", ")});`,
  ].join("\n    ");
  const fma = lines(24, (i) => `acc${i} = fma(vec3<f32>(subgroupBroadcast(av${Math.floor(i / 8)}, ${i % 8}u)), bv, acc${i});`).replaceAll("\n  ", "\n    ");
  const store = `let accs = array<vec3<f32>, 24>(${Array.from({ length: 24 }, (_, i) => `acc${i}`).join(", ")});`;
  return scalarSource
    .replace("//@setup", setup)
    .replace("//@zero", zero)
    .replace("//@loads", loads)
    .replace("//@fma", fma)
    .replace("//@store", store);
}
