// Run by scripts/pack-check.sh in the outside app: the bundled tiny GPT-2 shipped in @sae/transformer (assets/),
// its logits for one prompt and 12 greedy tokens (KV cache). `node model.mjs out.json` writes them (Dawn);
// `deno run -A model.mjs out.json` compares against that file (wgpu/naga compiles every kernel of the forward:
// layer norm, attention, GELU, matmul): logits within 1e-3 and the same text, or exit 1.
import { readFileSync, writeFileSync } from "node:fs";
import { loadBundled } from "@sae/transformer/node";

const isDeno = "Deno" in globalThis;
const runtime = isDeno ? `deno ${globalThis.Deno.version.deno}` : `node ${process.version}`;
const file = isDeno ? globalThis.Deno.args[0] : process.argv[2];
const model = await loadBundled();
const prompt = "ROMEO:\nBut soft, what light";
const run = await model.runWithCache(prompt, { names: [], logits: true });
const logits = Array.from(await run.logits.read()); // [1, pos, d_vocab]
const { text } = await model.generate(prompt, { maxNewTokens: 12, temperature: 0 });
let code = 0;
let line;
if (!isDeno) {
  writeFileSync(file, JSON.stringify({ runtime, logits, text }));
  line = `ok ${runtime}: bundled model, ${logits.length} logits, greedy ${JSON.stringify(text.slice(prompt.length))}`;
} else {
  const ref = JSON.parse(readFileSync(file, "utf8"));
  let worst = 0;
  for (let i = 0; i < ref.logits.length; i++) worst = Math.max(worst, Math.abs(ref.logits[i] - logits[i]));
  const same = logits.length === ref.logits.length && worst <= 1e-3 && text === ref.text;
  code = same ? 0 : 1;
  const texts = text === ref.text ? "identical" : `${JSON.stringify(text)} vs ${JSON.stringify(ref.text)}`;
  line = `${same ? "ok" : "MISMATCH"} ${runtime}: bundled model, logits max |${runtime} - ${ref.runtime}| ` +
    `${worst.toExponential(2)}, greedy text ${texts}`;
}
console.log(line);
if (isDeno) globalThis.Deno.exit(code);
else process.exit(code);
