// JumpReLU's checkpoint mapping: trained as log_threshold, stored by SAELens as `threshold` [d_sae]. A threshold
// <= 0 in a file loads as log_threshold -1e30 (threshold 0: the same f = ReLU(pre) * (pre > t)), never NaN.
// Also what batchtopk and matryoshka_batchtopk export to (SAELens saves them as JumpReLU SAEs).
import type { Shape } from "@sae/tensor-core";
import type { SaeConfig } from "../../config.ts";
import type { HostWeights } from "../contract.ts";

export const jumpreluShapes = ({ d_in, d_sae }: SaeConfig): Record<string, Shape> => ({
  W_enc: [d_in, d_sae],
  b_enc: [d_sae],
  W_dec: [d_sae, d_in],
  b_dec: [d_in],
  log_threshold: [d_sae],
});

export function jumpreluFileShapes(cfg: SaeConfig): Record<string, Shape> {
  const shapes: Record<string, Shape> = {};
  for (const [name, shape] of Object.entries(jumpreluShapes(cfg))) {
    shapes[name === "log_threshold" ? "threshold" : name] = shape;
  }
  return shapes;
}

export function jumpreluFromFile(file: HostWeights): HostWeights {
  const host: HostWeights = {};
  for (const [name, data] of Object.entries(file)) {
    if (name === "threshold") host.log_threshold = data.map((v) => (v > 0 ? Math.log(v) : -1e30));
    else host[name] = data;
  }
  return host;
}

export function jumpreluToFile(host: HostWeights): HostWeights {
  const out: HostWeights = {};
  for (const [name, data] of Object.entries(host)) {
    if (name === "log_threshold") out.threshold = data.map(Math.exp);
    else out[name] = data;
  }
  return out;
}
