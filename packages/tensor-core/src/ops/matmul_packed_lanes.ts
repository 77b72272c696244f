// Expands matmul_packed_lanes.wgsl (the llvmpipe form of matmulPacked) for one weight format, layout and block height:
// the //@ lines become unrolled WGSL, as matmul_lanes.ts does for the f32 kernel. Text generation is limited to
// unrolling and the format's unpacking: the driver does not unroll loops, and the broadcast lane must be a constant.
import type { PackedFormat } from "../packed.ts";
import source from "./matmul_packed_lanes.wgsl" with { type: "text" };

/** Block heights (rows of c per workgroup) there are kernels for; columns per workgroup are always 32. One row is
 * a decode step of one sequence (no multiply-adds for rows that are not there), 8 one of up to 8. */
export const PACKED_LANES_ROWS = [1, 8, 32] as const;
export type PackedLanesRows = (typeof PACKED_LANES_ROWS)[number];
export const PACKED_LANES_COLS = 32;

/** The smallest block that holds M rows, 32 for larger M. */
export function packedLanesRows(M: number): PackedLanesRows {
  return PACKED_LANES_ROWS.find((r) => M <= r) ?? 32;
}

function lines(n: number, f: (i: number) => string, indent = "  "): string {
  return Array.from({ length: n }, (_, i) => f(i)).join(`\n${indent}`);
}

const PAIR: Record<PackedFormat, string> = {
  f32: "return vec2<f32>(bitcast<f32>(word), 0.0); // unused: f32 words hold one value",
  f16: "return unpack2x16float(word);",
  bf16: "return vec2<f32>(bitcast<f32>(word << 16u), bitcast<f32>(word & 0xffff0000u));",
};

const f = (word: string) => `bitcast<f32>(${word})`;
const K4 = [0, 1, 2, 3];

interface Text {
  setup: string;
  loads: string; // the k-step of 4 at k = 4 * k4: b{kk} (vec4 over the lane's columns) for each k + kk
}

/** The weight loads, scalar words (any size) or vectors (`vec`: rows of whole vec2 / vec4 words). Rows k + kk past
 * the chunk read other words (or, past the buffer, what robust access gives): finite values the zeroed a multiplies. */
function weightLoads(format: PackedFormat, transB: boolean, vec: boolean): Text {
  const I = "\n    ";
  const per = format === "f32" ? 4 : 2; // words per vector load in vec mode, and per 4 values
  const unpack = (q: string) =>
    format === "f32" ? `bitcast<vec4<f32>>(${q})` : `vec4<f32>(pair(${q}.x), pair(${q}.y))`;
  if (transB) {
    // rows nb + j of w^T [nc, K], read along k
    const stride = vec ? `(rw / ${per}u)` : "rw";
    const setup = lines(4, (j) => `let wr${j} = min(nb + ${j}u, p.nc - 1u) * ${stride};`);
    const h = (j: number) => {
      if (vec) return `w[wr${j} + k4]; let h${j} = ${unpack(`q${j}`)}`;
      if (format === "f32") return `vec4<f32>(${K4.map((kk) => f(`w[wr${j} + k + ${kk}u]`)).join(", ")})`;
      return `vec4<f32>(pair(w[wr${j} + k / 2u]), pair(w[wr${j} + k / 2u + 1u]))`;
    };
    const loads =
      lines(4, (j) => `let ${vec ? "q" : "h"}${j} = ${h(j)};`, "    ") +
      I +
      lines(4, (kk) => `let b${kk} = vec4<f32>(h0[${kk}], h1[${kk}], h2[${kk}], h3[${kk}]);`, "    ");
    return { setup, loads };
  }
  // rows k of w [kc, nc], read along n: f32 one word per column, halves one word per two columns
  if (vec) {
    const setup = `let rv = rw / ${per}u;\n  let wc = min(nb / 4u, rv - 1u);`;
    const loads = lines(4, (kk) => `let q${kk} = w[(k + ${kk}u) * rv + wc]; let b${kk} = ${unpack(`q${kk}`)};`, "    ");
    return { setup, loads };
  }
  const setup =
    format === "f32"
      ? lines(4, (j) => `let wc${j} = min(nb + ${j}u, p.nc - 1u);`)
      : lines(2, (j) => `let wc${j} = min(nb / 2u + ${j}u, rw - 1u);`);
  const row = (k: string) =>
    format === "f32"
      ? `vec4<f32>(${[0, 1, 2, 3].map((j) => f(`w[${k} + wc${j}]`)).join(", ")})`
      : `vec4<f32>(pair(w[${k} + wc0]), pair(w[${k} + wc1]))`;
  const loads = lines(4, (kk) => `let b${kk} = ${row(`(k + ${kk}u) * rw`)};`, "    ");
  return { setup, loads };
}

/** Whether the vector form fits: rows of x and of the words start on whole vectors. */
export function packedLanesVec(format: PackedFormat, lda: number, k0: number, rowWords: number): boolean {
  return lda % 4 === 0 && k0 % 4 === 0 && rowWords % (format === "f32" ? 4 : 2) === 0;
}

/** The WGSL of the packed lanes kernel for one format, layout, block height and load form. */
export function packedLanesSource(format: PackedFormat, transB: boolean, rows: PackedLanesRows, vec: boolean): string {
  const S = Math.ceil(rows / 8); // rows of a each lane loads
  const w = weightLoads(format, transB, vec);
  const at = (s: number) => `min(m0 + ${8 * s}u + l, p.M - 1u) * p.lda + p.k0`;
  const setup = [lines(S, (s) => `let ar${s} = ${vec ? `(${at(s)}) / 4u` : at(s)};`), w.setup].join("\n  ");
  const aLoad = (s: number) =>
    vec ? `a[ar${s} + k4]` : `vec4<f32>(${K4.map((kk) => `a[ar${s} + k + ${kk}u]`).join(", ")})`;
  const aLoads = lines(S, (s) => `let av${s} = select(vec4<f32>(), ${aLoad(s)}, kin);`, "    ");
  const loads = [aLoads, w.loads].join("\n    ");
  const fma = lines(
    rows,
    (i) => {
      const steps = K4.map((kk) => `acc${i} = fma(vec4<f32>(a${i}[${kk}]), b${kk}, acc${i});`).join(" ");
      return `let a${i} = subgroupBroadcast(av${Math.floor(i / 8)}, ${i % 8}u); ${steps}`;
    },
    "    ",
  );
  const accs = Array.from({ length: rows }, (_, i) => `acc${i}`).join(", ");
  const wt = !vec ? "u32" : format === "f32" ? "vec4<u32>" : "vec2<u32>";
  return source
    .replace(/const ROWS = \d+u;/, `const ROWS = ${rows}u;`)
    .replace(/alias AT = f32;/, `alias AT = ${vec ? "vec4<f32>" : "f32"};`)
    .replace(/alias WT = u32;/, `alias WT = ${wt};`)
    .replace("//@pair", PAIR[format])
    .replace("//@setup", setup)
    .replace("//@zero", lines(rows, (i) => `var acc${i} = vec4<f32>();`))
    .replace("//@loads", loads)
    .replace("//@fma", fma)
    .replace("//@store", `let accs = array<vec4<f32>, ${rows}>(${accs});`);
}
