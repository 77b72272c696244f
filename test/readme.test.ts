// The README's library example, run as written (with a freshly saved TopK SAE in place of a trained one): the
// spliced model's feature activations must equal encoding the hook's activations directly.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getDevice } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { loadBundled } from "@sae/transformer/node";
import { Sae, SplicedModel } from "@sae/core";
import { loadSae, saveSae } from "@sae/core/node";

test("README example: load the bundled model, splice a saved SAE, read hook_sae_acts_post", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sae-readme-"));
  try {
    const device = await getDevice();
    const model = await loadBundled({ device });
    const made = Sae.create(device, { architecture: "topk", d_in: 128, d_sae: 200, k: 8, hook_name: "blocks.1.hook_resid_pre" }, 3);
    await saveSae(made, dir);
    made.dispose();

    const sae = loadSae(dir, device);
    const spliced = new SplicedModel(model).attach(sae);
    const { cache } = await spliced.runWithCacheWithSaes("But soft, what light", { names: [`${sae.cfg.hook_name}.hook_sae_acts_post`] });
    const acts = cache.get("blocks.1.hook_resid_pre.hook_sae_acts_post")!;
    const got = await acts.read();

    const { cache: plain } = await model.runWithCache("But soft, what light", { names: ["blocks.1.hook_resid_pre"] });
    const resid = plain["blocks.1.hook_resid_pre"];
    const pos = resid.shape[1];
    const want = await (await sae.encode(resid.reshape([pos, 128]))).read();
    expect(acts.size).toBe(pos * 200);
    assertClose("spliced acts vs direct encode", got, want, 1e-5, 1e-5);
    for (let p = 0; p < pos; p++) {
      const row = got.subarray(p * 200, (p + 1) * 200);
      expect(row.filter((v) => v !== 0).length).toBeLessThanOrEqual(8);
    }
    spliced.detach();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
