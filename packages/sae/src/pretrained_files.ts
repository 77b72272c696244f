// Pretrained SAEs from the Hugging Face cache on disk (@sae/core/node), SAELens's SAE.from_pretrained: the
// conversion's files are downloaded through hubDownload into huggingface_hub's cache layout (or found there) and read
// from disk; resolving and converting are pretrained_load.ts, shared with the byte path (pretrained_bytes.ts).
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { DownloadError } from "@sae/hub";
import { hubDownload } from "@sae/hub/node";
import type { Device } from "@sae/tensor-core";
import type { HostSae } from "./convert/build.ts";
import { localFile } from "./convert/local_file.ts";
import type { SourceFile } from "./convert/types.ts";
import type { FromPretrainedOptions } from "./pretrained.ts";
import { convertPretrained, type RepoFiles, type ResolvedPretrained, resolvePretrained } from "./pretrained_load.ts";
import { Sae } from "./sae.ts";

/** A resolved SAE's files downloaded through hubDownload into the hub cache folder (or found there), read from disk. */
export function hubDiskFiles(r: ResolvedPretrained, opts: FromPretrainedOptions = {}): RepoFiles {
  const hub = {
    cacheDir: opts.cacheDir,
    endpoint: opts.endpoint,
    revision: opts.revision,
    token: opts.token,
    offline: opts.offline,
    quiet: opts.quiet ?? true,
    onProgress: opts.onProgress,
  };
  let snapshot: string | undefined; // the snapshot folder (…/snapshots/<commit>) of the files read so far
  const read = async (file: string): Promise<SourceFile> => {
    const path = await hubDownload(r.repoId, file, hub);
    snapshot ??= path.slice(0, path.length - file.length - 1);
    return localFile(path);
  };
  const optional = async (file: string): Promise<SourceFile | null> => {
    try {
      return await read(file);
    } catch (e) {
      if (e instanceof DownloadError && /HTTP 404|not in the cache/.test(e.message)) return null;
      throw e;
    }
  };
  const local = async (file: string): Promise<SourceFile | null> =>
    snapshot !== undefined && existsSync(join(snapshot, file)) ? localFile(join(snapshot, file)) : null;
  const snapshotName = async (): Promise<string> => {
    if (snapshot === undefined) await read(r.files.required[0]);
    return basename(snapshot!);
  };
  return { read, optional, local, snapshotName };
}

/** Downloads (or reads from the hub cache) and converts a pretrained SAE to host parameters. */
export async function pretrainedHost(
  release: string,
  saeId: string,
  opts: FromPretrainedOptions = {},
): Promise<HostSae> {
  const r = resolvePretrained(release, saeId, opts.conversion);
  return convertPretrained(r, hubDiskFiles(r, opts));
}

/**
 * Downloads (or reads from the hub cache) a release's SAE listed in pretrained.json, through its SAELens
 * conversion, onto a device; a release with '/' that the registry lacks is a Hugging Face repo of SAELens folders.
 * SAELens's SAE.from_pretrained. Without a file system: loadPretrainedSaeBytes (@sae/core).
 */
export async function loadPretrainedSae(
  release: string,
  saeId: string,
  device: Device,
  opts: FromPretrainedOptions = {},
): Promise<Sae> {
  return Sae.fromFolder(await pretrainedHost(release, saeId, opts), device);
}
