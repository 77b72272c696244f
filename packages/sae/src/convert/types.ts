// The contract every conversion implements (one file per SAELens 6.18 conversion function in this folder): which
// files of a hub repo it reads for an SAE path (resolution without network), and how it turns them into what
// SAELens's loader returns: a SAELens-style cfg dict (overrides already applied, as SAELens's config getters do),
// a state dict in SAELens's names and shapes (W_enc [d_in, d_sae], W_dec [d_sae, d_in], threshold, ...), and the
// log10 feature sparsity when the release has one. Building an Sae from that is build.ts. No file system here: the
// context hands a conversion bytes (see ConvertContext).

/** A host tensor, row-major. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** What a SAELens `*_huggingface_loader` returns: (cfg_dict, state_dict, log_sparsity). */
export interface Converted {
  cfg: Record<string, unknown>;
  tensors: Record<string, HostTensor>;
  sparsity: Float32Array | null;
}

/** A repo file as a conversion reads it: its bytes and the name errors give it (a local path, or repo/file). */
export interface SourceFile {
  name: string;
  bytes: Uint8Array;
}

/**
 * How a conversion reaches the repo's files: downloaded into the hub cache and read from disk (@sae/core/node), or
 * fetched as bytes through hubFetchBytes (@sae/core, browsers). The conversions see only bytes.
 */
export interface ConvertContext {
  repoId: string;
  /** The SAE's path in the repo (pretrained_saes.yaml `path`; SAELens's `folder_name`). */
  path: string;
  /** Release config overrides plus neuronpedia_id, applied by the config getter as in SAELens. */
  overrides: Record<string, unknown>;
  /** A repo file (fetched, or from a cache). */
  read: (file: string) => Promise<SourceFile>;
  /** Like read, but null when the hub has no such file (HTTP 404). */
  optional: (file: string) => Promise<SourceFile | null>;
  /** A repo file only when held locally already (SAELens reads some only if its snapshot has them); no request. */
  local: (file: string) => Promise<SourceFile | null>;
  /** The name of the folder holding the repo's files (SAELens's local snapshot folder: the commit hash). */
  snapshotName: () => Promise<string>;
}

/** Files a conversion reads, relative to the repo root. */
export interface ConversionFiles {
  required: string[];
  /** Read when present (sparsity, alternative config names); a missing one is not an error by itself. */
  optional: string[];
}

export interface Converter {
  files(repoId: string, path: string): ConversionFiles;
  load(ctx: ConvertContext): Promise<Converted>;
}
