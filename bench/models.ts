// models benchmark group: model activations per family (gpt2, gpt_neo, gpt_neox, llama, qwen2, mistral, gemma2) at
// a GPT-2-small-like size (d_model 768, 12 heads of 64, GQA 12/4 where the family has it, 2 layers, vocab 8192),
// 8 x 128 tokens through both blocks (runWithCache to blocks.1.hook_resid_post, no logits), beside PyTorch running
// Hugging Face transformers' own modeling code on the same weights (bench/torch_models_peer.py, which builds each
// model and saves it as the HF folder we load). Before timing, our blocks.1.hook_resid_pre must equal HF's
// hidden_states[1] (max |diff| in the shape column); a row whose check fails says so instead of a speed. Each family
// also gets a row with the weights held in f16 on the device (loadModel dtype "f16", tensor-core's matmulPacked),
// beside the same f32 PyTorch run, its check bound 5e-2 (f16 rounding of the weights). BENCH_SMALL=1 (`--small`):
// d_model 64, 4 heads, vocab 512, 2 x 16 tokens, to check the bench itself on a busy machine.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng, type Device } from "@sae/tensor-core";
import { formatWeightMemory, NO_PROCESSING, type WeightDType } from "@sae/transformer";
import { loadModel } from "@sae/transformer/node";
import { runPeer, timeGpu, type BenchGroup, type BenchRow } from "./lib.ts";

const SMALL = process.env.BENCH_SMALL === "1";
const CONTEXTS = SMALL ? 2 : 8;
const CTX = SMALL ? 16 : 128;
const VOCAB = SMALL ? 512 : 8192;
/** d_model, heads, key/value heads, d_head, d_mlp (plain), d_mlp (gated). */
const S = SMALL
  ? { d: 64, heads: 4, kv: 2, dHead: 16, mlp: 256, gated: 160 }
  : { d: 768, heads: 12, kv: 4, dHead: 64, mlp: 3072, gated: 2048 };
/** Largest |ours - HF| of blocks.1.hook_resid_pre for a row to be timed, per weight dtype. */
const CHECK = { f32: 1e-3, f16: 5e-2, bf16: 2e-1 } as const satisfies Record<WeightDType, number>;
const HF_SRC = process.env.SAE_HF_SRC ?? "/work/ref/hf";
const HARNESS = process.env.SAE_HF_HARNESS ?? "/work/shared/hf-harness";
const ids0 = { vocab_size: VOCAB, bos_token_id: 0, eos_token_id: 0, max_position_embeddings: 1024 };
const GPT2 = { n_embd: S.d, n_layer: 2, n_head: S.heads };
const GATED = {
  ...ids0,
  hidden_size: S.d,
  intermediate_size: S.gated,
  num_hidden_layers: 2,
  num_attention_heads: S.heads,
};

/** family -> HF config class and kwargs. */
const FAMILIES: Record<string, { config: string; kwargs: Record<string, unknown> }> = {
  gpt2: {
    config: "GPT2Config",
    kwargs: { vocab_size: VOCAB, bos_token_id: 0, eos_token_id: 0, n_positions: 1024, ...GPT2 },
  },
  gpt_neo: {
    config: "GPTNeoConfig",
    kwargs: {
      ...ids0,
      hidden_size: S.d,
      num_layers: 2,
      num_heads: S.heads,
      attention_types: [[["global", "local"], 1]],
      window_size: 256,
    },
  },
  gpt_neox: {
    config: "GPTNeoXConfig",
    kwargs: {
      ...ids0,
      hidden_size: S.d,
      num_hidden_layers: 2,
      num_attention_heads: S.heads,
      intermediate_size: S.mlp,
      rotary_pct: 0.25,
    },
  },
  llama: { config: "LlamaConfig", kwargs: { ...GATED, num_key_value_heads: S.kv } },
  qwen2: { config: "Qwen2Config", kwargs: { ...GATED, num_key_value_heads: S.kv } },
  mistral: { config: "MistralConfig", kwargs: { ...GATED, num_key_value_heads: S.kv, sliding_window: 4096 } },
  gemma2: {
    config: "Gemma2Config",
    kwargs: {
      ...GATED,
      num_key_value_heads: S.kv,
      head_dim: S.dHead,
      query_pre_attn_scalar: S.dHead,
      sliding_window: 4096,
    },
  },
};

async function familyRow(
  device: Device,
  family: string,
  dir: string,
  ids: number[][],
  reps: number,
  dtype: WeightDType,
) {
  const model = await loadModel(dir, { processing: NO_PROCESSING, tokenizer: null, device, dtype });
  const memory = formatWeightMemory(model.memory());
  const flat = ids.flat();
  const batch = { ids: Int32Array.from(flat), mask: new Int32Array(flat.length).fill(1), batch: CONTEXTS, pos: CTX };
  const check = await model.runWithCache(batch, { names: ["blocks.1.hook_resid_pre"] });
  const ours = (await check.cache["blocks.1.hook_resid_pre"].read()) as Float32Array;
  check.cache["blocks.1.hook_resid_pre"].dispose();
  const want = new Float32Array(readFileSync(join(dir, "hidden1.f32")).buffer.slice(0));
  let maxDiff = ours.length === want.length ? 0 : Infinity;
  for (let i = 0; i < ours.length && maxDiff !== Infinity; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(ours[i] - want[i]));
  }
  const t = await timeGpu(
    device,
    async () => {
      const r = await model.runWithCache(batch, { names: ["blocks.1.hook_resid_post"] });
      for (const a of Object.values(r.cache)) a.dispose();
    },
    { warmup: 2, reps },
  );
  model.dispose();
  const row: BenchRow = {
    group: "models",
    name: `${family}${dtype === "f32" ? "" : ` ${dtype} weights`} activations (blocks.1.hook_resid_post)`,
    shape: `2x${S.d}, ${CONTEXTS} x ${CTX} tokens; resid_pre 1 vs HF max |diff| ${maxDiff.toExponential(1)}; ${memory}`,
    ms: t.median,
    reps,
    rate: (CONTEXTS * CTX) / (t.median / 1000),
    unit: "tokens/s",
    cores: t.cores,
    ...(maxDiff < CHECK[dtype] ? {} : { torchNote: `our activations differ from HF's (max |diff| ${maxDiff})` }),
  };
  return row;
}

export const group: BenchGroup = {
  name: "models",
  async run({ device, quick }) {
    const reps = quick ? 2 : 5;
    const root = mkdtempSync(join(tmpdir(), "sae-bench-models-"));
    const rng = new Rng(11);
    const draw = () => 1 + Math.floor(rng.next() * (VOCAB - 1));
    const ids = Array.from({ length: CONTEXTS }, () => Array.from({ length: CTX }, draw));
    const names = Object.keys(FAMILIES);
    const specs = names.map((f, i) => ({
      name: f,
      kind: "hf_family",
      family: f,
      ...FAMILIES[f],
      seed: 100 + i,
      dir: join(root, f),
      ids,
      hf_src: HF_SRC,
      harness: HARNESS,
      warmup: 1,
      reps,
    }));
    const reply = runPeer("torch_models_peer.py", { threads: 2, specs });
    if ("error" in reply) throw new Error(`bench models: the HF peer builds the models and failed: ${reply.error}`);
    const rows: BenchRow[] = [];
    for (const f of names) {
      const r = reply.results.find((p) => p.name === f);
      if (r?.ms === undefined) {
        const torchNote = `missing (${r?.error ?? "no reply"})`;
        const none = { ms: NaN, reps: 0, rate: NaN, cores: 0 };
        rows.push({ group: "models", name: `${f} activations`, shape: "", unit: "tokens/s", ...none, torchNote });
        continue;
      }
      for (const dtype of ["f32", "f16"] as const) {
        const row = await familyRow(device, f, join(root, f), ids, reps, dtype);
        if (!row.torchNote) row.torchMs = r.ms;
        rows.push(row);
      }
    }
    return rows;
  },
};
