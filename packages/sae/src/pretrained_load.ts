// Loading a pretrained SAE the way SAE.from_pretrained does (@sae/core/node): resolve the release and id to a hub
// repo, path and conversion (resolvePretrained, no network), download that conversion's files through the hub
// client into the Hugging Face cache on disk, convert them (convert/*, which read the files) and build the host SAE
// (convert/build.ts). The registry itself (pretrained.json, pretrainedEntry, parsePretrainedRef) is pretrained.ts.
import { DownloadError } from "@sae/hub";
import { hubDownload } from "@sae/hub/node";
import type { Device } from "@sae/tensor-core";
import { buildHostSae, type HostSae } from "./convert/build.ts";
import { CONVERSIONS, isConversionName, type ConversionName } from "./convert/registry.ts";
import type { ConversionFiles, Converter } from "./convert/types.ts";
import { SaeConfigError } from "./errors.ts";
import { PRETRAINED, pretrainedEntry, type FromPretrainedOptions } from "./pretrained.ts";
import { Sae } from "./sae.ts";

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

/** Downloads (or reads from the hub cache) and converts a pretrained SAE to host parameters. */
export async function pretrainedHost(
  release: string,
  saeId: string,
  opts: FromPretrainedOptions = {},
): Promise<HostSae> {
  const r = resolvePretrained(release, saeId, opts.conversion);
  const hub = {
    cacheDir: opts.cacheDir,
    endpoint: opts.endpoint,
    revision: opts.revision,
    token: opts.token,
    offline: opts.offline,
    quiet: opts.quiet ?? true,
    onProgress: opts.onProgress,
  };
  const download = (file: string) => hubDownload(r.repoId, file, hub);
  const optional = async (file: string): Promise<string | null> => {
    try {
      return await download(file);
    } catch (e) {
      if (e instanceof DownloadError && /HTTP 404|not in the cache/.test(e.message)) return null;
      throw e;
    }
  };
  const converted = await r.converter.load({
    repoId: r.repoId,
    path: r.path,
    overrides: r.overrides,
    download,
    optional,
  });
  return buildHostSae(converted, `${r.repoId}/${r.path}`, r.normScalingFactor);
}

/**
 * Downloads (or reads from the hub cache) a release's SAE listed in pretrained.json, through its SAELens
 * conversion, onto a device; a release with '/' that the registry lacks is a Hugging Face repo of SAELens folders.
 * SAELens's SAE.from_pretrained.
 */
export async function loadPretrainedSae(
  release: string,
  saeId: string,
  device: Device,
  opts: FromPretrainedOptions = {},
): Promise<Sae> {
  return Sae.fromFolder(await pretrainedHost(release, saeId, opts), device);
}
