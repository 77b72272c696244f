// Test helper (not exported from the package): a SAELens 6 format SAE folder (cfg.json + sae_weights.safetensors)
// of any width with deterministic weights, and the float64 CPU encode it must give. Used by wide.test.ts (small
// widths on a device with capped bindings) and scripts/wide-sae-check.ts (65,536 x 2,304, run by hand: 604 MB per
// weight, more than one 128 MiB binding).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeSafetensors } from "@sae/tensor-core";

/** Deterministic values in [-scale, scale) from a multiplicative hash of the index. */
export function hashed(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((Math.imul(i + seed, 2654435761) >>> 0) / 2 ** 32 - 0.5) * 2 * scale;
  return out;
}

export interface WideSae {
  arch: "jumprelu" | "topk";
  d_in: number;
  d_sae: number;
  k: number;
  W_enc: Float32Array; // [d_in, d_sae]
  W_dec: Float32Array; // [d_sae, d_in]
  b_enc: Float32Array; // [d_sae]
  b_dec: Float32Array; // [d_in]
  threshold: Float32Array; // [d_sae] (jumprelu)
}

/** Makes the weights and writes the folder. */
export function writeWideSae(dir: string, arch: WideSae["arch"], d_in: number, d_sae: number, k = 32): WideSae {
  const sae: WideSae = {
    arch,
    d_in,
    d_sae,
    k,
    W_enc: hashed(d_in * d_sae, 1, 0.5),
    W_dec: hashed(d_sae * d_in, 2, 0.1),
    b_enc: hashed(d_sae, 3, 0.05),
    b_dec: hashed(d_in, 4, 0.05),
    threshold: hashed(d_sae, 5, 0.1).map(Math.abs),
  };
  const meta = { sae_lens_version: "6.18.0", model_name: "gemma-2-2b", hook_name: "blocks.5.hook_resid_post", context_size: 1024 };
  const base = { architecture: arch, d_in, d_sae, dtype: "float32", device: "cpu", apply_b_dec_to_input: true };
  const cfg = { ...base, normalize_activations: "none", metadata: meta };
  writeFileSync(join(dir, "cfg.json"), JSON.stringify(arch === "topk" ? { ...cfg, k, rescale_acts_by_decoder_norm: false } : cfg));
  const tensors = {
    W_enc: { shape: [d_in, d_sae], data: sae.W_enc },
    b_enc: { shape: [d_sae], data: sae.b_enc },
    W_dec: { shape: [d_sae, d_in], data: sae.W_dec },
    b_dec: { shape: [d_in], data: sae.b_dec },
    ...(arch === "jumprelu" ? { threshold: { shape: [d_sae], data: sae.threshold } } : {}),
  };
  writeFileSync(join(dir, "sae_weights.safetensors"), writeSafetensors(tensors));
  return sae;
}

/** pre [B, d_sae] = (x - b_dec) W_enc + b_enc in float64. */
export function cpuPre(s: WideSae, x: Float32Array, B: number): Float64Array {
  const { d_in, d_sae } = s;
  const pre = new Float64Array(B * d_sae);
  for (let b = 0; b < B; b++) {
    const row = pre.subarray(b * d_sae, (b + 1) * d_sae);
    row.set(s.b_enc);
    for (let j = 0; j < d_in; j++) {
      const xj = x[b * d_in + j] - s.b_dec[j];
      const w = s.W_enc.subarray(j * d_sae, (j + 1) * d_sae);
      for (let i = 0; i < d_sae; i++) row[i] += xj * w[i];
    }
  }
  return pre;
}

/**
 * Compares encode's f [B, d_sae] with the CPU encode; latents within `margin` of the decision (the threshold, or
 * the k-th largest) are not called. Returns the number of active latents checked, or throws naming the worst.
 */
export function checkEncode(s: WideSae, x: Float32Array, B: number, f: Float32Array, margin = 1e-3): number {
  const pre = cpuPre(s, x, B);
  let active = 0;
  for (let b = 0; b < B; b++) {
    const row = pre.subarray(b * s.d_sae, (b + 1) * s.d_sae);
    const cut = s.arch === "topk" ? Float64Array.from(row).sort().reverse()[s.k - 1] : 0;
    for (let i = 0; i < s.d_sae; i++) {
      const bar = s.arch === "topk" ? cut : s.threshold[i];
      const on = s.arch === "topk" ? row[i] >= cut && row[i] > 0 : row[i] > bar;
      if (Math.abs(row[i] - bar) < margin) continue;
      const want = on ? row[i] : 0;
      const got = f[b * s.d_sae + i];
      if (!(Math.abs(got - want) <= 1e-4 + 1e-4 * Math.abs(want))) {
        throw new Error(`encode row ${b} latent ${i}: got ${got}, expected ${want}`);
      }
      if (want > 0) active++;
    }
  }
  return active;
}
