// The binding limit swept over the models: a forward of every tiny model fixture (packages/transformer/fixtures/hf)
// on a device whose storage bindings are capped at 8 KiB (device.run throws a LimitError for any binding over it):
// the weights it uploads in row chunks, the activations [3, 50, d_model] and the logits are over one binding; the
// logits equal the uncapped run's (rtol/atol 1e-4: blocked sums add in another order).
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Device, getDevice, Rng } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { NO_PROCESSING } from "@sae/transformer";
import { loadModel } from "@sae/transformer/node";

const plain = await getDevice();

describe("every tiny model under a 32 KiB binding cap", async () => {
  const small = await Device.create({ maxBindingBytes: 32 * 1024 });
  const hf = fileURLToPath(new URL("../packages/transformer/fixtures/hf", import.meta.url));
  const rng = new Rng(12);
  const rows = Array.from({ length: 24 }, () => Array.from({ length: 16 }, () => rng.int(96)));
  for (const name of readdirSync(hf)) {
    test(`${name}: logits [24, 16, 96] equal the uncapped run`, async () => {
      const logits = async (device: Device) => {
        const model = await loadModel(`${hf}/${name}`, { device, processing: NO_PROCESSING, tokenizer: null });
        const t = await model.forward(rows);
        const out = (await t.read()) as Float32Array;
        t.dispose();
        model.dispose();
        return out;
      };
      const want = await logits(plain);
      expect(want.length * 4).toBeGreaterThan(small.maxBinding);
      assertClose(`${name} logits`, await logits(small), want, 1e-4, 1e-4);
    }, 120_000);
  }
});
