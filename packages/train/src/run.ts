// trainSae: one training run end to end. Loads the model (@sae/transformer's loadModel: bundled tiny-shakespeare,
// a folder, a Hugging Face repo id or TransformerLens alias), checks the
// hook, builds the dataset -> prompts -> activation store (or the activation cache), creates or resumes the SAE,
// runs the Trainer for the token budget with metrics JSONL, a progress callback, intermediate checkpoints and a
// cooperative stop (SIGINT is wired by the CLI), then writes the final checkpoint, evaluates on held-out prompts
// and renders report.html. A NaN loss or a loss explosion (divergence.ts) throws DivergedError naming the last good
// checkpoint (none is written). The run folder is new unless resuming (run-dir.ts); a resume skips unreadable
// checkpoints and keeps one metrics.jsonl; file-system failures while checkpointing name the last written checkpoint.
// The run holds its folder's lock throughout (run-dir.ts withRunLock): a second process there stops with LockBusyError.
import { join } from "node:path";
import { getDevice, type Device } from "@sae/tensor-core";
import { dtypeFromKwargs, formatWeightMemory, processingFromKwargs } from "@sae/transformer";
import { loadModel } from "@sae/transformer/node";
import type { HookedTransformer } from "@sae/transformer";
import { architecture, geometricMedian, makeConfig, meanOf, Sae } from "@sae/core";
import { checkComplete, cleanTemp, listCheckpoints, paramsOf, readState, restoreTrainer } from "./checkpoint.ts";
import { writeCheckpoint, type LoadedState } from "./checkpoint.ts";
import { checkpointSteps } from "./checkpoint-plan.ts";
import { completeDims, runSteps, totalSteps, type TrainConfig } from "./config.ts";
import type { HubDatasetOptions } from "./data/hub-dataset.ts";
import { trainPrompts } from "./data/train-prompts.ts";
import { DivergenceGuard, divergedMessage } from "./divergence.ts";
import { fsErrorCode, writeFileAtomic } from "./durable.ts";
import { CheckpointError, ConfigError, DatasetError, DivergedError } from "./errors.ts";
import { evaluateSae, type EvalResult } from "./eval/evaluate.ts";
import { JsonlLogger, readStepMetrics, type MetricsLogger } from "./logger.ts";
import { checkRunSizes } from "./memory-check.ts";
import { ModelHook, PairedHook } from "./model-hooks.ts";
import { renderReport } from "./report/html.ts";
import { dropIfEmpty, openRunDir, runPrefix, withRunLock } from "./run-dir.ts";
import { saveSae } from "./sae-io.ts";
import { ActivationCacheWriter, type ActivationCacheHeader } from "./store/activation-cache.ts";
import { anyCacheMatches, openActivationCache } from "./store/cache-shards.ts";
import { ActivationStore } from "./store/activation-store.ts";
import { CacheProducer, ModelProducer, type BlockProducer } from "./store/producers.ts";
import type { Rates } from "./store/throughput.ts";
import { Trainer, type StepMetrics } from "./trainer.ts";

export interface TrainRunOptions {
  device?: Device;
  /** Called at every metrics readback (progress bars); `rates`: model vs SAE tokens/s since the previous call. */
  onMetrics?: (m: StepMetrics, total: { steps: number; tokens: number }, rates: Rates) => void;
  /** Extra trackers (wandb-like); the JSONL logger always runs. */
  loggers?: MetricsLogger[];
  /** Set `requested` to stop after the current step; a checkpoint is written and the run returns. */
  stop?: { requested: boolean };
  /** The activation store produces the next blocks while the SAE trains (default true; bench/e2e.ts compares). */
  prefetch?: boolean;
  log?: (line: string) => void;
  /**
   * Where a Hugging Face dataset id is fetched from (default: HF_ENDPOINT, the hub cache); the tests' loopback hub.
   * Its onProgress also reports the model's download.
   */
  hub?: HubDatasetOptions;
  /** Writes a checkpoint's SAELens files (default: sae-io's saveSae); the fault tests inject a failing disk here. */
  saveSae?: (sae: Sae, dir: string) => Promise<void>;
}

export interface TrainRunResult {
  runDir: string;
  checkpoint: string;
  steps: number;
  tokens: number;
  interrupted: boolean;
  evaluation: EvalResult | null;
  metricsPath: string;
  reportPath: string | null;
  seconds: number;
}

/** The run folder without its time: run_name, or "<architecture>-<hook>-<d_sae>-s<seed>" (run-dir.ts adds the time). */
export function runDirOf(cfg: TrainConfig): string {
  return join(cfg.checkpoint_path, cfg.run_name ?? runPrefix(cfg));
}

/**
 * Keys that may differ between the run that wrote a checkpoint and the resumed run. Where the run lives
 * (checkpoint_path, run_name) is free: the checkpoint was found there, so a run folder that was moved, or a path
 * spelled differently ("ck" vs "ck/" vs a symlink), resumes.
 */
const RESUME_FREE = new Set([
  "resume",
  "training_tokens",
  "n_checkpoints",
  "html_report",
  "n_eval_batches",
  "eval_batch_size_prompts",
  "wandb_log_frequency",
  "eval_every_n_wandb_logs",
  "checkpoint_path",
  "run_name",
]);

/** The newest complete and readable checkpoint of the run; unreadable newer ones are skipped with a log line. */
function resumePoint(runDir: string, log: (line: string) => void): LoadedState {
  const skipped: string[] = [];
  for (const dir of listCheckpoints(runDir)) {
    try {
      checkComplete(dir);
      const st = readState(dir);
      if (skipped.length) log(`--resume: resuming from ${dir} instead`);
      return st;
    } catch (e) {
      skipped.push(dir);
      log(`--resume: skipping ${dir}: ${(e as Error).message}`);
    }
  }
  throw new ConfigError(`--resume: no ${skipped.length ? "readable " : ""}checkpoint with trainer state in ${runDir}`);
}

export async function trainSae(cfgIn: TrainConfig, o: TrainRunOptions = {}): Promise<TrainRunResult> {
  const cfg: TrainConfig = { ...cfgIn };
  const device = o.device ?? (await getDevice());
  const processing = processingFromKwargs(cfg.model_from_pretrained_kwargs); // SAELens: from_pretrained_no_processing
  const dtype = dtypeFromKwargs(cfg.model_from_pretrained_kwargs);
  const model = await loadModel(cfg.model_name, { device, processing, dtype, hub: { onProgress: o.hub?.onProgress } });
  const hook = await ModelHook.create(model, cfg.hook_name);
  completeDims(cfg, hook.dIn);
  const gpuLimits = { maxStorageBufferBindingSize: device.maxBinding, maxBufferSize: device.limits.maxBufferSize };
  checkRunSizes(cfg, cfg.d_in!, cfg.d_sae!, gpuLimits);
  const run = openRunDir(cfg);
  try {
    // one process per run folder: a second one (a --resume while this runs) throws LockBusyError before anything
    return await withRunLock(run.dir, o.log ?? (() => {}), () => trainIn(run.dir, cfg, device, model, hook, o));
  } finally {
    dropIfEmpty(run);
  }
}

async function trainIn(
  runDir: string,
  cfg: TrainConfig,
  device: Device,
  model: HookedTransformer,
  hook: ModelHook,
  o: TrainRunOptions,
): Promise<TrainRunResult> {
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  log(`model ${cfg.model_name}: ${formatWeightMemory(model.memory())}`);
  const bos = model.cfg.bosTokenId;
  const nCtx = model.cfg.nCtx;
  if (cfg.context_size > nCtx) throw new ConfigError(`context_size ${cfg.context_size} exceeds the n_ctx ${nCtx} of ${cfg.model_name}`);
  const excludeIds = cfg.exclude_special_tokens ? [bos] : [];
  const prompts = trainPrompts(cfg, model, o.hub);
  await prompts.holdout(); // a dataset too short for the held-out prompts fails here, before anything is written
  for (const t of cleanTemp(runDir)) log(`removed ${t}: the temporary checkpoint of a run that was killed or failed`);
  const state = cfg.resume ? resumePoint(runDir, log) : null;
  const resumeFrom = state?.dir ?? null;
  if (state) {
    const diff = Object.keys(cfg).filter((k) => !RESUME_FREE.has(k) && JSON.stringify((state.config as Record<string, unknown>)[k]) !== JSON.stringify((cfg as Record<string, unknown>)[k]));
    if (diff.length) throw new ConfigError(`--resume: ${resumeFrom} was trained with different ${diff.map((k) => `${k} (${JSON.stringify((state.config as Record<string, unknown>)[k])} there, ${JSON.stringify((cfg as Record<string, unknown>)[k])} now)`).join(", ")}`);
  }

  // transcoder training (hook_name_out): the output hook, which must be as wide as the input hook here
  const pairs = cfg.hook_name_out === null ? null : new PairedHook(hook, await ModelHook.create(model, cfg.hook_name_out));
  if (pairs && pairs.output.dIn !== hook.dIn) {
    const w = `${cfg.hook_name_out} has width ${pairs.output.dIn}, ${cfg.hook_name} ${hook.dIn}`;
    throw new ConfigError(`hook_name_out: ${w}; transcoders train here with d_out = d_in`);
  }
  // activations: model or cache
  const cacheHeader: ActivationCacheHeader = { model_name: cfg.model_name, hook_name: cfg.hook_name, d_in: cfg.d_in!, context_size: cfg.context_size, dtype: cfg.cached_activations_dtype, prepend_bos: cfg.prepend_bos, dataset_path: cfg.dataset_path };
  let writer: ActivationCacheWriter | undefined;
  let producer: BlockProducer;
  const maxRows = cfg.store_batch_size_prompts * cfg.context_size;
  if (cfg.use_cached_activations && anyCacheMatches(cfg.cached_activations_path!, cacheHeader)) {
    producer = new CacheProducer(openActivationCache(cfg.cached_activations_path!), maxRows);
    log(`reading activations from ${cfg.cached_activations_path}`);
  } else {
    if (cfg.use_cached_activations && !state) writer = new ActivationCacheWriter(cfg.cached_activations_path!, cacheHeader);
    const source = pairs ?? hook; // a transcoder's rows are [input hook | output hook]
    producer = new ModelProducer(source, prompts, { contextSize: cfg.context_size, storeBatchPrompts: cfg.store_batch_size_prompts, excludeIds, cacheWriter: writer });
  }
  const store = new ActivationStore(producer, { trainBatchTokens: cfg.train_batch_size_tokens, capacity: cfg.n_batches_in_buffer * maxRows, seed: cfg.seed, normalize: cfg.normalize_activations, prefetch: o.prefetch });

  // the SAE; the architecture's training defaults (rescale_acts_by_decoder_norm, matryoshka_widths) fill what is unset
  const arch = architecture(cfg.architecture);
  const archDefaults = arch.trainDefaults?.(cfg.d_sae!) ?? {};
  const saeFields = {
    architecture: cfg.architecture,
    d_in: cfg.d_in!,
    d_sae: cfg.d_sae!,
    k: arch.topkFamily ? cfg.k : null,
    apply_b_dec_to_input: pairs ? false : cfg.apply_b_dec_to_input, // b_dec lives on the output side
    normalize_activations: cfg.normalize_activations,
    model_name: cfg.model_name,
    hook_name: cfg.hook_name,
    hook_layer: cfg.hook_layer,
    context_size: cfg.context_size,
    prepend_bos: cfg.prepend_bos,
    dataset_path: cfg.dataset_path,
    l1_coefficient: cfg.l1_coefficient,
    lp_norm: cfg.lp_norm,
    l0_coefficient: cfg.l0_coefficient ?? cfg.l1_coefficient,
    aux_loss_coefficient: cfg.aux_loss_coefficient,
    jumprelu_bandwidth: cfg.jumprelu_bandwidth,
    jumprelu_init_threshold: cfg.jumprelu_init_threshold,
    jumprelu_sparsity_loss_mode: cfg.jumprelu_sparsity_loss_mode,
    jumprelu_tanh_scale: cfg.jumprelu_tanh_scale,
    pre_act_loss_coefficient: cfg.pre_act_loss_coefficient,
    rescale_acts_by_decoder_norm: cfg.rescale_acts_by_decoder_norm ?? archDefaults.rescale_acts_by_decoder_norm ?? false,
    topk_threshold_lr: cfg.topk_threshold_lr,
    matryoshka_widths: archDefaults.matryoshka_widths ? (cfg.matryoshka_widths ?? archDefaults.matryoshka_widths)
      : null,
    decoder_init_norm: cfg.decoder_heuristic_init ? cfg.decoder_heuristic_init_norm : 1,
    normalize_sae_decoder: cfg.normalize_sae_decoder,
    init_encoder_as_decoder_transpose: cfg.init_encoder_as_decoder_transpose,
  };
  let sae: Sae;
  if (state) {
    sae = Sae.fromHost(device, makeConfig(saeFields), paramsOf(state));
    store.restore(state.store);
  } else {
    sae = Sae.fromHost(device, makeConfig(saeFields), await initialParams(device, saeFields, cfg, store));
  }
  sae.extraConfig = { model_from_pretrained_kwargs: cfg.model_from_pretrained_kwargs };
  if (pairs) Object.assign(sae.extraConfig, { transcoder: "transcoder", hook_name_out: cfg.hook_name_out, d_out: cfg.d_in });
  // ceil(budget / batch) steps as SAELens's fit() loop; the schedules last floor (totalSteps), one step less when
  // the budget is not a multiple of the batch
  const steps = runSteps(cfg);
  const trainer = new Trainer({ cfg, device, sae, totalSteps: totalSteps(cfg), runSteps: steps });
  if (state) await restoreTrainer(trainer, state);

  const metricsPath = join(runDir, "metrics.jsonl");
  let jsonl: JsonlLogger;
  try {
    jsonl = new JsonlLogger(metricsPath, state ? state.step : null);
  } catch (e) {
    fsFailure(e, metricsPath, resumeFrom ? `The last good checkpoint is ${resumeFrom}` : "Nothing was trained");
  }
  const loggers: MetricsLogger[] = [jsonl, ...(o.loggers ?? [])];
  for (const l of loggers) await l.init?.(cfg as unknown as Record<string, unknown>);
  const earlier = state ? readStepMetrics(metricsPath) : []; // the resumed run's first part, for the guard and report
  const history: StepMetrics[] = [];
  const heldOut = await prompts.holdout();
  const evalBatch = cfg.eval_batch_size_prompts ?? cfg.store_batch_size_prompts;
  const ckptAt = checkpointSteps(cfg.n_checkpoints, cfg.training_tokens, cfg.train_batch_size_tokens, steps);
  if (cfg.n_checkpoints > ckptAt.size) {
    const n = `n_checkpoints ${cfg.n_checkpoints} with ${steps} steps`;
    log(`${n}: writing ${ckptAt.size} (SAELens's thresholds: at most one per step, one may be after the last)`);
  }
  const guard = new DivergenceGuard(resumeFrom, earlier);
  let lastWritten: string | null = resumeFrom;
  let logs = 0;
  // The SAELens files fold the activation scale in (expected_average_only_in); training itself sees scaled rows.
  const saveScaled = async (s: Sae, d: string) => {
    if (store.scaleFactor !== 1) s.activationScale = store.scaleFactor;
    try {
      await (o.saveSae ?? saveSae)(s, d);
    } finally {
      s.activationScale = null;
    }
  };
  /** After a data error mid-run: the weights so far as an interrupted checkpoint (or the last one, if that fails). */
  const saveAfter = async (): Promise<string> => {
    const at = `Training stopped after ${trainer.step} steps (${trainer.tokensSeen} tokens)`;
    try {
      await trainer.checkFinite();
      return `${at}; the weights so far are in ${await checkpoint(`interrupted_${trainer.tokensSeen}`)}`;
    } catch (w) {
      return `${at}; no checkpoint could be written (${(w as Error).message}); the last is ${lastWritten ?? "none"}`;
    }
  };
  const kept = () => (lastWritten ? `The last good checkpoint is ${lastWritten}` : "No checkpoint was written before");
  const record = async (r: Record<string, unknown>, step: number) => {
    try {
      for (const l of loggers) await l.log(r, step);
    } catch (e) {
      fsFailure(e, metricsPath, kept());
    }
  };
  const checkpoint = async (name: string) => {
    let dir: string;
    try {
      dir = await writeCheckpoint(runDir, name, { trainer, store: store.state(), cfg, saveSae: saveScaled });
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      throw new CheckpointError(`${e.message}. ${kept()}`);
    }
    lastWritten = dir;
    return dir;
  };
  try {
    while (trainer.step < steps && !o.stop?.requested) {
      const batch = await store.nextBatch();
      guard.input(batch, store.dIn);
      const m = await trainer.trainStep(batch);
      if (m) {
        history.push(m);
        await record({ type: "step", ...m }, m.step);
        guard.check(m);
        o.onMetrics?.(m, { steps, tokens: steps * cfg.train_batch_size_tokens }, store.throughput.window(m.tokens));
        if (++logs % cfg.eval_every_n_wandb_logs === 0 && heldOut.length > 0 && !pairs) {
          const q = await evaluateSae(hook, sae, { prompts: heldOut.slice(0, evalBatch), batchPrompts: evalBatch, excludeIds, deadThreshold: cfg.dead_feature_threshold, reconstructionOnly: true });
          const quick = { type: "eval", quick: true, mse: q.mse, explained_variance: q.explained_variance, l0: q.l0 };
          await record(quick, m.step);
        }
      }
      if (ckptAt.has(trainer.step)) {
        await trainer.checkFinite();
        guard.written(await checkpoint(String(trainer.tokensSeen)), trainer.step);
      }
    }
    await trainer.checkFinite();
  } catch (e) {
    if (e instanceof DivergedError) throw new DivergedError(e.step, divergedMessage(e, guard));
    if (e instanceof DatasetError) throw new DatasetError(`${e.message}. ${await saveAfter()}`);
    throw e;
  }
  await store.drain(); // a prefetched block may still be writing the activation cache
  const interrupted = trainer.step < steps;
  if (!interrupted) await trainer.finishWindow();
  const ckpt = await checkpoint(interrupted ? `interrupted_${trainer.tokensSeen}` : `final_${trainer.tokensSeen}`);
  if (writer) {
    if (interrupted) writer.abort();
    else writer.finish();
  }
  let evaluation: EvalResult | null = null;
  if (store.scaleFactor !== 1) sae.activationScale = store.scaleFactor; // eval sees raw activations
  if (pairs) log("transcoder: no SAE evals (they splice at one hook); the checkpoint is a SAELens Transcoder folder");
  else if (!interrupted && heldOut.length > 0) {
    evaluation = await evaluateSae(hook, sae, { prompts: heldOut.slice(0, cfg.n_eval_batches * evalBatch), batchPrompts: evalBatch, excludeIds, deadThreshold: cfg.dead_feature_threshold });
    const { density_histogram, ...scalars } = evaluation;
    await record({ type: "eval", ...scalars, density_histogram }, trainer.step);
  }
  for (const l of loggers) await l.finish?.();
  const seconds = (performance.now() - t0) / 1000;
  let reportPath: string | null = null;
  if (cfg.html_report) {
    reportPath = join(runDir, "report.html");
    const all = [...earlier, ...history];
    const title = `SAE training: ${cfg.architecture} on ${cfg.model_name} ${cfg.hook_name}`;
    const config = cfg as unknown as Record<string, unknown>;
    const on = device.describe();
    const html = renderReport({ title, config, steps: all, evaluation, checkpoint: ckpt, device: on, seconds });
    try {
      writeFileAtomic(reportPath, html);
    } catch (e) {
      fsFailure(e, reportPath, `The final checkpoint is ${ckpt}`);
    }
  }
  const result = { runDir, checkpoint: ckpt, steps: trainer.step, tokens: trainer.tokensSeen, interrupted, evaluation, metricsPath, reportPath, seconds };
  trainer.dispose();
  store.close();
  return result;
}

/** A file-system failure outside a checkpoint (metrics, report): a CheckpointError naming the file and what is kept. */
function fsFailure(e: unknown, file: string, kept: string): never {
  const code = fsErrorCode(e);
  if (!code) throw e;
  throw new CheckpointError(`cannot write ${file}: ${code} (${(e as Error).message}). ${kept}`);
}

/** Host init from @sae/core (seeded) with b_dec from the first buffer (mean or geometric median) when asked. */
async function initialParams(device: Device, fields: Parameters<typeof makeConfig>[0], cfg: TrainConfig, store: ActivationStore): Promise<Record<string, Float32Array>> {
  const probe = Sae.create(device, fields, cfg.seed);
  const host = await probe.toHost();
  probe.dispose();
  if (cfg.b_dec_init_method !== "zeros") {
    const rows = await store.peek(Math.min(4096, cfg.n_batches_in_buffer * cfg.store_batch_size_prompts * cfg.context_size));
    const scaled = store.scaleFactor === 1 ? rows : rows.map((v) => v * store.scaleFactor);
    const d = cfg.d_in!;
    // a transcoder's b_dec is on the output side: initialised from the output halves of the paired rows
    const pts = cfg.hook_name_out === null ? scaled : outputHalves(scaled, d);
    host.b_dec = cfg.b_dec_init_method === "mean" ? meanOf(pts, d) : geometricMedian(pts, d);
  }
  return host;
}

/** The output halves [rows, d] of paired rows [rows, 2 d] (transcoder training). */
function outputHalves(paired: Float32Array, d: number): Float32Array {
  const rows = paired.length / (2 * d);
  const out = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) out.set(paired.subarray((2 * r + 1) * d, (2 * r + 2) * d), r * d);
  return out;
}
