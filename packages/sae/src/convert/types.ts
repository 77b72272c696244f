// The contract every conversion implements (one file per SAELens 6.18 conversion function in this folder): which
// files of a hub repo it reads for an SAE path (resolution without network), and how it turns them into what
// SAELens's loader returns: a SAELens-style cfg dict (overrides already applied, as SAELens's config getters do),
// a state dict in SAELens's names and shapes (W_enc [d_in, d_sae], W_dec [d_sae, d_in], threshold, ...), and the
// log10 feature sparsity when the release has one. Building an Sae from that is build.ts.

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

export interface ConvertContext {
  repoId: string;
  /** The SAE's path in the repo (pretrained_saes.yaml `path`; SAELens's `folder_name`). */
  path: string;
  /** Release config overrides plus neuronpedia_id, applied by the config getter as in SAELens. */
  overrides: Record<string, unknown>;
  /** Downloads a repo file into the hub cache and returns its local path. */
  download: (file: string) => Promise<string>;
  /** Like download, but null when the hub has no such file (HTTP 404). */
  optional: (file: string) => Promise<string | null>;
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
