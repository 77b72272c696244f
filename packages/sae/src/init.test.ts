// Parameter initialisation as SAELens 6.18's TrainingSAE.initialize_weights: W_dec rows of norm decoder_init_norm,
// W_enc = W_dec^T, zero biases, log_threshold = log(jumprelu_init_threshold) (default 0.01); with
// init_encoder_as_decoder_transpose false (SAELens 5), an independent W_enc within kaiming's +-1/sqrt(d_sae).
import { describe, expect, test } from "bun:test";
import { makeConfig } from "./config.ts";
import { initHostParams } from "./init.ts";

const [d_in, d_sae] = [6, 10];

describe("initHostParams", () => {
  test("tied start: unit-scaled decoder rows, W_enc = W_dec^T, zero biases, JumpReLU threshold 0.01", () => {
    const p = initHostParams(makeConfig({ architecture: "jumprelu", d_in, d_sae, decoder_init_norm: 0.1 }), 3);
    for (let i = 0; i < d_sae; i++) {
      const row = p.W_dec.subarray(i * d_in, (i + 1) * d_in);
      expect(Math.hypot(...row)).toBeCloseTo(0.1, 6);
      for (let c = 0; c < d_in; c++) expect(p.W_enc[c * d_sae + i]).toBe(row[c]);
    }
    expect([...p.b_enc, ...p.b_dec].every((v) => v === 0)).toBe(true);
    expect(p.log_threshold.every((v) => Math.abs(v - Math.fround(Math.log(0.01))) < 1e-7)).toBe(true);
  });

  test("init_encoder_as_decoder_transpose false: W_enc is its own draw within +-1/sqrt(d_sae)", () => {
    const p = initHostParams(makeConfig({ architecture: "standard", d_in, d_sae, init_encoder_as_decoder_transpose: false }), 3);
    const bound = 1 / Math.sqrt(d_sae);
    expect(p.W_enc.every((v) => Math.abs(v) <= bound)).toBe(true);
    let tied = 0;
    for (let i = 0; i < d_sae; i++) for (let c = 0; c < d_in; c++) if (p.W_enc[c * d_sae + i] === p.W_dec[i * d_in + c]) tied++;
    expect(tied).toBe(0);
  });
});
