// Loads what `sae serve`/`inspect`/`analyze`/`steer` and the load benchmark run on: a model through
// @sae/transformer's loadModel ("bundled" = the tiny Shakespeare GPT-2 shipped with it, a folder with config.json +
// model.safetensors, or a Hugging Face repo id / TransformerLens alias through the hub cache) and an SAE
// ("bundled" = the one trained on the bundled model, a SAELens-format checkpoint folder, a pretrained `<release>/<id>`
// (SAELens registry release or Hugging Face repo of SAELens folders, downloaded through the hub cache), the newest
// one under ./checkpoints, or a random one; resolveSaeArg reads the argument for every command that takes one),
// wrapped as @sae/core's AnalysisModel / AnalysisSae.
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import {
  Sae,
  asAnalysisModel,
  asAnalysisSae,
  parsePretrainedRef,
  type AnalysisModel,
  type AnalysisSae,
  type FromPretrainedOptions,
} from "@sae/core";
import { DownloadError } from "@sae/hub";
import { getDevice, type Device } from "@sae/tensor-core";
import { ConfigError } from "@sae/train";
import { isTempName } from "@sae/train/node";
import {
  dtypeFromKwargs,
  processingFromKwargs,
  type HookedTransformer,
  type WeightDType,
} from "@sae/transformer";
import { bundledSaeDir, loadModel } from "@sae/transformer/node";
import { loadSae, loadPretrainedSae } from "@sae/core/node";

/** No SAE given and none found (a user error, like a bad flag): the message says how to make one. */
export class NoSaeError extends ConfigError {}

export interface PairOptions {
  /** "bundled" (default), a model folder, a Hugging Face repo id or a TransformerLens alias. */
  model?: string;
  /**
   * "bundled" (the SAE trained on the bundled model), an SAE checkpoint folder (with cfg.json) or `<release>/<id>`
   * (resolveSaeArg); default: the newest under `checkpointsDir`.
   */
  sae?: string;
  /**
   * Hub endpoint, cache and token for a pretrained `<release>/<id>` and a model named by repo id (default:
   * HF_ENDPOINT, HF_HUB_CACHE, HF_TOKEN); `revision` and `conversion` apply to the SAE only.
   */
  hub?: FromPretrainedOptions;
  checkpointsDir?: string;
  /** Without a checkpoint: a random-init TopK SAE on this hook (benchmarks and tests only). */
  randomSae?: { hook_name: string; expansion: number; k: number; seed?: number };
  device?: Device;
  /** The model's weights on the device (--dtype); default: the SAE's model_from_pretrained_kwargs dtype, else f32. */
  dtype?: WeightDType;
}

export interface LoadedPair {
  model: AnalysisModel;
  sae: AnalysisSae;
  hooked: HookedTransformer;
  /** The checkpoint folder, or null for a random or pretrained SAE. */
  saeDir: string | null;
  saeLabel: string;
}

/** What an SAE argument names: a checkpoint folder, or a pretrained SAE by release and id. */
export type SaeArg = { kind: "folder"; dir: string } | { kind: "pretrained"; release: string; saeId: string };

/**
 * The one reading of an SAE argument (`--sae` of inspect, steer, serve; the positional of analyze and eval):
 * "bundled" is the SAE trained on the bundled model (bundledSaeDir(); a folder named so is ./bundled), an existing
 * path is a folder, anything else `<release>/<id>` when it parses as one (parsePretrainedRef), else a folder.
 */
export function resolveSaeArg(arg: string): SaeArg {
  if (arg === "bundled") return { kind: "folder", dir: bundledSaeDir() };
  const dir = resolve(arg);
  const ref = existsSync(dir) ? null : parsePretrainedRef(arg);
  return ref ? { kind: "pretrained", ...ref } : { kind: "folder", dir };
}

/**
 * The newest folder holding a cfg.json and sae_weights.safetensors under `dir` (searched two levels deep), or null.
 * Temporary folders of a checkpoint being written (or of a killed run: "<name>.tmp-<pid>") are never chosen.
 */
export function newestCheckpoint(dir: string): string | null {
  if (!existsSync(dir)) return null;
  let best: { path: string; t: number } | null = null;
  const visit = (d: string, depth: number): void => {
    if (isTempName(basename(d))) return;
    const cfg = join(d, "cfg.json");
    if (existsSync(cfg) && existsSync(join(d, "sae_weights.safetensors"))) {
      const t = statSync(cfg).mtimeMs;
      if (!best || t > best.t) best = { path: d, t };
    }
    if (depth === 0) return;
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) visit(join(d, e.name), depth - 1);
  };
  visit(dir, 2);
  return (best as { path: string } | null)?.path ?? null;
}

export async function loadAnalysisPair(opts: PairOptions = {}): Promise<LoadedPair> {
  const device = opts.device ?? (await getDevice());
  const which = opts.model ?? "bundled";
  const isFolder = which !== "bundled" && existsSync(which);
  const { cacheDir, endpoint, token, offline, quiet = false, onProgress } = opts.hub ?? {};
  const hub = { cacheDir, endpoint, token, offline, quiet, onProgress };
  const name = which === "bundled" ? "tiny-shakespeare" : isFolder ? basename(resolve(which)) : which;
  // The model loads as SAELens recommends for the SAE: from_pretrained_no_processing(**model_from_pretrained_kwargs).
  const pairWith = async (sae: Sae | null) => {
    const kwargs = sae ? sae.extraConfig.model_from_pretrained_kwargs : { center_writing_weights: false };
    const processing = processingFromKwargs(kwargs, "cfg.json model_from_pretrained_kwargs");
    const dtype = opts.dtype ?? dtypeFromKwargs(kwargs, "cfg.json model_from_pretrained_kwargs");
    const source = which === "bundled" ? "tiny-shakespeare" : which;
    const hooked = await loadModel(source, { device, hub, processing, dtype });
    return { hooked, model: asAnalysisModel(hooked, name) };
  };
  const arg = opts.sae ? resolveSaeArg(opts.sae) : null;
  if (arg?.kind === "pretrained") {
    const sae = await loadPretrainedSae(arg.release, arg.saeId, device, { quiet: false, ...opts.hub }).catch((e) => {
      if (!(e instanceof DownloadError) || !/HTTP 404/.test(e.message)) throw e;
      throw new NoSaeError(`--sae ${opts.sae}: no such local folder, and not on the hub (${e.message})`);
    });
    const label = `${sae.cfg.architecture} SAE (d_sae ${sae.cfg.d_sae}) at ${sae.cfg.hook_name} from ${opts.sae}`;
    return { ...(await pairWith(sae)), sae: asAnalysisSae(sae), saeDir: null, saeLabel: label };
  }
  const saeDir = arg ? arg.dir : newestCheckpoint(resolve(opts.checkpointsDir ?? "checkpoints"));
  if (!saeDir && opts.randomSae) {
    const r = opts.randomSae;
    const { hooked, model } = await pairWith(null);
    const d_in = hooked.cfg.dModel;
    const d_sae = d_in * r.expansion;
    const sae = Sae.create(device, { d_in, d_sae, architecture: "topk", k: r.k, hook_name: r.hook_name, model_name: model.name }, r.seed ?? 0);
    const saeLabel = `random TopK SAE (d_sae ${d_sae}, k ${r.k}) at ${r.hook_name}`;
    return { model, sae: asAnalysisSae(sae), hooked, saeDir: null, saeLabel };
  }
  if (!saeDir) {
    throw new NoSaeError(
      `no SAE given and none found under ${resolve(opts.checkpointsDir ?? "checkpoints")}: train one with \`sae train\` ` +
        `(it writes a SAELens-format checkpoint there), or pass --sae <dir> (a folder with cfg.json + sae_weights.safetensors) ` +
        `or --sae <release>/<id> (a pretrained SAE), or try --sae bundled (the SAE trained on the bundled model)`,
    );
  }
  if (!existsSync(join(saeDir, "cfg.json"))) throw new NoSaeError(`${saeDir} has no cfg.json: pass a SAELens-format SAE folder (\`sae train\` writes one)`);
  const sae = loadSae(saeDir, device);
  const saeLabel = `${sae.cfg.architecture} SAE (d_sae ${sae.cfg.d_sae}) at ${sae.cfg.hook_name} from ${saeDir}`;
  return { ...(await pairWith(sae)), sae: asAnalysisSae(sae), saeDir, saeLabel };
}
