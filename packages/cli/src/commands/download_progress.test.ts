// The CLI still shows download bars now that the hub client (@sae/hub) only reports through onProgress:
// `sae inspect --model-name <repo id>` against a loopback hub serving the bundled model draws one byte bar per
// downloaded file on a TTY-like progress stream (@sae/train's downloadProgress), and nothing on a non-TTY.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Sae } from "@sae/core";
import { fakeHub, type Loopback, serveLoopback } from "@sae/hub/testing";
import { getDevice } from "@sae/tensor-core";
import { formatBytes } from "@sae/train";
import { bundledModelDir, loadBundled } from "@sae/transformer/node";
import type { CliIO } from "../command.ts";
import { main } from "../main.ts";
import { saveSae } from "@sae/core/node";

const REPO = "someone/tiny-shakespeare-bars";
const FILES = ["config.json", "model.safetensors", "vocab.json", "merges.txt"];
const dir = mkdtempSync(join(tmpdir(), "sae-cli-bars-"));
const saeDir = join(dir, "sae");
const hub = fakeHub("3".repeat(40));
const saved: Record<string, string | undefined> = {};
let server: Loopback;

function io(isTTY: boolean): CliIO & { bars: () => string } {
  let bars = "";
  return {
    out: () => {},
    err: () => {},
    progress: { isTTY, columns: 400, write: (t: string) => void (bars += t) },
    onInterrupt: () => () => {},
    bars: () => bars,
  };
}

beforeAll(async () => {
  const D = (await loadBundled()).cfg.dModel;
  const fields = { d_in: D, d_sae: 2 * D, architecture: "standard", hook_name: "blocks.1.hook_resid_post" } as const;
  const sae = Sae.create(await getDevice(), { ...fields, model_name: "tiny-shakespeare" }, 7);
  await saveSae(sae, saeDir);
  sae.dispose();
  for (const n of FILES) {
    hub.put(REPO, n, new Uint8Array(readFileSync(join(bundledModelDir(), n))));
  }
  server = await serveLoopback(hub.handle);
  for (const k of ["HF_ENDPOINT", "HF_HUB_CACHE"]) saved[k] = process.env[k];
  process.env.HF_ENDPOINT = server.url;
});

afterAll(() => {
  server.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe("download progress in the CLI", () => {
  const inspect = (a: CliIO) => main(["inspect", "To be", "--model-name", REPO, "--sae", saeDir, "--json"], a);

  test("sae inspect --model-name <repo id>: a finished byte bar per downloaded file on a TTY", async () => {
    process.env.HF_HUB_CACHE = mkdtempSync(join(tmpdir(), "sae-cli-bars-hub-"));
    const a = io(true);
    expect(await inspect(a)).toBe(0);
    const size = hub.files.get(`/${REPO}/resolve/main/model.safetensors`)!.length;
    expect(size).toBeGreaterThan(2 ** 20);
    const full = `[${"#".repeat(24)}] 100% ${formatBytes(size)}/${formatBytes(size)}`;
    expect(a.bars()).toContain(`\rmodel.safetensors ${full}`);
    for (const n of FILES) expect(a.bars()).toMatch(new RegExp(`\\r${n.replace(".", "\\.")} \\[#{24}\\] 100% `));
    // once cached, nothing is downloaded and no bar draws
    const b = io(true);
    expect(await inspect(b)).toBe(0);
    expect(b.bars()).toBe("");
  });

  test("no bar on a progress stream that is not a TTY", async () => {
    process.env.HF_HUB_CACHE = mkdtempSync(join(tmpdir(), "sae-cli-bars-hub-"));
    const a = io(false);
    expect(await inspect(a)).toBe(0);
    expect(a.bars()).toBe("");
  });
});
