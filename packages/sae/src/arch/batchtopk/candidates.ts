// The candidates of BatchTopK's row-blocked selection (blocks.ts): each row's top `width` scores (not ReLU'd),
// sorted descending with ties lower latent first, taken by one pass over the row blocks (topk/blocks.ts) in rounds
// of 256 (topk's limit), each round's latents excluded before the next. The rows may be any rows of the batch (the
// loud ones, ragged.ts). Not an architecture.
import { copyWindow, fill, saeScatter, Tensor, topk } from "@sae/tensor-core";
import type { SaeModel } from "../contract.ts";
import { disposeAll } from "../common.ts";
import { forBlocks } from "../topk/blocks.ts";

export const ROUND = 256; // topk's most per call
export const EXCLUDED = -3e38; // never selected: below every score

export interface Candidates {
  values: Tensor; // [rows, stride] scores, descending per row; EXCLUDED past `width`
  indices: Tensor; // [rows, stride] i32, their latents (undefined past `width`)
}

/** The top `width` scores of each row of saeIn [rows, d_in] into [rows, stride >= width]; `also` sees each block. */
export function candidatesOf(m: SaeModel, saeIn: Tensor, norms: Tensor | null, width: number, stride = width,
  also?: (hp: Tensor, r0: number, r1: number) => void): Candidates {
  const rows = saeIn.shape[0];
  const values = Tensor.empty(m.device, [rows, stride], "f32", "batchtopk candidates");
  const indices = Tensor.empty(m.device, [rows, stride], "i32", "batchtopk candidate latents");
  if (stride > width) fill(values, EXCLUDED);
  const at = (c0: number, s: number, r0 = 0) => ({ r0, c0, stride: s });
  forBlocks(m, saeIn, norms, (hp, r0, r1) => {
    also?.(hp, r0, r1);
    for (let c = 0; c < width; ) {
      const r = Math.min(ROUND, width - c);
      const top = topk(hp, r); // [rows, r]
      copyWindow(top.values, at(0, r), values, at(c, stride, r0), r1 - r0, r);
      copyWindow(top.indices, at(0, r), indices, at(c, stride, r0), r1 - r0, r);
      c += r;
      if (c < width) {
        const excluded = fill(Tensor.empty(m.device, top.indices.shape, "f32", "batchtopk excluded"), EXCLUDED);
        saeScatter(excluded, top.indices, hp, false);
        excluded.dispose();
      }
      disposeAll([top.values, top.indices]);
    }
  });
  return { values, indices };
}
