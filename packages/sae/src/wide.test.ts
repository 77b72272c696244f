// SAEs wider than one storage binding: SAELens 6 folders (wide_fixture.ts) loaded on a device whose bindings are
// capped at 1 MiB, so W_enc and W_dec [4096 x 96] (1.5 MiB) and f [100, 4096] do not fit one binding; encode
// (JumpReLU, TopK) and decode against float64 CPU references. The real size (65,536 x 2,304: 604 MB per weight) is
// scripts/wide-sae-check.ts, run by hand (too big for CI).
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Device, Tensor } from "@sae/tensor-core";
import { Sae } from "./sae.ts";
import { checkEncode, hashed, writeWideSae } from "./wide_fixture.ts";
import { loadSae } from "./load.ts";

const [D_IN, D_SAE, B] = [96, 4096, 100];

describe("SAEs wider than one binding", async () => {
  const device = await Device.create({ maxBindingBytes: 1 << 20 });

  for (const arch of ["jumprelu", "topk"] as const) {
    test(`${arch} ${D_IN} x ${D_SAE}: loads, encodes and decodes like the CPU reference`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "sae-wide-"));
      const s = writeWideSae(dir, arch, D_IN, D_SAE, 24);
      const sae = loadSae(dir, device);
      expect(sae.W_enc.byteLength).toBeGreaterThan(device.maxBinding);
      const x = hashed(B * D_IN, 9, 3);
      const xt = Tensor.from(device, [B, D_IN], x);
      const ft = await sae.encode(xt);
      const f = (await ft.read()) as Float32Array;
      expect(checkEncode(s, x, B, f)).toBeGreaterThan(B * (arch === "topk" ? 20 : 10));
      const out = (await sae.decode(ft).read()) as Float32Array;
      const want = new Float64Array(B * D_IN);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < D_IN; j++) want[b * D_IN + j] = s.b_dec[j];
        for (let i = 0; i < D_SAE; i++) {
          const v = f[b * D_SAE + i];
          if (v !== 0) for (let j = 0; j < D_IN; j++) want[b * D_IN + j] += v * s.W_dec[i * D_IN + j];
        }
      }
      for (let i = 0; i < want.length; i++) expect(Math.abs(out[i] - want[i])).toBeLessThan(1e-4 + 1e-4 * Math.abs(want[i]));
      xt.dispose();
      sae.dispose();
    }, 120_000);
  }
});
