// Checkpoints: one folder per checkpoint under the run directory, named by tokens seen (SAELens style; the last
// is "final_<tokens>"), holding the SAELens files (cfg.json, sae_weights.safetensors via @sae/core's save,
// sparsity.safetensors with "sparsity" = log10 feature density) and our trainer state:
//   trainer_state.safetensors  param.<param> (training layout, unfolded), adam.m.<param>, adam.v.<param>, since_fired, act_freq, store_rows [count, d_in]
//                              log_sparsity, dead_mask, with metadata "state" = JSON {step, window_tokens, topk_threshold, store: {count, rng, blocks,
//                              scale_factor, served}, config (the TrainConfig), version}
// A checkpoint is written into "<name>.tmp-<pid>" and renamed into place, so a crash or NaN never leaves a
// half-written folder where resume would look; an existing folder of the same name is replaced only after the new
// one is complete.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadSafetensorsFile, saveSafetensorsFile, Tensor, type WritableTensor } from "@sae/tensor-core";
import type { Sae } from "@sae/core";
import type { TrainConfig } from "./config.ts";
import { CheckpointError } from "./errors.ts";
import type { StoreState } from "./store/activation-store.ts";
import type { Trainer } from "./trainer.ts";

export const TRAINER_STATE_FILE = "trainer_state.safetensors";
const STATE_VERSION = 1;

export interface CheckpointInput {
  trainer: Trainer;
  store: StoreState;
  cfg: TrainConfig;
  /** Writes cfg.json + sae_weights.safetensors for the SAE (SAELens format) into a folder. */
  saveSae: (sae: Sae, dir: string) => Promise<void>;
}

/** Writes a checkpoint folder atomically; returns its path. */
export async function writeCheckpoint(runDir: string, name: string, inp: CheckpointInput): Promise<string> {
  const { trainer, store } = inp;
  const final = join(runDir, name);
  const tmp = `${final}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await inp.saveSae(trainer.sae, tmp);
  saveSafetensorsFile(join(tmp, "sparsity.safetensors"), { sparsity: { shape: [trainer.logSparsity.length], data: trainer.logSparsity } });
  const tensors: Record<string, WritableTensor> = {};
  const host = async (t: Tensor): Promise<WritableTensor> => ({ shape: [...t.shape], data: (await t.read()) as Float32Array });
  for (const [n, t] of Object.entries(trainer.sae.params)) tensors[`param.${n}`] = await host(t);
  for (const [n, t] of Object.entries(trainer.state.m)) tensors[`adam.m.${n}`] = await host(t);
  for (const [n, t] of Object.entries(trainer.state.v)) tensors[`adam.v.${n}`] = await host(t);
  tensors.since_fired = await host(trainer.state.sinceFired);
  tensors.act_freq = await host(trainer.state.actFreq);
  tensors.log_sparsity = { shape: [trainer.logSparsity.length], data: trainer.logSparsity };
  tensors.dead_mask = { shape: [trainer.deadMask.length], data: trainer.deadMask };
  const dIn = trainer.sae.cfg.d_in;
  tensors.store_rows = { shape: [store.count, dIn], data: store.rows.subarray(0, store.count * dIn) };
  const meta = {
    version: STATE_VERSION,
    step: trainer.step,
    window_tokens: trainer.windowTokens,
    topk_threshold: trainer.sae.topkThreshold,
    store: { count: store.count, rng: store.rng, blocks: store.blocks, scale_factor: store.scaleFactor, served: store.served },
    config: inp.cfg,
  };
  saveSafetensorsFile(join(tmp, TRAINER_STATE_FILE), tensors, { state: JSON.stringify(meta) });
  if (existsSync(final)) rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  return final;
}

export interface LoadedState {
  dir: string;
  step: number;
  windowTokens: number;
  topkThreshold: number | null;
  store: StoreState;
  config: TrainConfig;
  tensors: Map<string, Float32Array>;
}

/** The newest complete checkpoint folder (with trainer state) in a run directory, by step; null when none. */
export function latestCheckpoint(runDir: string): string | null {
  if (!existsSync(runDir)) return null;
  let best: { dir: string; step: number } | null = null;
  for (const e of readdirSync(runDir)) {
    if (e.includes(".tmp-")) continue;
    const dir = join(runDir, e);
    const f = join(dir, TRAINER_STATE_FILE);
    if (!statSync(dir).isDirectory() || !existsSync(f)) continue;
    const step = readState(dir).step;
    if (!best || step > best.step) best = { dir, step };
  }
  return best?.dir ?? null;
}

/** Reads a checkpoint's trainer state, including the parameters in training layout (paramsOf). */
export function readState(dir: string): LoadedState {
  const f = join(dir, TRAINER_STATE_FILE);
  if (!existsSync(f)) throw new CheckpointError(`${dir}: no ${TRAINER_STATE_FILE}; not a resumable checkpoint`);
  const st = loadSafetensorsFile(f);
  let meta: { version: number; step: number; window_tokens: number; topk_threshold: number | null; store: { count: number; rng: number; blocks: number; scale_factor: number; served: number }; config: TrainConfig };
  try {
    meta = JSON.parse(st.metadata?.state ?? "");
  } catch {
    throw new CheckpointError(`${f}: metadata 'state' is missing or not JSON`);
  }
  if (meta.version !== STATE_VERSION) throw new CheckpointError(`${f}: trainer state version ${meta.version}, expected ${STATE_VERSION}`);
  const tensors = new Map<string, Float32Array>();
  for (const [k, t] of st.tensors) tensors.set(k, t.data as Float32Array);
  const s = meta.store;
  return {
    dir,
    step: meta.step,
    windowTokens: meta.window_tokens,
    topkThreshold: meta.topk_threshold ?? null,
    store: { rows: tensors.get("store_rows") ?? new Float32Array(0), count: s.count, rng: s.rng, blocks: s.blocks, scaleFactor: s.scale_factor, served: s.served },
    config: meta.config,
    tensors,
  };
}

/** The SAE parameters saved with the trainer state (training layout: no activation-scale folding, batchtopk kept). */
export function paramsOf(st: LoadedState): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of st.tensors) if (k.startsWith("param.")) out[k.slice(6)] = v;
  if (Object.keys(out).length === 0) throw new CheckpointError(`${st.dir}: trainer state holds no parameters`);
  return out;
}

/** Puts optimiser/statistics state, the dead mask and the batchtopk threshold back into a trainer built with the same config. */
export async function restoreTrainer(trainer: Trainer, st: LoadedState): Promise<void> {
  const put = (t: Tensor, name: string) => {
    const data = st.tensors.get(name);
    if (!data) throw new CheckpointError(`${st.dir}: trainer state lacks '${name}'`);
    if (data.length !== t.size) throw new CheckpointError(`${st.dir}: '${name}' has ${data.length} values, the run needs ${t.size}`);
    t.write(data);
  };
  for (const [n, t] of Object.entries(trainer.state.m)) put(t, `adam.m.${n}`);
  for (const [n, t] of Object.entries(trainer.state.v)) put(t, `adam.v.${n}`);
  put(trainer.state.sinceFired, "since_fired");
  put(trainer.state.actFreq, "act_freq");
  trainer.step = st.step;
  trainer.windowTokens = st.windowTokens;
  const ls = st.tensors.get("log_sparsity");
  if (ls) trainer.logSparsity.set(ls);
  const dm = st.tensors.get("dead_mask");
  if (dm) trainer.deadMask.set(dm);
  else await trainer.refreshDeadMask();
  trainer.sae.topkThreshold = st.topkThreshold;
}
