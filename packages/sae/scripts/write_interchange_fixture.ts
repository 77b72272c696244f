// Writes fixtures/interchange/<case>/ (cfg.json + sae_weights.safetensors, as saveSae writes them) and x.json for
// scripts/saelens_load_interchange.py, which loads each folder with SAELens 6.18 and records encode/decode.
// Run from the repo root: .tools/node_modules/.bin/bun packages/sae/scripts/write_interchange_fixture.ts
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { getDevice } from "@sae/tensor-core";
import { saveSae } from "@sae/core/node";
import { INTERCHANGE_CASES, INTERCHANGE_DIR, INTERCHANGE_X } from "./interchange_cases.ts";

const device = await getDevice();
for (const c of INTERCHANGE_CASES) {
  const sae = c.make(device);
  await saveSae(sae, join(INTERCHANGE_DIR, c.name));
  sae.dispose();
}
writeFileSync(join(INTERCHANGE_DIR, "x.json"), JSON.stringify({ shape: INTERCHANGE_X.shape, data: Array.from(INTERCHANGE_X.data) }));
console.log(`wrote ${INTERCHANGE_CASES.length} folders under ${INTERCHANGE_DIR}`);
