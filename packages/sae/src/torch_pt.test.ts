// readTorchStateDict on a deflated archive: the same torch.save file (a dictionary_learning fixture written by
// PyTorch, whose entries are stored) re-zipped with every entry DEFLATE-compressed (fflate, as Python's
// zipfile.ZIP_DEFLATED writes) reads to the same tensors; fflate, not node:zlib, inflates, so this runs in browsers.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { readTorchStateDict, readZip } from "./torch_pt.ts";

const REPO = join(import.meta.dir, "../fixtures/convert/dictionary_learning_standard/repo");
const FILE = join(REPO, "pythia70m_sweep_standard_ctx128_0712/resid_post_layer_3/trainer_10/ae.pt");

test("a deflated torch.save archive reads to the same tensors as the stored one", () => {
  const stored = readFileSync(FILE);
  const entries = readZip(stored, FILE);
  const deflated = zipSync(Object.fromEntries([...entries].map(([n, b]) => [n, [b, { level: 6 }]])));
  expect(deflated.length).toBeLessThan(stored.length); // really compressed
  const want = readTorchStateDict(stored, FILE);
  const got = readTorchStateDict(deflated, "deflated.pt");
  expect([...got.keys()]).toEqual([...want.keys()]);
  for (const [name, t] of want) {
    expect(got.get(name)!.shape).toEqual(t.shape);
    expect(Array.from(got.get(name)!.data)).toEqual(Array.from(t.data));
  }
});
