// Adapters between @sae/transformer's HookedTransformer and training/evaluation: activations at one hook (the pass
// stops after the hook's layer), logits with the SAE spliced in at the hook, and logits with the hook zero-ablated.
// The SAE side is any function from [n, d_in] to [n, d_in]. With a head index (SAELens hook_head_index) only that
// head of a [batch, pos, n_heads, d_head] hook is read, replaced and zero-ablated.
import { HookMismatchError } from "@sae/core";
import { copy, fill, Tensor } from "@sae/tensor-core";
import { hookLayer, type HookedTransformer, type LogitRows, type TokenBatch } from "@sae/transformer";
import type { HookActivations } from "./store/producers.ts";

type HookFn = (act: Tensor) => Promise<Tensor>;

/** What replaces a hook's activation: a map of its rows [batch * pos, d_in] (an SAE's output) or zeros. */
export type Replacement = ((x: Tensor) => Promise<Tensor>) | "zero";

function batchOf(tokens: Int32Array, batch: number, pos: number): TokenBatch {
  return { ids: tokens, mask: new Int32Array(batch * pos).fill(1), batch, pos };
}

/** Throws the transformer's UnknownHookError (listing the valid names) when the model lacks the hook. */
export function checkHook(model: HookedTransformer, hookName: string): number {
  return hookLayer(hookName, model.cfg.nLayers);
}

/** Head h of [batch, pos, n_heads, d_head] host values as [batch * pos, d_head] rows. */
function headRows(all: ArrayLike<number>, shape: readonly number[], h: number): Float32Array {
  if (shape.length !== 4 || !(h >= 0 && h < shape[2])) throw new HookMismatchError(`hook_head_index ${h} needs a [batch, pos, n_heads, d_head] hook with n_heads > ${h}, got [${shape.join(", ")}]`);
  const [B, P, H, dh] = shape;
  const out = new Float32Array(B * P * dh);
  for (let t = 0; t < B * P; t++) for (let c = 0; c < dh; c++) out[t * dh + c] = all[(t * H + h) * dh + c];
  return out;
}

/** Activations at `hookName` as [batch * pos, d] tensors or host arrays. */
export class ModelHook implements HookActivations {
  readonly model: HookedTransformer;
  readonly hookName: string;
  dIn: number;
  /** SAELens hook_head_index: only this head of a [batch, pos, n_heads, d_head] hook is read, replaced, ablated. */
  readonly headIndex: number | null;

  constructor(model: HookedTransformer, hookName: string, dIn: number, headIndex: number | null = null) {
    checkHook(model, hookName);
    this.model = model;
    this.hookName = hookName;
    this.dIn = dIn;
    this.headIndex = headIndex;
  }

  /** Builds the adapter and finds the hook's width by running two tokens through the model. */
  static async create(model: HookedTransformer, hookName: string, headIndex: number | null = null): Promise<ModelHook> {
    const h = new ModelHook(model, hookName, 0, headIndex);
    const t = await h.tensor(new Int32Array([model.cfg.bosTokenId, model.cfg.bosTokenId]), 1, 2);
    h.dIn = t.size / 2;
    t.dispose();
    return h;
  }

  /** [batch * pos, d_in] on the device; the caller disposes it. */
  async tensor(tokens: Int32Array, batch: number, pos: number): Promise<Tensor> {
    const r = await this.model.runWithCache(batchOf(tokens, batch, pos), { names: [this.hookName] });
    const act = r.cache[this.hookName]; // [batch, pos, d_in], or [batch, pos, n_heads, d_head] at hook_z/q/k/v
    r.logits?.dispose();
    if (this.headIndex !== null) {
      const rows = Tensor.from(act.device, [batch * pos, act.shape[3]], headRows(await act.read(), act.shape, this.headIndex), `${this.hookName} head ${this.headIndex}`);
      act.dispose();
      return rows;
    }
    if (act.shape.length === 2) return act;
    const d = act.size / (batch * pos); // heads flattened, as SAELens's evals do (flatten(-2, -1))
    const flat = Tensor.empty(act.device, [batch * pos, d], "f32", `${this.hookName} rows`);
    copy(act.reshape(flat.shape), flat);
    act.dispose();
    return flat;
  }

  async run(tokens: Int32Array, batch: number, pos: number): Promise<Float32Array> {
    const t = await this.tensor(tokens, batch, pos);
    const out = (await t.read()) as Float32Array;
    t.dispose();
    return out;
  }

  /**
   * Activations at this hook and at `other` from one forward pass, row by row side by side: [batch * pos, d_in +
   * d_other] (transcoder training: input hook | output hook). 2-D hooks ([batch, pos, d]) only.
   */
  async pairedRun(other: ModelHook, tokens: Int32Array, batch: number, pos: number): Promise<Float32Array> {
    const names = [this.hookName, other.hookName];
    const r = await this.model.runWithCache(batchOf(tokens, batch, pos), { names });
    r.logits?.dispose();
    const [a, b] = [(await r.cache[names[0]].read()) as Float32Array, (await r.cache[names[1]].read()) as Float32Array];
    for (const n of names) r.cache[n].dispose();
    const rows = batch * pos;
    const [da, db] = [a.length / rows, b.length / rows];
    const out = new Float32Array(rows * (da + db));
    for (let t = 0; t < rows; t++) {
      out.set(a.subarray(t * da, (t + 1) * da), t * (da + db));
      out.set(b.subarray(t * db, (t + 1) * db), t * (da + db) + da);
    }
    return out;
  }

  /** Clean logits [batch, pos, vocab]. */
  async logits(tokens: Int32Array, batch: number, pos: number): Promise<Float32Array> {
    const t = await this.model.forward(batchOf(tokens, batch, pos));
    const out = (await t.read()) as Float32Array;
    t.dispose();
    return out;
  }

  /** Logits with the activation at the hook replaced by replace(act [batch * pos, d_in]) or by zeros. */
  async logitsWith(tokens: Int32Array, batch: number, pos: number, replace: Replacement): Promise<Float32Array> {
    const made: Tensor[] = [];
    const hook = this.replacing(batch, pos, replace, made);
    const t = await this.model.runWithHooks(batchOf(tokens, batch, pos), { [this.hookName]: hook });
    const out = (await t.read()) as Float32Array;
    t.dispose();
    for (const m of made) m.dispose();
    return out;
  }

  /**
   * The logits as LogitRows (blocks of positions, each fitting one binding: @sae/transformer's logit_rows.ts), clean
   * or with the hook's activation replaced as in logitsWith; the caller disposes them.
   */
  async logitRows(tokens: Int32Array, batch: number, pos: number, replace?: Replacement): Promise<LogitRows> {
    const made: Tensor[] = [];
    const hooks = replace ? { [this.hookName]: this.replacing(batch, pos, replace, made) } : {};
    try {
      return await this.model.logitRows(batchOf(tokens, batch, pos), { hooks });
    } finally {
      for (const m of made) m.dispose();
    }
  }

  /** The hook function that replaces this hook's activation (SAE output or zeros); outputs it made go into `made`. */
  private replacing(batch: number, pos: number, replace: Replacement, made: Tensor[]): HookFn {
    return async (act: Tensor): Promise<Tensor> => {
      if (this.headIndex !== null) {
        const h = this.headIndex;
        const all = (await act.read()) as Float32Array;
        let rows: Float32Array = new Float32Array(batch * pos * act.shape[3]); // zero ablation of the head
        if (replace !== "zero") {
          const x = Tensor.from(act.device, [batch * pos, act.shape[3]], headRows(all, act.shape, h));
          const y = await replace(x);
          rows = (await y.read()) as Float32Array;
          for (const t of [x, y]) t.dispose();
        }
        const [, , H, dh] = act.shape;
        for (let t = 0; t < batch * pos; t++) all.set(rows.subarray(t * dh, (t + 1) * dh), (t * H + h) * dh);
        return Tensor.from(act.device, act.shape, all, `${this.hookName} head ${h} replaced`);
      }
      if (replace === "zero") {
        const z = Tensor.empty(act.device, act.shape, "f32", "zero ablation");
        fill(z, 0);
        return z;
      }
      const flat = act.reshape([act.size / this.dIn, this.dIn]);
      const out = await replace(flat);
      made.push(out);
      return out.reshape(act.shape);
    };
  }
}

/** Transcoder training's producer side: rows [d_in | d_out] of the input and output hooks from one forward pass. */
export class PairedHook implements HookActivations {
  readonly dIn: number;
  readonly input: ModelHook;
  readonly output: ModelHook;

  constructor(input: ModelHook, output: ModelHook) {
    this.input = input;
    this.output = output;
    this.dIn = input.dIn + output.dIn;
  }

  run(tokens: Int32Array, batch: number, pos: number): Promise<Float32Array> {
    return this.input.pairedRun(this.output, tokens, batch, pos);
  }
}
