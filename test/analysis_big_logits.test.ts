// Analysis over logits larger than one binding: the bundled model (vocab 2048) on a device whose storage bindings
// are capped at 256 KiB, so a 60-token text's logits [1, 60, 2048] (480 KiB) never fit one. @sae/core's
// ablateFeatures (next-token losses with features zeroed in the spliced SAE) reads them through the model's
// tokenLosses (blocks of positions) and the adapter's generate (steering's path) reads only the last row: both give
// the uncapped device's values, and the clean losses equal host float64 cross-entropy of the uncapped logits.
// SplicedModel.tokenLosses (SAELens's run_with_saes(return_type="loss")) equals host CE of the uncapped spliced
// run's logits; with the error term, the clean losses.
import { describe, expect, test } from "bun:test";
import { ablateFeatures, asAnalysisModel, asAnalysisSae, makeConfig, Sae, SplicedModel } from "@sae/core";
import { Device, getDevice } from "@sae/tensor-core";
import { assertClose, randn } from "@sae/tensor-core/testing";
import { logSoftmaxRow } from "@sae/transformer";
import { bundledModelDir, loadGpt2 } from "@sae/transformer/node";

const HOOK = "blocks.2.hook_resid_pre";
const TEXT = "ROMEO:\nBut soft, what light through yonder window breaks? It is the east, and Juliet is the sun. Arise";

function sae(device: Device): Sae {
  const cfg = makeConfig({ architecture: "standard", d_in: 128, d_sae: 256, hook_name: HOOK });
  const host = {
    W_enc: randn(128 * 256, 1, 0.2),
    b_enc: randn(256, 2, 0.1),
    W_dec: randn(256 * 128, 3, 0.2),
    b_dec: randn(128, 4, 0.1),
  };
  return Sae.fromHost(device, cfg, host);
}

describe("analysis with logits over one binding", async () => {
  const capped = await Device.create({ maxBindingBytes: 256 * 1024 });
  const plainDevice = await getDevice();
  const small = await loadGpt2(bundledModelDir(), { device: capped });
  const plain = await loadGpt2(bundledModelDir(), { device: plainDevice });

  test("ablateFeatures and generate equal the uncapped run", async () => {
    const ids = Array.from(plain.toTokens(TEXT).ids);
    expect(ids.length * 2048 * 4).toBeGreaterThan(capped.maxBinding);
    const feats = [0, 5, 17, 99];
    const got = await ablateFeatures(asAnalysisModel(small, "tiny"), asAnalysisSae(sae(capped)), TEXT, feats);
    const want = await ablateFeatures(asAnalysisModel(plain, "tiny"), asAnalysisSae(sae(plainDevice)), TEXT, feats);
    expect(got.perToken.clean).toHaveLength(ids.length - 1);
    assertClose("clean losses", got.perToken.clean, want.perToken.clean, 1e-5, 1e-5);
    assertClose("ablated losses", got.perToken.ablated, want.perToken.ablated, 1e-5, 1e-5);
    expect(Math.abs(got.delta)).toBeGreaterThan(1e-4); // the ablation changed the losses
    const logits = (await (await plain.forward([ids])).read()) as Float32Array;
    const lp = new Float64Array(2048);
    const host = ids.slice(0, -1).map((_, p) => {
      logSoftmaxRow(logits, p * 2048, 2048, lp);
      return -lp[ids[p + 1]];
    });
    assertClose("clean vs host", got.perToken.clean, host, 1e-5, 1e-5);
    const opts = { maxNewTokens: 6, temperature: 0, seed: 0 };
    const [a, b] = [asAnalysisModel(small, "tiny"), asAnalysisModel(plain, "tiny")];
    expect(await a.generate(TEXT, opts)).toBe(await b.generate(TEXT, opts));
  });

  test("SplicedModel.tokenLosses with the SAE spliced equals host CE of the uncapped spliced logits", async () => {
    const ids = [Array.from(plain.toTokens(TEXT).ids)];
    const n = ids[0].length;
    const got = await new SplicedModel(small).attach(sae(capped)).tokenLosses(ids);
    const logits = (await (await new SplicedModel(plain).attach(sae(plainDevice)).run(ids)).read()) as Float32Array;
    const lp = new Float64Array(2048);
    const want = ids[0].slice(0, -1).map((_, p) => {
      logSoftmaxRow(logits, p * 2048, 2048, lp);
      return -lp[ids[0][p + 1]];
    });
    expect(got).toHaveLength(n - 1);
    assertClose("spliced losses", got, want, 1e-5, 1e-5);
    const withError = await new SplicedModel(small).attach(sae(capped), { errorTerm: true }).tokenLosses(ids);
    assertClose("error term = clean", withError, await small.tokenLosses(ids), 1e-5, 1e-5);
    expect(Math.max(...Array.from(got, (g, i) => Math.abs(g - withError[i])))).toBeGreaterThan(1e-3);
  });
});
