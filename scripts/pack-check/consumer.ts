// Typechecked (not run) by scripts/pack-check.sh in the outside app: the published .d.ts files must be enough for
// a TypeScript consumer with skipLibCheck off (no Bun types, no workspace sources).
import { getDevice, Tensor, type Device } from "@sae/tensor-core";
import { Sae, type SaeConfig } from "@sae/core";
import { loadBundled } from "@sae/transformer/node";
import { createApp } from "@sae/server";
import { main } from "@sae/cli";
import { hubFetchBytes, MemoryHubCache, type HubCache } from "@sae/hub";
import { FileHubCache, hubDownload } from "@sae/hub/node";
import { loadSae } from "@sae/core/node";

export async function encodeRow(dir: string, row: Float32Array): Promise<Float32Array> {
  const device: Device = await getDevice();
  const sae = loadSae(dir, device);
  const cfg: SaeConfig = sae.cfg;
  const acts = await sae.encode(Tensor.from(device, [1, cfg.d_in], row));
  return (await acts.read()) as Float32Array;
}
export const surface = [loadBundled, createApp, main, hubDownload] as const;

export function hubBytes(dir?: string): Promise<Uint8Array> {
  const cache: HubCache = dir ? new FileHubCache(dir) : new MemoryHubCache();
  return hubFetchBytes("gpt2", "config.json", { cache });
}
