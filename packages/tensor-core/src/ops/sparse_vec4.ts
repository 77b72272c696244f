// Expands sparse_rows4.wgsl (the vec4 forms of the sparse SAE kernels that sum whole rows, d_in a multiple of 4;
// used by sparse_decode.ts) for one R, the vec4s each lane holds per block of a row (v_r: the lane's r-th vec4,
// clamped into the row): its //@ lines become unrolled WGSL, since private arrays indexed in a loop would live in
// memory on llvmpipe. Also expands sparse_wdec_dots.wgsl (kind "wdecDots": one block covers the row).
import type { Kernel } from "../device.ts";
import rowsSource from "./sparse_rows4.wgsl" with { type: "text" };
import wdecDotsSource from "./sparse_wdec_dots.wgsl" with { type: "text" };

export type SparseVec4Kind = "decode" | "wdec" | "enc" | "wdecDots";

const MAX_R = 4; // vec4s per lane per block: 64 lanes x 4 vec4s = 1024 floats of a row at a time

/** R and the number of blocks for a row of d_in (a multiple of 4) floats. */
export function vec4Blocks(dIn: number): { R: number; blocks: number } {
  const dIn4 = dIn / 4;
  const R = Math.max(1, Math.min(MAX_R, Math.ceil(dIn4 / 64)));
  return { R, blocks: Math.max(1, Math.ceil(dIn4 / (64 * R))) };
}

const each = (R: number, f: (r: number) => string) => Array.from({ length: R }, (_, r) => f(r)).join("\n  ");

function expand(text: string, R: number): string {
  const at = (r: number) => `d0 + ${64 * r}u`;
  const parts: Record<string, string> = {
    lanes: each(R, (r) => `let v${r} = min(${at(r)}, p.dIn4 - 1u); let in${r} = ${at(r)} < p.dIn4;`),
    zero: each(R, (r) => `var acc${r} = vec4<f32>();`),
    bias: each(R, (r) => `acc${r} = bias[v${r}];`),
    load: each(R, (r) => `acc${r} = out[o + v${r}];`),
    acc: each(R, (r) => `acc${r} += c * src[row + v${r}];`),
    wrow: each(R, (r) => `let w${r} = select(vec4<f32>(), W[wrow + v${r}], in${r});`),
    accdot: each(R, (r) => `{ let g = src[row + v${r}]; acc${r} += c * g; d += dot(g, w${r}); }`),
    store: each(R, (r) => `if (in${r}) { out[o + ${at(r)}] = acc${r}; }`),
    storeAdd: each(R, (r) => `if (in${r}) { out[o + ${at(r)}] += acc${r}; }`),
    storeT: each(R, (r) => `if (in${r}) { let dd = 4u * (${at(r)}); ${[0, 1, 2, 3].map((c) => `outT[(dd + ${c}u) * p.dSae + i] = acc${r}[${c}];`).join(" ")} }`),
  };
  const body = text.replace(/^(\s*)\/\/@(\w+)$/gm, (_, indent: string, name: string) => indent + parts[name].replaceAll("\n  ", `\n${indent}`));
  return `const R = ${R}u;\n${body}`;
}

const cache = new Map<string, Kernel>();

/** The kernel for one kind and R (cached: the Device's pipeline cache is keyed by the text). */
export function sparseVec4Kernel(kind: SparseVec4Kind, R: number): Kernel {
  const key = `${kind}${R}`;
  let k = cache.get(key);
  if (!k) {
    k = kind === "wdecDots"
      ? { name: "sparse_wdec_dots", source: expand(wdecDotsSource, R), entryPoint: "main" }
      : { name: "sparse_rows4", source: expand(rowsSource, R), entryPoint: kind };
    cache.set(key, k);
  }
  return k;
}
