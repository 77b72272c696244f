// Pretrained SAEs without a file system (@sae/core: browsers, Deno, workers; Node and Bun too): SAELens's
// SAE.from_pretrained with the conversion's files fetched as bytes through @sae/hub's hubFetchBytes (timeouts,
// retries, size and checksum checks) and an optional pluggable cache (MemoryHubCache, CacheStorageHubCache in
// browsers, FileHubCache from @sae/hub/node). Resolving and converting are pretrained_load.ts, shared with the disk
// path (pretrained_files.ts: loadPretrainedSae), so both give the same SAE.
import { DownloadError, hubFetchBytes, hubFileMetadata, isCommitHash, NotFoundError, UnavailableError } from "@sae/hub";
import type { HubBytesOptions } from "@sae/hub";
import type { Device } from "@sae/tensor-core";
import type { HostSae } from "./convert/build.ts";
import type { ConversionName } from "./convert/registry.ts";
import type { SourceFile } from "./convert/types.ts";
import { convertPretrained, type RepoFiles, type ResolvedPretrained, resolvePretrained } from "./pretrained_load.ts";
import { Sae } from "./sae.ts";

export interface PretrainedBytesOptions extends HubBytesOptions {
  /** Use this conversion instead of the registry's (SAELens's `converter=`), e.g. "sparsify" for a sparsify repo. */
  conversion?: ConversionName;
}

/** A resolved SAE's files as bytes through hubFetchBytes (o.cache when given). */
export function hubBytesFiles(r: ResolvedPretrained, o: HubBytesOptions = {}): RepoFiles {
  const read = async (file: string): Promise<SourceFile> => ({
    name: `${r.repoId}/${file}`,
    bytes: await hubFetchBytes(r.repoId, file, o),
  });
  const optional = async (file: string): Promise<SourceFile | null> => {
    try {
      return await read(file);
    } catch (e) {
      if (e instanceof NotFoundError || (o.offline && e instanceof DownloadError)) return null;
      throw e;
    }
  };
  // "held locally": in the cache already (an offline read never makes a request)
  const local = async (file: string): Promise<SourceFile | null> => {
    if (!o.cache) return null;
    try {
      return { name: `${r.repoId}/${file}`, bytes: await hubFetchBytes(r.repoId, file, { ...o, offline: true }) };
    } catch (e) {
      if (e instanceof DownloadError) return null;
      throw e;
    }
  };
  // the commit hash names the disk path's snapshot folder: a pinned revision is one, else the hub says which (a
  // browser that followed a redirect itself hides it: then the revision's name, as offline)
  const snapshotName = async (): Promise<string> => {
    const revision = o.revision ?? "main";
    if (isCommitHash(revision) || o.offline) return revision;
    try {
      return (await hubFileMetadata(r.repoId, r.files.required[0], o)).commit;
    } catch (e) {
      if (e instanceof DownloadError && !(e instanceof UnavailableError)) return revision;
      throw e;
    }
  };
  return { read, optional, local, snapshotName };
}

/** Fetches (or takes from o.cache) and converts a pretrained SAE to host parameters. */
export async function pretrainedHostBytes(
  release: string,
  saeId: string,
  o: PretrainedBytesOptions = {},
): Promise<HostSae> {
  const r = resolvePretrained(release, saeId, o.conversion);
  return convertPretrained(r, hubBytesFiles(r, o));
}

/**
 * A release's SAE listed in pretrained.json (or a Hugging Face repo of SAELens folders: a release with '/'), its
 * files fetched as bytes (see the top of this file), converted and put on a device. loadPretrainedSae's twin for
 * runtimes without a file system.
 */
export async function loadPretrainedSaeBytes(
  release: string,
  saeId: string,
  device: Device,
  o: PretrainedBytesOptions = {},
): Promise<Sae> {
  return Sae.fromFolder(await pretrainedHostBytes(release, saeId, o), device);
}
