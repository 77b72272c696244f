// SAELens's sparsify_disk_loader on a local folder (@sae/core/node): reads `<dir>/cfg.json`, `<dir>/sae.safetensors`
// and, when present, config.json in the parent folder, then converts them as the hub path does (sparsify.ts).
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { CFG_FILE } from "../checkpoint_bytes.ts";
import { SPARSIFY_WEIGHTS_FILE, sparsifyFromFiles } from "./sparsify.ts";
import { localFile } from "./local_file.ts";
import type { HostTensor } from "./types.ts";

/** The SAE folder `dir` (cfg.json + sae.safetensors) as SAELens's sparsify_disk_loader reads it. */
export function loadSparsifyDir(
  dir: string,
  overrides: Record<string, unknown>,
): { cfg: Record<string, unknown>; tensors: Record<string, HostTensor> } {
  const parentCfg = join(dirname(dir), "config.json");
  const files = {
    cfg: localFile(join(dir, CFG_FILE)),
    weights: localFile(join(dir, SPARSIFY_WEIGHTS_FILE)),
    parentConfig: existsSync(parentCfg) ? localFile(parentCfg) : null,
    folder: basename(dir),
    parentName: basename(dirname(dir)),
  };
  return sparsifyFromFiles(files, overrides);
}
