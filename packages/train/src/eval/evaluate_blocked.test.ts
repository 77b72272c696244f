// evaluateSae through ModelHook on the bundled model (vocab 2048) with the logits over one binding: a device whose
// bindings are capped at 256 KiB makes each batch's [4, 48, 2048] logits (1.5 MiB) come in blocks of 32 positions
// (LogitRows). CE with and without the SAE spliced, with the zero ablation, and both KLs equal the uncapped run's;
// the CE equals host float64 cross-entropy of the uncapped model's logits (read whole).
import { describe, expect, test } from "bun:test";
import { makeConfig, Sae } from "@sae/core";
import { Device, getDevice } from "@sae/tensor-core";
import { randn } from "@sae/tensor-core/testing";
import { logSoftmaxRow } from "@sae/transformer";
import { bundledModelDir, loadGpt2 } from "@sae/transformer/node";
import { ModelHook } from "../model-hooks.ts";
import { evaluateSae } from "./evaluate.ts";

const HOOK = "blocks.1.hook_resid_post";
const [D_IN, D_SAE, POS] = [128, 256, 48];

/** An SAE with fixed random weights on `device` (the same values on every device). */
function sae(device: Device): Sae {
  const cfg = makeConfig({ architecture: "standard", d_in: D_IN, d_sae: D_SAE });
  const host = {
    W_enc: randn(D_IN * D_SAE, 1, 0.1),
    b_enc: randn(D_SAE, 2, 0.1),
    W_dec: randn(D_SAE * D_IN, 3, 0.1),
    b_dec: randn(D_IN, 4, 0.1),
  };
  return Sae.fromHost(device, cfg, host);
}

describe("evaluateSae with logits over one binding", async () => {
  const capped = await Device.create({ maxBindingBytes: 256 * 1024 });
  const plainDevice = await getDevice();
  const prompts = Array.from({ length: 8 }, (_, i) =>
    Int32Array.from({ length: POS }, (_, p) => (p === 0 ? 2047 : (i * 389 + p * p * 53) % 2047)),
  );
  const opts = { prompts, batchPrompts: 4, excludeIds: [2047], deadThreshold: 1e-8 };

  test("CE and KL (SAE spliced, zero ablation) equal the uncapped run and host CE", async () => {
    expect(4 * POS * 2048 * 4).toBeGreaterThan(capped.maxBinding);
    const small = await loadGpt2(bundledModelDir(), { device: capped });
    const plain = await loadGpt2(bundledModelDir(), { device: plainDevice });
    const hook = await ModelHook.create(small, HOOK);
    const seen: number[] = []; // blockRows of every run's LogitRows
    const rowsOf = hook.logitRows.bind(hook);
    hook.logitRows = async (...a) => {
      const r = await rowsOf(...a);
      seen.push(r.blockRows);
      return r;
    };
    const got = await evaluateSae(hook, sae(capped), opts);
    expect(seen).toEqual(Array(6).fill(32)); // 2 batches x 3 runs, 32 positions of 8 KiB per 256 KiB binding
    const plainHook = await ModelHook.create(plain, HOOK);
    const want = await evaluateSae(plainHook, sae(plainDevice), opts);
    const keys = ["ce_loss_without_sae", "ce_loss_with_sae", "ce_loss_with_ablation", "kl_div_with_sae"] as const;
    for (const k of [...keys, "kl_div_with_ablation", "ce_loss_score", "kl_div_score"] as const) {
      expect(got[k]).not.toBeNull();
      expect(Math.abs(got[k]! - want[k]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[k]!)));
    }
    expect(got.kl_div_with_sae!).toBeGreaterThan(1e-3);
    // clean CE from the whole logits read back at once, BOS positions left out
    let sum = 0;
    let n = 0;
    const lp = new Float64Array(2048);
    for (let at = 0; at < prompts.length; at += 4) {
      const tokens = new Int32Array(4 * POS);
      prompts.slice(at, at + 4).forEach((p, i) => tokens.set(p, i * POS));
      const logits = await plainHook.logits(tokens, 4, POS);
      for (let r = 0; r < 4 * POS; r++) {
        if (r % POS === POS - 1 || tokens[r] === 2047) continue;
        logSoftmaxRow(logits, r * 2048, 2048, lp);
        sum -= lp[tokens[r + 1]];
        n++;
      }
    }
    expect(Math.abs(got.ce_loss_without_sae! - sum / n)).toBeLessThan(1e-5);
  });
});
