// The SAEs whose checkpoints (written by this project) SAELens 6.18 must load with identical encode/decode:
// parameters from SAELens's own inference goldens (fixtures/saelens_inference.json), so nothing depends on this
// project's initialisation. Used by write_interchange_fixture.ts and src/interchange.test.ts.
import { join } from "node:path";
import type { Device } from "@sae/tensor-core";
import { makeConfig, type SaeConfig } from "../src/config.ts";
import { Sae } from "../src/sae.ts";

export const INTERCHANGE_DIR = join(import.meta.dir, "..", "fixtures", "interchange");

interface Enc {
  shape: number[];
  data: (number | string)[];
}
const f32 = (t: Enc) => Float32Array.from(t.data, (v) => (typeof v === "number" ? v : Number(v)));
const fx = JSON.parse(await Bun.file(join(import.meta.dir, "..", "fixtures", "saelens_inference.json")).text());
const byName = (n: string) => fx.inference.find((c: { name: string }) => c.name === n);

/** x [batch, d_in] every case encodes. */
export const INTERCHANGE_X: { shape: number[]; data: Float32Array } = { shape: byName("standard").input.x.shape, data: f32(byName("standard").input.x) };

export interface InterchangeCase {
  name: string;
  make(device: Device): Sae;
}

function build(device: Device, from: string, fields: Partial<SaeConfig>, tweak?: (s: Sae) => void): Sae {
  const c = byName(from);
  const host: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(c.params as Record<string, Enc>)) {
    if (k === "threshold") host.log_threshold = f32(v).map(Math.log);
    else host[k] = f32(v);
  }
  const cfg = makeConfig({
    d_in: c.config.d_in,
    d_sae: c.config.d_sae,
    architecture: c.config.architecture,
    model_name: "tiny-shakespeare",
    hook_name: "blocks.1.hook_resid_pre",
    context_size: 64,
    ...fields,
  });
  const sae = Sae.fromHost(device, cfg, host);
  tweak?.(sae);
  return sae;
}

export const INTERCHANGE_CASES: InterchangeCase[] = [
  { name: "standard", make: (d) => build(d, "standard", {}) },
  { name: "standard_no_b_dec_in", make: (d) => build(d, "standard_no_b_dec_in", { apply_b_dec_to_input: false }) },
  { name: "standard_layer_norm", make: (d) => build(d, "standard_layer_norm", { normalize_activations: "layer_norm" }) },
  // expected_average_only_in: the scale is folded into the weights on save (SAELens reads normalize_activations none)
  { name: "standard_scaled", make: (d) => build(d, "standard", { normalize_activations: "expected_average_only_in" }, (s) => (s.activationScale = 1.7)) },
  { name: "gated", make: (d) => build(d, "gated", {}) },
  { name: "jumprelu", make: (d) => build(d, "jumprelu", {}) },
  { name: "topk", make: (d) => build(d, "topk_rescale_false", { k: 3 }) },
  // BatchTopK saves as a JumpReLU SAE with its running threshold, as SAELens exports it
  { name: "batchtopk", make: (d) => build(d, "standard", { architecture: "batchtopk", k: 3 }, (s) => (s.topkThreshold = 0.25)) },
];
