// Issue 15 fault suite, part C (inputs checked at the edge): each case is a reproduction from
// shared/reviews/reliability-defects.md (#6 #7 #9 #16 #17 #20-#23), run through the real CLI as a child process of
// the bun binary. Each must end with the exit code and the one-line message a user can act on: never a stack trace,
// never `internal error`, never exit 0 with NaN metrics or a loop that does not end.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Sae } from "@sae/core";
import { serveLoopback } from "@sae/hub/testing";
import { getDevice } from "@sae/tensor-core";
import { ConfigError, evaluateSae, type EvalHook, type EvalSae } from "@sae/train";
import { saveSae } from "@sae/core/node";

const MAIN = join(import.meta.dir, "..", "packages", "cli", "src", "main.ts");
const tmp = mkdtempSync(join(tmpdir(), "sae-rel-edge-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const device = await getDevice();
const SAE = join(tmp, "sae");
const hook_name = "blocks.1.hook_resid_pre";
const made = Sae.create(device, { d_in: 128, d_sae: 256, architecture: "topk", k: 8, hook_name, model_name: "tiny-shakespeare" }, 11);
await saveSae(made, SAE);

interface Ran {
  code: number;
  out: string;
  err: string;
}

/** Runs `sae <args>` with the bun binary; stderr without the lavapipe driver's two startup warnings. */
async function sae(args: string[], timeoutMs = 60_000): Promise<Ran> {
  const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmp };
  const p = Bun.spawn([process.execPath, MAIN, ...args], { stdout: "pipe", stderr: "pipe", env, timeout: timeoutMs });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err: err.split("\n").filter((l) => !l.startsWith("Warning: maxDynamic")).join("\n") };
}

/** Exit `code`, stderr one `error:` line containing every `parts`, no stack trace. */
function expectClean(r: Ran, code: number, ...parts: string[]): void {
  expect(r.err).not.toContain("internal error");
  expect(r.err).not.toMatch(/^\s+at /m);
  expect(r.err.split("\n").filter((l) => l.startsWith("error")).length, r.err).toBe(1);
  for (const p of parts) expect(r.err).toContain(p);
  expect(r.code, r.err).toBe(code);
}

/** A copy of the test SAE with `edit` applied to its folder. */
function variant(name: string, edit: (dir: string) => void): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const f of ["cfg.json", "sae_weights.safetensors"]) writeFileSync(join(dir, f), readFileSync(join(SAE, f)));
  edit(dir);
  return dir;
}

/** Overwrites every element of tensor `name` in a safetensors file with `value` (the review's NaN reproduction). */
function fill(file: string, name: string, value: number): void {
  const b = readFileSync(file);
  const n = Number(b.readBigUInt64LE(0));
  const [s, e] = JSON.parse(b.subarray(8, 8 + n).toString("utf8"))[name].data_offsets as number[];
  for (let at = 8 + n + s; at < 8 + n + e; at += 4) b.writeFloatLE(value, at);
  writeFileSync(file, b);
}

describe("count and size flags (#6, #17, #23)", () => {
  test("sae eval: zero, negative and fractional counts exit 2 naming the flag (before: a loop that never ends, NaN metrics)", async () => {
    const cases: [string[], string][] = [
      [["--batch-prompts", "0"], "--batch-prompts must be a positive integer, got '0'"],
      [["--batch-prompts", "-1"], "--batch-prompts must be a positive integer, got '-1'"],
      [["--prompts", "0"], "--prompts must be a positive integer, got '0'"],
      [["--prompts", "2.5"], "--prompts must be a positive integer, got '2.5'"],
    ];
    const runs = await Promise.all(cases.map(([flags]) => sae(["eval", SAE, ...flags], 30_000)));
    runs.forEach((r, i) => expectClean(r, 2, cases[i][1]));
  }, 60_000);

  test("evaluateSae itself refuses a batch size below 1 or a fraction, and no prompts (its loop steps by the batch size)", async () => {
    const hook = {} as EvalHook; // never reached: the checks come first
    const evalSae = { cfg: { d_in: 4, d_sae: 8 } } as EvalSae;
    const prompts = [new Int32Array(4)];
    const opts = { prompts, excludeIds: [], deadThreshold: 1e-8 };
    for (const batchPrompts of [0, -1, 0.5, Number.NaN]) {
      await expect(evaluateSae(hook, evalSae, { ...opts, batchPrompts })).rejects.toThrow(ConfigError);
    }
    await expect(evaluateSae(hook, evalSae, { ...opts, prompts: [], batchPrompts: 1 })).rejects.toThrow("no held-out prompts");
  });

  test("sae eval --context-size past the model's n_ctx names n_ctx, not the dataset", async () => {
    expectClean(await sae(["eval", SAE, "--context-size", "100000"]), 2, "--context-size 100000 exceeds the model's n_ctx 256");
  }, 60_000);

  test("sae train: --d-sae -5, --lr 1e400, --eval-batch-size-prompts -1/0 and --training-tokens 2.5 exit 2 naming the flag", async () => {
    const cases: [string[], string][] = [
      [["--d-sae", "-5"], "--d-sae must be a positive integer, got -5"],
      [["--lr", "1e400"], "--lr: expected a finite number, got '1e400'"],
      [["--eval-batch-size-prompts", "-1"], "--eval-batch-size-prompts must be a positive integer, got -1"],
      [["--eval-batch-size-prompts", "0"], "--eval-batch-size-prompts must be a positive integer, got 0"],
      [["--training-tokens", "2.5"], "--training-tokens: expected an integer, got '2.5'"],
    ];
    const config = join(tmp, "lr.json");
    writeFileSync(config, '{"lr": 1e400}');
    cases.push([["--config", config], `${config}: 'lr' must be a finite number, got Infinity`]);
    const never = join(tmp, "never");
    const runs = await Promise.all(cases.map(([flags]) => sae(["train", ...flags, "--checkpoint-path", never], 30_000)));
    runs.forEach((r, i) => expectClean(r, 2, cases[i][1]));
  }, 60_000);

  test("sae steer caps strength like the server (1000); analysis counts are positive integers", async () => {
    const runs = await Promise.all([
      sae(["steer", "KING:", "--sae", SAE, "--feature", "12:1e30"]),
      sae(["inspect", "hi", "--sae", SAE, "--top", "0"]),
      sae(["analyze", SAE, "--tokens", "-3"]),
      sae(["serve", "--sae", SAE, "--port", "1.5"]),
    ]);
    expectClean(runs[0], 2, "strength must be within [-1000, 1000], got 1e30");
    expectClean(runs[1], 2, "--top must be a positive integer, got '0'");
    expectClean(runs[2], 2, "--tokens must be a positive integer, got '-3'");
    expectClean(runs[3], 2, "--port must be an integer >= 0, got '1.5'");
  }, 60_000);
});

describe("what a checkpoint holds (#7, #16, #9)", () => {
  test("NaN or Inf weights are refused at load naming the tensor (before: '(none active)', exit 0)", async () => {
    const nan = variant("nan", (d) => fill(join(d, "sae_weights.safetensors"), "W_enc", Number.NaN));
    const inf = variant("inf", (d) => fill(join(d, "sae_weights.safetensors"), "b_dec", Number.POSITIVE_INFINITY));
    const [a, b, c] = await Promise.all([
      sae(["inspect", "ROMEO: But soft", "--sae", nan]),
      sae(["eval", nan, "--prompts", "8"]),
      sae(["inspect", "hi", "--sae", inf]),
    ]);
    expectClean(a, 2, "tensor 'W_enc' [128, 256] holds 32768 non-finite value(s)");
    expectClean(b, 2, "W_enc");
    expectClean(c, 2, "tensor 'b_dec' [128] holds 128 non-finite value(s) (first: Infinity at [0])");
  }, 60_000);

  test("a cfg.json field of the wrong type is an error naming field and file (before: \"false\" read as true)", async () => {
    const bad = variant("badcfg", (d) => {
      const cfg = JSON.parse(readFileSync(join(d, "cfg.json"), "utf8"));
      writeFileSync(join(d, "cfg.json"), JSON.stringify({ ...cfg, apply_b_dec_to_input: "false" }));
    });
    const want = `${join(bad, "cfg.json")}: field 'apply_b_dec_to_input' must be true or false, got "false"`;
    expectClean(await sae(["inspect", "hi", "--sae", bad]), 2, want);
  }, 60_000);

  test("missing weights, a file as a folder, a missing corpus and a bad --out are one line each", async () => {
    const noWeights = variant("noweights", (d) => rmSync(join(d, "sae_weights.safetensors")));
    const file = join(tmp, "a-file");
    writeFileSync(file, "x");
    const runs = await Promise.all([
      sae(["inspect", "hi", "--sae", noWeights]),
      sae(["train", "--training-tokens", "640", "--train-batch-size-tokens", "64", "--checkpoint-path", file]),
      sae(["analyze", SAE, "--corpus", join(tmp, "missing.txt")]),
      sae(["analyze", SAE, "--out", file, "--tokens", "64"]),
      sae(["analyze", SAE, "--out", tmp, "--tokens", "64"]),
    ]);
    expectClean(runs[0], 2, `${join(noWeights, "sae_weights.safetensors")}: file not found`);
    expectClean(runs[1], 2, "a-file");
    expectClean(runs[2], 2, `--corpus ${join(tmp, "missing.txt")}: no such file`);
    expectClean(runs[3], 2, "exists and is not a folder");
    expectClean(runs[4], 2, "holds other files");
  }, 60_000);

  test("a .tokens file with an id past the vocabulary names the file and the position", async () => {
    const tokens = join(tmp, "ids.tokens");
    const ids = new Uint16Array(4096).map((_, i) => i % 1000);
    ids[3000] = 60000; // the bundled model's vocabulary is 2048
    writeFileSync(tokens, ids);
    const want = `token file ${tokens} (u16): token 3000 is id 60000, outside the model's vocabulary [0, 2048)`;
    expectClean(await sae(["eval", SAE, "--dataset-path", tokens, "--prompts", "8"]), 2, want);
  }, 60_000);

  test("sae inspect warns when the SAE's cfg names another model, and still runs", async () => {
    const other = variant("othermodel", (d) => {
      const cfg = JSON.parse(readFileSync(join(d, "cfg.json"), "utf8"));
      writeFileSync(join(d, "cfg.json"), JSON.stringify({ ...cfg, model_name: "gpt2-small" }));
    });
    const [warned, quiet] = await Promise.all([sae(["inspect", "hi", "--sae", other]), sae(["inspect", "hi", "--sae", SAE])]);
    expect(warned.code, warned.err).toBe(0);
    expect(warned.err).toContain("warning: the SAE's cfg.json names model 'gpt2-small', but it runs on 'tiny-shakespeare'");
    expect(quiet.code, quiet.err).toBe(0);
    expect(quiet.err).not.toContain("warning");
    expect(warned.out).toBe(quiet.out.replace(SAE, other));
  }, 60_000);
});

describe("sae serve at the edge (#9, #20, #21)", () => {
  test("a port in use and an empty --token exit 2 with one line", async () => {
    const busy = await serveLoopback(() => new Response("busy"));
    try {
      const [inUse, empty] = await Promise.all([
        sae(["serve", "--sae", SAE, "--port", String(busy.port)]),
        sae(["serve", "--sae", SAE, "--token", ""]),
      ]);
      expectClean(inUse, 2, `cannot listen on 127.0.0.1:${busy.port}: the port is in use`);
      expectClean(empty, 2, "--token is empty");
    } finally {
      await busy.close();
    }
  }, 60_000);

  test("listening beyond loopback without a token warns on stderr; the token-less server refuses other sites and Hosts", async () => {
    const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmp };
    const p = Bun.spawn([process.execPath, MAIN, "serve", "--sae", SAE, "--port", "0", "--host", "0.0.0.0"], { stdout: "pipe", stderr: "pipe", env });
    try {
      const reader = p.stdout.getReader();
      let text = "";
      while (!/listening on http:\/\/\S+:(\d+)/.test(text)) {
        const r = await reader.read();
        if (r.done) break;
        text += new TextDecoder().decode(r.value);
      }
      const port = /listening on http:\/\/\S+:(\d+)/.exec(text)![1];
      const url = `http://127.0.0.1:${port}`;
      const body = JSON.stringify({ text: "hi" });
      const headers = { "Content-Type": "text/plain", Origin: "https://evil.example" };
      const evil = await fetch(`${url}/v1/encode`, { method: "POST", headers, body });
      expect(evil.status).toBe(403);
      const rebound = await fetch(`${url}/health`, { headers: { Host: `evil.example:${port}` } });
      expect(rebound.status).toBe(403);
      expect((await fetch(`${url}/v1/encode`, { method: "POST", body })).status).toBe(200);
      p.kill("SIGINT");
      expect(await p.exited).toBe(0);
      const err = await new Response(p.stderr).text();
      expect(err).toContain("warning: sae serve: listening on 0.0.0.0 without --token");
    } finally {
      p.kill();
    }
  }, 60_000);
});
