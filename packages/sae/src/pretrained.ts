// The pretrained SAE registry (pretrained.json, generated from SAELens 6.18's pretrained_saes.yaml by
// scripts/gen_registry.py: 73 releases, 4,500 SAEs) and loading a release's SAE the way SAE.from_pretrained does:
// resolve the release and id to a hub repo, a path and a conversion (a release name with '/' that the registry does
// not list is read as a Hugging Face repo of SAELens-format folders, the id as the folder), download that
// conversion's files through the hub client (@sae/hub/node) into the Hugging Face cache layout, convert (convert/*),
// and build the host SAE (convert/build.ts). This file is the registry and its lookups (no file system); resolving
// to a conversion, downloading and converting are pretrained_load.ts (@sae/core/node: loadPretrainedSae).
import type { HubDownloadOptions } from "@sae/hub/node";
import type { ConversionName } from "./convert/registry.ts";
import { PretrainedNotFoundError } from "./errors.ts";
import registry from "./pretrained.json" with { type: "json" };

export interface PretrainedSae {
  id: string;
  /** Folder or file inside the hub repo (the conversion says which files it reads there). */
  path: string;
  /** The hook as far as names tell (the id, or the conversion's rule); null: only the downloaded config says. */
  hook_name: string | null;
  neuronpedia: string | null;
  l0: number | null;
  variance_explained: number | null;
  /** expected_average_only_in SAEs: the scale folded into the weights on load. */
  norm_scaling_factor?: number;
}

export interface PretrainedRelease {
  repo_id: string;
  model: string;
  /** The SAELens conversion the files need ("sae_lens": SAELens's own layout). */
  conversion: ConversionName;
  config_overrides: Record<string, unknown>;
  links: Record<string, string>;
  saes: PretrainedSae[];
}

/** Where pretrained.json came from: SAELens version and commit, the YAML's sha256, release and SAE counts. */
export const PRETRAINED_SOURCE = registry.source;
export const PRETRAINED = registry.releases as unknown as Record<string, PretrainedRelease>;

export interface FromPretrainedOptions {
  cacheDir?: string;
  /** Hub base URL (default HF_ENDPOINT or https://huggingface.co). */
  endpoint?: string;
  revision?: string;
  token?: string | false;
  offline?: boolean;
  quiet?: boolean;
  /** Download progress per file (bytes so far/total); e.g. @sae/train's downloadProgress(process.stderr) draws bars. */
  onProgress?: HubDownloadOptions["onProgress"];
  /** Use this conversion instead of the registry's (SAELens's `converter=`), e.g. "sparsify" for a sparsify repo. */
  conversion?: ConversionName;
}

function shortList(items: string[]): string {
  return items.length > 8 ? `${items.slice(0, 8).join(", ")}, ... (${items.length} in all)` : items.join(", ");
}

/** The registry entry for a release and SAE id; throws listing the valid releases or ids. */
export function pretrainedEntry(release: string, saeId: string): { release: PretrainedRelease; sae: PretrainedSae } {
  const rel = PRETRAINED[release];
  if (!rel)
    throw new PretrainedNotFoundError(
      `unknown release '${release}'; valid releases: ${Object.keys(PRETRAINED).join(", ")}`,
    );
  const sae = rel.saes.find((s) => s.id === saeId);
  if (!sae) {
    const canon =
      release.includes("gemma-scope") && !release.includes("canonical") && PRETRAINED[`${release}-canonical`];
    const hint = canon
      ? `; without an L0 in the id, try release ${release}-canonical (ids like ${canon.saes[0].id})`
      : "";
    throw new PretrainedNotFoundError(
      `release '${release}' has no SAE id '${saeId}'; valid ids: ${shortList(rel.saes.map((s) => s.id))}${hint}`,
    );
  }
  return { release: rel, sae };
}

/**
 * Splits `<release>/<id>` (CLI `--sae`): the longest registry release followed by '/', else a Hugging Face repo
 * `owner/name` followed by '/<folder>'. Null when the text is neither.
 */
export function parsePretrainedRef(ref: string): { release: string; saeId: string } | null {
  let best: string | null = null;
  for (const name of Object.keys(PRETRAINED))
    if (ref.startsWith(`${name}/`) && (!best || name.length > best.length)) best = name;
  if (best) return { release: best, saeId: ref.slice(best.length + 1) };
  const m = /^([A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*)\/(.+)$/.exec(ref); // not ./x, ../x or /x
  return m ? { release: m[1], saeId: m[2] } : null;
}
