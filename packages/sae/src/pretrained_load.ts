// Loading a pretrained SAE the way SAE.from_pretrained does, the part every runtime shares (no file system, no
// network): resolve the release and id to a hub repo, path and conversion (resolvePretrained), then run that
// conversion (convert/*, bytes in) over a file reader and build the host SAE (convert/build.ts). The readers:
// pretrained_files.ts (@sae/core/node: hubDownload into the Hugging Face cache on disk, loadPretrainedSae) and
// pretrained_bytes.ts (@sae/core: hubFetchBytes with a pluggable cache, loadPretrainedSaeBytes). The registry itself
// (pretrained.json, pretrainedEntry, parsePretrainedRef) is pretrained.ts.
import { buildHostSae, type HostSae } from "./convert/build.ts";
import { CONVERSIONS, isConversionName, type ConversionName } from "./convert/registry.ts";
import type { ConversionFiles, ConvertContext, Converter } from "./convert/types.ts";
import { SaeConfigError } from "./errors.ts";
import { PRETRAINED, pretrainedEntry } from "./pretrained.ts";

/** A release and SAE id resolved without network: the repo, path, conversion, overrides and files to fetch. */
export interface ResolvedPretrained {
  repoId: string;
  path: string;
  conversion: ConversionName;
  converter: Converter;
  /** Release config_overrides plus neuronpedia_id, as SAELens's get_config_overrides builds them. */
  overrides: Record<string, unknown>;
  normScalingFactor?: number;
  files: ConversionFiles;
}

/** Resolves a release and id (or a Hugging Face repo and folder) to what loading needs; no network. */
export function resolvePretrained(release: string, saeId: string, conversion?: ConversionName): ResolvedPretrained {
  if (conversion !== undefined && !isConversionName(conversion)) {
    throw new SaeConfigError(`unknown conversion '${conversion}'; valid: ${Object.keys(CONVERSIONS).join(", ")}`);
  }
  let r: Omit<ResolvedPretrained, "converter" | "files">;
  if (Object.hasOwn(PRETRAINED, release) || !release.includes("/")) {
    const { release: rel, sae } = pretrainedEntry(release, saeId);
    const overrides = { ...rel.config_overrides, neuronpedia_id: sae.neuronpedia };
    r = {
      repoId: rel.repo_id,
      path: sae.path,
      conversion: conversion ?? rel.conversion,
      overrides,
      normScalingFactor: sae.norm_scaling_factor,
    };
  } else {
    r = { repoId: release, path: saeId, conversion: conversion ?? "sae_lens", overrides: {} };
  }
  const converter: Converter = CONVERSIONS[r.conversion];
  return { ...r, converter, files: converter.files(r.repoId, r.path) };
}

/** How a conversion's files are reached (the ConvertContext less what resolution gives). */
export type RepoFiles = Omit<ConvertContext, "repoId" | "path" | "overrides">;

/** Runs the resolved conversion over `files` and builds the host SAE (SAELens's loader + from_pretrained's steps). */
export async function convertPretrained(r: ResolvedPretrained, files: RepoFiles): Promise<HostSae> {
  const converted = await r.converter.load({ repoId: r.repoId, path: r.path, overrides: r.overrides, ...files });
  return buildHostSae(converted, `${r.repoId}/${r.path}`, r.normScalingFactor);
}
