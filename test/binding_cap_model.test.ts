// The binding limit swept over the models: a [24, 16] forward of every tiny model fixture
// (packages/transformer/fixtures/hf) on a device whose storage bindings are capped at 8 KiB (device.run throws a
// LimitError for any binding over it) gives the uncapped run's logits (rtol/atol 1e-4: blocked sums add in another
// order). Over the cap: every activation ([24, 16, 32] = 48 KiB and up), the attention scores, the logits, the
// embedding and unembedding (uploaded as row chunks) and the matrices over 8 KiB (GPT-2's QKV and MLP); not the
// [32, 32] ones: a block of ids is 64 rows (256-byte aligned views of 4-byte ids), so 64 rows of d_model must fit.
// And GPT-2 with a TopK / JumpReLU SAE spliced in (latents [384, 256] over the cap). Greedy generation with the KV
// cache (a prompt + 8 tokens) of the bundled model and of gemma2 (GQA 4:2, sliding window, soft caps) under caps
// where one sequence's attention is over one binding (blocks of heads and query rows: attn_blocks.ts) gives the
// uncapped run's tokens.
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Device, getDevice, Rng } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { NO_PROCESSING } from "@sae/transformer";
import { bundledModelDir, loadModel } from "@sae/transformer/node";
import { Sae, SplicedModel } from "@sae/core";

const plain = await getDevice();

describe("every tiny model under a 8 KiB binding cap", async () => {
  const small = await Device.create({ maxBindingBytes: 8 * 1024 });
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

  test("gpt2 with TopK and JumpReLU SAEs (d_sae 256) spliced in at blocks.0.hook_resid_post: the uncapped logits", async () => {
    const hook = "blocks.0.hook_resid_post";
    const run = async (device: Device) => {
      const model = await loadModel(`${hf}/gpt2`, { device, processing: NO_PROCESSING, tokenizer: null });
      const saes = (["topk", "jumprelu"] as const).map((architecture, i) =>
        Sae.create(device, { architecture, d_in: 32, d_sae: 256, hook_name: hook, ...(architecture === "topk" ? { k: 8 } : {}) }, 20 + i),
      );
      const outs: Float32Array[] = [];
      for (const sae of saes) {
        const t = await new SplicedModel(model).attach(sae).run(rows);
        outs.push((await t.read()) as Float32Array);
        t.dispose();
        sae.dispose();
      }
      model.dispose();
      return outs;
    };
    const [want, got] = [await run(plain), await run(small)];
    expect(24 * 16 * 256 * 4).toBeGreaterThan(small.maxBinding); // the latents [384, 256]
    want.forEach((w, i) => assertClose(`spliced ${i}`, got[i], w, 1e-4, 1e-4));
  }, 120_000);
});

describe("greedy generation with the KV cache under a binding cap", () => {
  const hf = fileURLToPath(new URL("../packages/transformer/fixtures/hf", import.meta.url));
  const cases = [
    // bundled: d_model 128, 4 heads of 32; prompt 100: scores [1, 4, 100, 100] (156 KiB; one head 39 KiB), the KV
    // cache [1, 108, 4, 32] (54 KiB) over 32 KiB (64 ids of embedding rows of 512 bytes must fit)
    { name: "tiny-shakespeare", dir: bundledModelDir(), cap: 32 * 1024, prompt: 100 },
    // gemma2: 4 query heads over 2 key/value heads of 12, window 5, soft caps; prompt 48: one head's scores 9 KiB
    { name: "gemma2", dir: `${hf}/gemma2`, cap: 8 * 1024, prompt: 48 },
  ];
  for (const c of cases) {
    const title = `${c.name}: a ${c.prompt}-token prompt + 8 greedy tokens under ${c.cap / 1024} KiB: the uncapped tokens`;
    test(title, async () => {
      const rng = new Rng(7);
      const prompt = Array.from({ length: c.prompt }, () => rng.int(90));
      const generate = async (device: Device) => {
        const model = await loadModel(c.dir, { device, processing: NO_PROCESSING, tokenizer: null });
        const out = await model.generate(prompt, { maxNewTokens: 8, temperature: 0 });
        model.dispose();
        return out.tokens;
      };
      const small = await Device.create({ maxBindingBytes: c.cap });
      expect(c.prompt * c.prompt * 4).toBeGreaterThan(small.maxBinding); // one head's prompt scores
      const want = await generate(plain);
      expect(want).toHaveLength(c.prompt + 8);
      expect(await generate(small)).toEqual(want);
    }, 120_000);
  }
});
