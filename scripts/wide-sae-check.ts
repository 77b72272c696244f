// The real-size check behind packages/sae/src/wide.test.ts, run by hand (too big for CI): a SAELens 6 JumpReLU SAE
// of 65,536 x 2,304 (Gemma Scope's 64k width; W_enc and W_dec 604 MB each, over lavapipe's 128 MiB binding) written
// to a temp folder, loaded with loadSae, and 3 rows encoded and checked against the float64 CPU encode.
// Usage: bun scripts/wide-sae-check.ts [d_sae] [d_in]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getDevice, Tensor } from "../packages/tensor-core/src/index.ts";
import { loadSae } from "../packages/sae/src/load.ts";
import { checkEncode, hashed, writeWideSae } from "../packages/sae/src/wide_fixture.ts";

const [dSae, dIn, B] = [Number(process.argv[2] ?? 65536), Number(process.argv[3] ?? 2304), 3];
const dir = mkdtempSync(join(tmpdir(), "sae-wide-"));
const t0 = performance.now();
const s = writeWideSae(dir, "jumprelu", dIn, dSae);
const device = await getDevice();
const t1 = performance.now();
const sae = loadSae(dir, device);
const x = hashed(B * dIn, 9, 3);
const xt = Tensor.from(device, [B, dIn], x);
const f = (await (await sae.encode(xt)).read()) as Float32Array;
const t2 = performance.now();
const active = checkEncode(s, x, B, f);
const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
console.log(`${dSae} x ${dIn} jumprelu: W_enc ${mib(sae.W_enc.byteLength)} (binding limit ${mib(device.maxBinding)})`);
console.log(`written in ${((t1 - t0) / 1000).toFixed(1)} s; load + encode of ${B} rows ${((t2 - t1) / 1000).toFixed(1)} s`);
console.log(`peak device bytes ${mib(device.memory().peakBytes)}; ${active} active latents match the CPU encode`);
sae.dispose();
rmSync(dir, { recursive: true });
