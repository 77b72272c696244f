// Test helper (not exported from the package): loads the PyTorch golden files written by scripts/make_fixtures.py
// and turns their metadata into an SaeConfig.
import { join } from "node:path";
import { loadSafetensorsFile } from "@sae/tensor-core";
import { makeConfig, type ArchitectureName, type SaeConfig } from "./config.ts";

export const FIXTURES = join(import.meta.dir, "..", "fixtures");

export interface Golden {
  cfg: SaeConfig;
  batch: number;
  t: Map<string, { shape: number[]; data: Float32Array }>;
  get(name: string): Float32Array;
  f64(name: string): Float64Array;
  paramNames: string[];
}

const PARAMS: Record<ArchitectureName, string[]> = {
  standard: ["W_enc", "b_enc", "W_dec", "b_dec"],
  gated: ["W_enc", "W_dec", "b_dec", "b_gate", "b_mag", "r_mag"],
  jumprelu: ["W_enc", "b_enc", "W_dec", "b_dec", "log_threshold"],
  topk: ["W_enc", "b_enc", "W_dec", "b_dec"],
  batchtopk: ["W_enc", "b_enc", "W_dec", "b_dec"],
};

export function loadGolden(arch: ArchitectureName): Golden {
  const st = loadSafetensorsFile(join(FIXTURES, `golden_${arch}.safetensors`));
  const m = st.metadata;
  const num = (k: string, d: number): number => (m[k] === undefined ? d : Number(m[k]));
  const cfg = makeConfig({
    architecture: arch,
    d_in: num("d_in", 0),
    d_sae: num("d_sae", 0),
    k: m.k === undefined ? null : Number(m.k),
    l1_coefficient: num("l1_coefficient", 1),
    l0_coefficient: num("l0_coefficient", 1),
    jumprelu_bandwidth: num("bandwidth", 0.001),
    aux_loss_coefficient: num("aux_coefficient", 1 / 32),
    topk_threshold_lr: num("topk_threshold_lr", 0.01),
  });
  const t = st.tensors as unknown as Map<string, { shape: number[]; data: Float32Array }>;
  const get = (name: string): Float32Array => {
    const v = t.get(name);
    if (!v) throw new Error(`golden_${arch}: no tensor ${name}`);
    return v.data instanceof Float32Array ? v.data : Float32Array.from(v.data);
  };
  return { cfg, batch: num("batch", 0), t, get, f64: (n) => Float64Array.from(get(n)), paramNames: PARAMS[arch] };
}
