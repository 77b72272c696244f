// `<release>/<id>` through the real CLI entry: `sae inspect --sae` and `sae eval` with a pretrained SAE from a
// loopback hub (HF_ENDPOINT / HF_HUB_CACHE pointed at @sae/hub/testing's fakeHub and a temp cache) give the same
// features and metrics as the same commands on the folder the hub serves.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Sae } from "@sae/core";
import { fakeHub, type Loopback, serveLoopback } from "@sae/hub/testing";
import { getDevice } from "@sae/tensor-core";
import { loadBundled } from "@sae/transformer/node";
import type { CliIO } from "../command.ts";
import { main } from "../main.ts";
import { saveSae } from "@sae/core/node";

const HOOK = "blocks.0.hook_resid_post";
const dir = mkdtempSync(join(tmpdir(), "sae-cli-pre-"));
const hub = fakeHub("1".repeat(40));
const saved: Record<string, string | undefined> = {};
let server: Loopback;
let D = 0;

function io(): CliIO & { text: () => string } {
  let out = "";
  const progress = { write: () => true };
  return { out: (t) => void (out += t), err: () => {}, progress, onInterrupt: () => () => {}, text: () => out };
}

beforeAll(async () => {
  D = (await loadBundled()).cfg.dModel;
  const fields = { d_in: D, d_sae: 3 * D, architecture: "standard", hook_name: HOOK } as const;
  const model = { model_name: "tiny-shakespeare" };
  const sae = Sae.create(await getDevice(), { ...fields, ...model }, 5);
  await saveSae(sae, dir);
  sae.dispose();
  for (const n of readdirSync(dir)) {
    hub.put("someone/tiny-saes", `${HOOK}/${n}`, new Uint8Array(readFileSync(join(dir, n))));
  }
  server = await serveLoopback(hub.handle);
  for (const k of ["HF_ENDPOINT", "HF_HUB_CACHE"]) saved[k] = process.env[k];
  process.env.HF_ENDPOINT = server.url;
  process.env.HF_HUB_CACHE = mkdtempSync(join(tmpdir(), "sae-cli-hub-"));
});

afterAll(() => {
  server.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe("sae inspect --sae / sae eval with <release>/<id>", () => {
  test("downloads the SAE through the hub and shows the same features as the folder itself", async () => {
    const a = io();
    expect(await main(["inspect", "To be, or not to be", "--sae", `someone/tiny-saes/${HOOK}`, "--json"], a)).toBe(0);
    const b = io();
    expect(await main(["inspect", "To be, or not to be", "--sae", dir, "--json"], b)).toBe(0);
    const [pa, pb] = [JSON.parse(a.text()), JSON.parse(b.text())];
    expect(pa.sae).toBe(`standard SAE (d_sae ${3 * D}) at ${HOOK} from someone/tiny-saes/${HOOK}`);
    expect(pa.features).toEqual(pb.features);
    expect(pa.features.flat().length).toBeGreaterThan(0);
  });

  test("sae eval <release>/<id> evaluates the downloaded SAE like the folder itself", async () => {
    const args = ["--prompts", "2", "--batch-prompts", "2", "--context-size", "16", "--json"];
    const a = io();
    expect(await main(["eval", `someone/tiny-saes/${HOOK}`, ...args], a)).toBe(0);
    const b = io();
    expect(await main(["eval", dir, ...args], b)).toBe(0);
    const [ra, rb] = [JSON.parse(a.text()), JSON.parse(b.text())];
    expect(ra.checkpoint).toBe(`someone/tiny-saes/${HOOK}`);
    expect(ra.tokens).toBeGreaterThan(0);
    expect({ ...ra, checkpoint: dir }).toEqual(rb);
  });
});
