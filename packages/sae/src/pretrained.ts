// Pretrained SAE registry (pretrained.json: GPT-2-small releases as listed in SAELens' pretrained_saes.yaml) and
// fromPretrained: downloads a release's cfg.json, sae_weights.safetensors and sparsity.safetensors (when the hub
// has it) through the tensor-core hub client into the Hugging Face cache layout, then loads the folder. Releases
// stored in another layout name a SAELens conversion; CONVERSIONS lists the ones implemented here (each downloads
// its own files and builds the Sae).
import { dirname } from "node:path";
import { DownloadError, hubDownload, saeAxpby, type Device } from "@sae/tensor-core";
import { CFG_FILE, loadSae, SPARSITY_FILE, WEIGHTS_FILE } from "./checkpoint.ts";
import { hookZConfigPath, loadHookZ } from "./convert_hook_z.ts";
import { PretrainedNotFoundError, SaeConfigError } from "./errors.ts";
import registry from "./pretrained.json" with { type: "json" };
import type { Sae } from "./sae.ts";

export interface PretrainedSae {
  id: string;
  /** Folder (or file, for converted formats) inside the hub repo. */
  path: string;
  hook_name: string;
  d_sae: number;
  neuronpedia: string | null;
  l0: number | null;
  /** expected_average_only_in releases: the scale SAELens folds into the weights on load. */
  norm_scaling_factor?: number;
}

export interface PretrainedRelease {
  repo_id: string;
  model: string;
  /** A SAELens conversion name (a key of CONVERSIONS) when the files are not in the SAELens layout. */
  conversion: string | null;
  config_overrides: Record<string, unknown>;
  links: Record<string, string>;
  saes: PretrainedSae[];
}

export const PRETRAINED: Record<string, PretrainedRelease> = registry;

export interface FromPretrainedOptions {
  cacheDir?: string;
  /** Hub base URL (default HF_ENDPOINT or https://huggingface.co). */
  endpoint?: string;
  revision?: string;
  token?: string | false;
  offline?: boolean;
  quiet?: boolean;
}

/** The registry entry for a release and SAE id; throws listing the valid releases or ids. */
export function pretrainedEntry(release: string, saeId: string): { release: PretrainedRelease; sae: PretrainedSae } {
  const rel = PRETRAINED[release];
  if (!rel) throw new PretrainedNotFoundError(`unknown release '${release}'; valid releases: ${Object.keys(PRETRAINED).join(", ")}`);
  const sae = rel.saes.find((s) => s.id === saeId);
  if (!sae) throw new PretrainedNotFoundError(`release '${release}' has no SAE id '${saeId}'; valid ids: ${rel.saes.map((s) => s.id).join(", ")}`);
  return { release: rel, sae };
}

async function optional(download: () => Promise<string>): Promise<string | null> {
  try {
    return await download();
  } catch (e) {
    if (e instanceof DownloadError && /HTTP 404|not in the cache/.test(e.message)) return null;
    throw e;
  }
}

type Download = (path: string) => Promise<string>;

/** SAELens conversions implemented here, by the name pretrained.json gives: download the files, build the Sae. */
export const CONVERSIONS = {
  /** Kissane & Krzyzanowski hook_z SAEs: `<run>.pt` (a torch state_dict) and `<run>_cfg.json` (convert_hook_z.ts). */
  connor_rob_hook_z: async (entry: PretrainedSae, download: Download, device: Device): Promise<Sae> => {
    const cfgPath = await download(hookZConfigPath(entry.path));
    return loadHookZ(await download(entry.path), cfgPath, device);
  },
} satisfies Record<string, (entry: PretrainedSae, download: Download, device: Device) => Promise<Sae>>;

async function loadSaeLensLayout(entry: PretrainedSae, download: Download, device: Device): Promise<Sae> {
  const cfgPath = await download(`${entry.path}/${CFG_FILE}`);
  await download(`${entry.path}/${WEIGHTS_FILE}`);
  await optional(() => download(`${entry.path}/${SPARSITY_FILE}`));
  return loadSae(dirname(cfgPath), device);
}

/** Downloads and loads a pretrained SAE (see FromPretrainedOptions for the hub endpoint and cache). */
export async function loadPretrained(release: string, saeId: string, device: Device, opts: FromPretrainedOptions = {}): Promise<Sae> {
  const { release: rel, sae: entry } = pretrainedEntry(release, saeId);
  const conv = rel.conversion;
  if (conv !== null && !Object.hasOwn(CONVERSIONS, conv)) {
    throw new SaeConfigError(`release '${release}' is stored in the '${conv}' format (${entry.path}), a SAELens conversion this package does not implement; implemented: ${Object.keys(CONVERSIONS).join(", ")}`);
  }
  const hub = { cacheDir: opts.cacheDir, endpoint: opts.endpoint, revision: opts.revision, token: opts.token, offline: opts.offline, quiet: opts.quiet ?? true };
  const download: Download = (path) => hubDownload(rel.repo_id, path, hub);
  const sae = conv === null ? await loadSaeLensLayout(entry, download, device) : await CONVERSIONS[conv as keyof typeof CONVERSIONS](entry, download, device);
  for (const [k, v] of Object.entries(rel.config_overrides)) {
    if (k in sae.cfg) (sae.cfg as unknown as Record<string, unknown>)[k] = v;
    else sae.extraConfig[k] = v;
  }
  if (!sae.cfg.neuronpedia_id && entry.neuronpedia) sae.cfg.neuronpedia_id = entry.neuronpedia;
  const s = entry.norm_scaling_factor;
  if (sae.cfg.normalize_activations === "expected_average_only_in" && s !== undefined) foldScale(sae, s);
  return sae;
}

/** Folds an input scale s into the weights (W_enc * s, W_dec / s, b_dec / s), as SAELens does on load. */
export function foldScale(sae: Sae, s: number): void {
  const p = sae.params;
  for (const [name, k] of [["W_enc", s], ["W_dec", 1 / s], ["b_dec", 1 / s]] as const) {
    const next = saeAxpby(p[name], null, null, k, 0, 0);
    p[name].dispose();
    p[name] = next;
  }
  sae.cfg.normalize_activations = "none";
}
