// Checkpoints this project writes load in SAELens 6.18 with identical encode/decode. fixtures/interchange/ holds
// what Sae.save wrote for each case in scripts/interchange_cases.ts and expected.json, what SAELens's own
// SAE.load_from_disk computed from those folders (scripts/saelens_load_interchange.py). Here: today's Sae.save
// writes the same weight bytes and cfg.json, and this project's encode/decode equal SAELens's. Where
// /usr/bin/python3 has torch and the SAELens source and harness are present, SAELens also loads today's files live.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getDevice, Tensor } from "@sae/tensor-core";
import { assertClose } from "@sae/tensor-core/testing";
import { INTERCHANGE_CASES, INTERCHANGE_DIR, INTERCHANGE_X } from "../scripts/interchange_cases.ts";
import type { Sae } from "./sae.ts";
import { saveSae } from "./checkpoint.ts";

interface Enc {
  shape: number[];
  data: (number | string)[];
}
const f32 = (t: Enc) => Float32Array.from(t.data, (v) => (typeof v === "number" ? v : Number(v)));
const expected: Record<string, { loaded_class: string; encode: Enc; decode: Enc }> = JSON.parse(readFileSync(join(INTERCHANGE_DIR, "expected.json"), "utf8"));
const device = await getDevice();

async function encodeDecode(sae: Sae): Promise<{ f: Float32Array; out: Float32Array }> {
  const x = Tensor.from(device, INTERCHANGE_X.shape, INTERCHANGE_X.data);
  const f = await sae.encode(x);
  const out = sae.decode(f);
  const r = { f: (await f.read()) as Float32Array, out: (await out.read()) as Float32Array };
  for (const t of [x, f, out]) t.dispose();
  return r;
}

const root = mkdtempSync(join(tmpdir(), "sae-interchange-"));

describe("checkpoints written here load in SAELens 6.18 with the same encode/decode", () => {
  for (const c of INTERCHANGE_CASES) {
    test(`${c.name} (SAELens loads it as ${expected[c.name].loaded_class.split(".").pop()})`, async () => {
      const sae = c.make(device);
      const dir = join(root, c.name);
      await saveSae(sae, dir);
      const committed = join(INTERCHANGE_DIR, c.name);
      expect(Buffer.compare(readFileSync(join(dir, "sae_weights.safetensors")), readFileSync(join(committed, "sae_weights.safetensors")))).toBe(0);
      expect(JSON.parse(readFileSync(join(dir, "cfg.json"), "utf8"))).toEqual(JSON.parse(readFileSync(join(committed, "cfg.json"), "utf8")));
      const { f, out } = await encodeDecode(sae);
      assertClose(`${c.name} encode vs SAELens`, f, f32(expected[c.name].encode), 1e-4, 1e-5);
      assertClose(`${c.name} decode vs SAELens`, out, f32(expected[c.name].decode), 1e-4, 1e-5);
      sae.dispose();
    });
  }

  const harness = process.env.SAELENS_HARNESS ?? "/work/shared/saelens-harness/run_saelens.py";
  const src = process.env.SAELENS_SRC ?? "/work/ref/saelens";
  const torch = spawnSync("/usr/bin/python3", ["-c", "import torch"]).status === 0 && existsSync(harness) && existsSync(join(src, "sae_lens"));
  test(`live: SAELens loads today's files (${torch ? "torch and SAELens present" : "no torch/SAELens here: the committed expected.json stands in"})`, async () => {
    if (!torch) {
      expect(Object.keys(expected).sort()).toEqual(INTERCHANGE_CASES.map((c) => c.name).sort());
      return;
    }
    writeFileSync(join(root, "x.json"), JSON.stringify({ shape: INTERCHANGE_X.shape, data: Array.from(INTERCHANGE_X.data) }));
    for (const c of INTERCHANGE_CASES) if (!existsSync(join(root, c.name, "cfg.json"))) await saveSae(c.make(device), join(root, c.name));
    const script = join(import.meta.dir, "..", "scripts", "saelens_load_interchange.py");
    const r = spawnSync("/usr/bin/python3", [script, "--dir", root, "--out", "-"], { encoding: "utf8", env: { ...process.env, SAELENS_HARNESS: harness, SAELENS_SRC: src } });
    expect(r.status, r.stderr).toBe(0);
    const live = JSON.parse(r.stdout);
    for (const c of INTERCHANGE_CASES) {
      const sae = c.make(device);
      const { f, out } = await encodeDecode(sae);
      assertClose(`${c.name} live encode`, f, f32(live[c.name].encode), 1e-4, 1e-5);
      assertClose(`${c.name} live decode`, out, f32(live[c.name].decode), 1e-4, 1e-5);
      sae.dispose();
    }
  }, 300_000);
});
