// Checkpoints: one folder per checkpoint under the run directory, named by tokens seen (SAELens style; the last
// is "final_<tokens>", a stop "interrupted_<tokens>"), holding the SAELens files (cfg.json, sae_weights.safetensors
// via @sae/core's save, sparsity.safetensors with "sparsity" = log10 feature density) and our trainer state:
//   trainer_state.safetensors  param.<param> (training layout, unfolded), adam.m.<param>, adam.v.<param>, since_fired,
//                              act_freq, store_rows [count, d_in], log_sparsity, dead_mask, with metadata "state" =
//                              JSON {step, window_tokens, topk_threshold, store: {count, rng, blocks, scale_factor,
//                              served}, config (the TrainConfig), version}
// A checkpoint is written into "<name>.tmp-<pid>", every file and the folder fsynced, then renamed into place (and
// the run folder fsynced), so a crash, a kill -9 or a full disk never leaves a half-written folder under a checkpoint
// name. Temporary folders are never listed as checkpoints; those of dead processes are removed by cleanTemp.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { Tensor, type WritableTensor } from "@sae/tensor-core";
import { loadSafetensorsFile, readSafetensorsHeaderFile, saveSafetensorsFile } from "@sae/tensor-core/node";
import { settleTopkThreshold, type Sae } from "@sae/core";
import type { TrainConfig } from "./config.ts";
import { fsErrorCode, fsyncPath, fsyncTree, pidAlive, tempName, tempOwner } from "./durable.ts";
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

/**
 * Writes a checkpoint folder atomically and durably; returns its path. A file-system failure (disk full, read-only,
 * no permission, not a folder) removes the temporary folder and throws CheckpointError naming the folder and code.
 */
export async function writeCheckpoint(runDir: string, name: string, inp: CheckpointInput): Promise<string> {
  const final = join(runDir, name);
  const tmp = tempName(final);
  try {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    await writeFiles(tmp, inp);
    fsyncTree(tmp);
    const old = tempName(`${final}.old`); // a folder of the same name is moved aside, removed once the new one is in
    if (existsSync(final)) renameSync(final, old);
    renameSync(tmp, final);
    fsyncPath(runDir);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    const code = fsErrorCode(e);
    if (!code) throw e;
    const why = `${code} (${(e as Error).message})`;
    throw new CheckpointError(`cannot write checkpoint ${final}: ${why}; no partial folder was left`);
  }
  return final;
}

async function writeFiles(tmp: string, inp: CheckpointInput): Promise<void> {
  const { trainer, store } = inp;
  await settleTopkThreshold(trainer.sae); // BatchTopK's threshold: its unsettled steps (topk_threshold below)
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
}

/** Whether a folder or file name is a temporary one ("<name>.tmp-<pid>"): never a checkpoint. */
export function isTempName(name: string): boolean {
  return tempOwner(name) !== null;
}

/**
 * Removes the temporary checkpoint folders and files a killed or failed run left in `runDir` (those whose pid is not
 * alive, or is ours: a previous process that had our pid). Returns the removed paths.
 */
export function cleanTemp(runDir: string): string[] {
  if (!existsSync(runDir)) return [];
  const removed: string[] = [];
  for (const e of readdirSync(runDir)) {
    const pid = tempOwner(e);
    if (pid === null || (pid !== process.pid && pidAlive(pid))) continue;
    rmSync(join(runDir, e), { recursive: true, force: true });
    removed.push(join(runDir, e));
  }
  return removed;
}

/** Tokens seen by a checkpoint folder name ("<tokens>", "final_<tokens>", "interrupted_<tokens>"), else null. */
function tokensOf(name: string): number | null {
  const m = /^(?:final_|interrupted_)?(\d+)$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** The checkpoint folders of a run (temporary folders excluded), newest (most tokens) first. */
export function listCheckpoints(runDir: string): string[] {
  if (!existsSync(runDir)) return [];
  const found: { dir: string; tokens: number; rank: number }[] = [];
  for (const e of readdirSync(runDir)) {
    const tokens = tokensOf(e);
    const dir = join(runDir, e);
    if (tokens === null || !statSync(dir).isDirectory()) continue;
    found.push({ dir, tokens, rank: e.startsWith("final_") ? 2 : e.startsWith("interrupted_") ? 1 : 0 });
  }
  return found.sort((a, b) => b.tokens - a.tokens || b.rank - a.rank).map((f) => f.dir);
}

/** Throws CheckpointError unless the checkpoint's files are all there, cfg.json parses and no safetensors is short. */
export function checkComplete(dir: string): void {
  for (const f of ["cfg.json", "sae_weights.safetensors", TRAINER_STATE_FILE]) {
    const p = join(dir, f);
    if (!existsSync(p)) throw new CheckpointError(`${dir}: no ${f}`);
    try {
      if (f === "cfg.json") JSON.parse(readFileSync(p, "utf8"));
      else readSafetensorsHeaderFile(p); // checks the header and that the data is as long as it says
    } catch (e) {
      throw new CheckpointError(`${p}: ${(e as Error).message}`);
    }
  }
}

/** The newest complete checkpoint folder (checkComplete) in a run directory, by tokens; null when none. */
export function latestCheckpoint(runDir: string): string | null {
  return listCheckpoints(runDir).find((d) => {
    try {
      checkComplete(d);
      return true;
    } catch {
      return false;
    }
  }) ?? null;
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
