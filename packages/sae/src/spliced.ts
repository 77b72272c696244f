// SAEs spliced into a language model (SAELens' HookedSAETransformer): each attached SAE replaces the activation at
// its hook point with its reconstruction (or, with the error term, reconstruction + (x - clean reconstruction), so
// the model's output is unchanged unless an SAE-internal hook edits something). Every SAE-internal point is a hook
// point while spliced, `<hook>.hook_sae_input`, `.hook_sae_acts_pre`, `.hook_sae_acts_post`, `.hook_sae_recons`,
// `.hook_sae_error`, `.hook_sae_output`: run() / runWithSaes() take hooks there (read or replace, as at model hook
// points) and runWithCacheWithSaes caches them. As SAELens's use_error_term, the error term comes from a clean
// pass (no SAE-internal hooks), so editing latents changes the output by exactly the edit's decoded effect.
// Works with any model that has the hook interface below (HookedTransformer does); @sae/core never imports
// @sae/transformer. Activation layouts: [..., d_in]; hook_z reshaping (opt-in or auto: [batch, pos, n_heads,
// d_head] read as [batch * pos, n_heads * d_head], heads major; input/acts/recons cached flat, error/output 4-D);
// hook_head_index (one head [batch, pos, d_head] of a [batch, pos, n_heads, d_head] activation is read and
// replaced, the other heads pass through).
import { gatherRows, LimitError, saeAxpby, scatterRows, Tensor } from "@sae/tensor-core";
import { HookMismatchError } from "./errors.ts";

/** What a hook sees besides the activation (HookedTransformer passes name, layer, posOffset). */
export interface SpliceHookContext {
  name?: string;
  layer?: number;
  posOffset?: number;
}

/** Reads an activation, or returns a same-shape tensor that replaces it (the model then owns it). */
export type SpliceHook = (act: Tensor, ctx: SpliceHookContext) => Tensor | void | Promise<Tensor | void>;

/** The part of a hooked model that splicing needs. */
export interface HookableModel<I> {
  hookNames(): string[];
  /** Output (logits) of a forward with hooks at the named points. */
  runWithHooks(input: I, hooks: Readonly<Record<string, SpliceHook>>): Promise<Tensor>;
  /** Next-token cross-entropy [batch, pos - 1] without the logits as one tensor (HookedTransformer: LogitRows). */
  tokenLosses?(input: I, opts: { hooks?: Readonly<Record<string, SpliceHook>> }): Promise<ArrayLike<number>>;
}

/** The part of an SAE that splicing needs (Sae has it). */
export interface SpliceableSae {
  readonly cfg: { d_in: number; d_sae: number; hook_name: string; hook_head_index?: number | null };
  encode(x: Tensor): Promise<Tensor>; // [n, d_in] -> [n, d_sae]
  decode(f: Tensor): Tensor; // [n, d_sae] -> [n, d_in]
  /** decode split at hook_sae_recons (before the runtime normalisation is undone); without it recons is decode's. */
  decodeWithRecons?(f: Tensor, onRecons?: (recons: Tensor) => Tensor | void | Promise<Tensor | void>): Promise<Tensor>;
  /** encode split at hook_sae_acts_pre (needed only for hooks or caching there). */
  encodeWithPre?(x: Tensor, onPre?: (pre: Tensor) => Tensor | void | Promise<Tensor | void>): Promise<{ f: Tensor; pre: Tensor }>;
}

/** The part of a transcoder that splicing needs (Transcoder has it): reads hook_name, writes hook_name_out. */
export interface SpliceableTranscoder {
  readonly cfg: { d_in: number; d_out: number; hook_name: string; hook_name_out: string };
  forward(x: Tensor): Promise<Tensor>; // [n, d_in] -> [n, d_out]
}

export interface SpliceOptions {
  /** Hook point; defaults to the SAE's cfg.hook_name. */
  hookName?: string;
  /** Add x - x_hat back so the model's output is unchanged (the SAE's internals are still observable). */
  errorTerm?: boolean;
  /**
   * hook_z reshaping: true reads [..., n_heads, d_head] as [..., n_heads * d_head] (an error if that is not d_in),
   * false never reshapes; default: when the hook name ends in "_z" and n_heads * d_head = d_in.
   */
  hookZ?: boolean;
  /** Read and replace only this head of a [batch, pos, n_heads, d_head] activation; default cfg.hook_head_index. */
  headIndex?: number | null;
}

export const SAE_HOOKS = ["hook_sae_input", "hook_sae_acts_pre", "hook_sae_acts_post", "hook_sae_recons", "hook_sae_error", "hook_sae_output"] as const;
export type SaeHookPoint = (typeof SAE_HOOKS)[number];

interface Attached {
  sae: SpliceableSae;
  errorTerm: boolean;
  hookZ: boolean | undefined;
  headIndex: number | null;
}

/** The SAE's rows of one activation and how to put its output back: x [n, w], lead [batch, pos]. */
interface ActView {
  x: Tensor;
  lead: number[];
  /** Shape of error/output at hook_z (4-D) or per-head ([batch, pos, d_head]). */
  outShape: readonly number[];
  put(y: Tensor): Tensor;
  dispose(): void;
}

/** True when an activation at `hook` [..., n_heads, d_head] is flattened to [..., d_in] (SAELens: names ending "_z"). */
export function isHookZ(hook: string, shape: readonly number[], d_in: number): boolean {
  return hook.endsWith("_z") && shape.length >= 2 && shape[shape.length - 1] !== d_in && shape[shape.length - 1] * shape[shape.length - 2] === d_in;
}

/** Copies t into a fresh tensor of the given shape (the copy owns its buffer, unlike a reshape view). */
function copyAs(t: Tensor, shape: readonly number[]): Tensor {
  const out = Tensor.empty(t.device, shape, "f32", "spliced");
  saeAxpby(t, null, null, 1, 0, 0, { out: out.reshape(t.shape) });
  return out;
}

export class SplicedModel<I> {
  readonly model: HookableModel<I>;
  private saes = new Map<string, Attached>();
  /** Transcoders by input hook, with their output hook. */
  private transcoders = new Map<string, { tc: SpliceableTranscoder; out: string }>();

  constructor(model: HookableModel<I>) {
    this.model = model;
  }

  /** Attaches an SAE at its hook point (replacing any SAE already there). */
  attach(sae: SpliceableSae, opts: SpliceOptions = {}): this {
    const hook = opts.hookName ?? sae.cfg.hook_name;
    const names = this.model.hookNames();
    if (!names.includes(hook)) throw new HookMismatchError(`cannot attach an SAE at '${hook}': the model has no such hook point; valid: ${names.join(", ")}`);
    const headIndex = opts.headIndex !== undefined ? opts.headIndex : (sae.cfg.hook_head_index ?? null);
    this.saes.set(hook, { sae, errorTerm: opts.errorTerm ?? false, hookZ: opts.hookZ, headIndex });
    return this;
  }

  /**
   * SAELens run_with_saes: attaches `saes` only for this run (restoring what was attached before, also on error),
   * runs with `hooks` (model points and `<hook>.hook_sae_*` points), and returns the output.
   */
  async runWithSaes(input: I, saes: readonly SpliceableSae[] | readonly [SpliceableSae, SpliceOptions][], hooks: Readonly<Record<string, SpliceHook>> = {}): Promise<Tensor> {
    return this.withSaes(saes, () => this.run(input, hooks));
  }

  /** SAELens's `with model.saes(saes=[...])`: fn runs with the SAEs attached; the previous attachments come back after. */
  async withSaes<T>(saes: readonly SpliceableSae[] | readonly [SpliceableSae, SpliceOptions][], fn: () => Promise<T>): Promise<T> {
    const before = new Map(this.saes);
    try {
      for (const e of saes) {
        if (Array.isArray(e)) this.attach(e[0], e[1]);
        else this.attach(e as SpliceableSae);
      }
      return await fn();
    } finally {
      this.saes = before;
    }
  }

  /**
   * Attaches a transcoder: its input hook's activation [..., d_in] is read (and passed on unchanged), and the
   * activation at its output hook is replaced by forward(input) [..., d_out]. The output hook must run later.
   */
  attachTranscoder(tc: SpliceableTranscoder, opts: { inputHook?: string; outputHook?: string } = {}): this {
    const input = opts.inputHook ?? tc.cfg.hook_name;
    const out = opts.outputHook ?? tc.cfg.hook_name_out;
    const names = this.model.hookNames();
    for (const h of [input, out]) {
      if (!names.includes(h)) throw new HookMismatchError(`cannot attach a transcoder at '${h}': the model has no such hook point; valid: ${names.join(", ")}`);
    }
    if (input === out) throw new HookMismatchError(`a transcoder needs different input and output hooks, got '${input}' twice`);
    this.transcoders.set(input, { tc, out });
    return this;
  }

  /** Removes the SAE or transcoder (by input hook) at `hookName`, or every SAE and transcoder. */
  detach(hookName?: string): this {
    if (hookName === undefined) {
      this.saes.clear();
      this.transcoders.clear();
    } else {
      this.saes.delete(hookName);
      this.transcoders.delete(hookName);
    }
    return this;
  }

  get attachedTranscoders(): { input: string; output: string }[] {
    return [...this.transcoders].map(([input, { out }]) => ({ input, output: out }));
  }

  get attached(): string[] {
    return [...this.saes.keys()];
  }

  /** Model output with the attached SAEs spliced in, plus any extra hooks (run on the model's activations). */
  async run(input: I, hooks: Readonly<Record<string, SpliceHook>> = {}): Promise<Tensor> {
    this.checkSaePoints(Object.keys(hooks), "hook");
    return this.model.runWithHooks(input, this.hooks(hooks, null, new Set()));
  }

  /**
   * Next-token cross-entropy [batch, pos - 1] with the attached SAEs spliced in (SAELens's run_with_saes with
   * return_type "loss"), from the model's tokenLosses: a large vocabulary's logits are read in blocks of positions.
   */
  async tokenLosses(input: I, hooks: Readonly<Record<string, SpliceHook>> = {}): Promise<ArrayLike<number>> {
    if (!this.model.tokenLosses) throw new LimitError("SplicedModel.tokenLosses: the model has no tokenLosses");
    this.checkSaePoints(Object.keys(hooks), "hook");
    return this.model.tokenLosses(input, { hooks: this.hooks(hooks, null, new Set()) });
  }

  /**
   * Runs with the SAEs spliced in and returns copies of the named activations: model hook names (the activation
   * the model produced, before any SAE) and `<hook>.hook_sae_*` names of attached SAEs. The caller disposes them.
   */
  async runWithCacheWithSaes(input: I, opts: { names?: readonly string[]; hooks?: Readonly<Record<string, SpliceHook>> } = {}): Promise<{ output: Tensor; cache: Map<string, Tensor> }> {
    const cache = new Map<string, Tensor>();
    const names = new Set(opts.names ?? this.defaultNames());
    this.checkSaePoints([...names], "cache");
    const output = await this.model.runWithHooks(input, this.hooks(opts.hooks ?? {}, cache, names));
    return { output, cache };
  }

  private checkSaePoints(names: readonly string[], what: string): void {
    for (const n of names) {
      const m = /^(.*)\.(hook_sae_[a-z_]+)$/.exec(n);
      if (!m) continue;
      if (!this.saes.has(m[1])) throw new HookMismatchError(`cannot ${what} '${n}': no SAE is attached at '${m[1]}' (attached: ${this.attached.join(", ") || "none"})`);
      if (!(SAE_HOOKS as readonly string[]).includes(m[2])) throw new HookMismatchError(`cannot ${what} '${n}': '${m[2]}' is not an SAE hook point; valid: ${SAE_HOOKS.join(", ")}`);
    }
  }

  private defaultNames(): string[] {
    return this.attached.flatMap((h) => SAE_HOOKS.filter((p) => p !== "hook_sae_acts_pre" || this.saes.get(h)?.sae.encodeWithPre).map((p) => `${h}.${p}`));
  }

  private hooks(extra: Readonly<Record<string, SpliceHook>>, cache: Map<string, Tensor> | null, names: Set<string>): Record<string, SpliceHook> {
    const out: Record<string, SpliceHook> = {};
    for (const [n, fn] of Object.entries(extra)) if (!n.includes(".hook_sae_")) out[n] = fn;
    const wanted = (n: string) => cache !== null && names.has(n);
    for (const n of names) {
      if (n.includes(".hook_sae_") || this.saes.has(n) || n in out) continue;
      out[n] = (act) => void cache?.set(n, copyAs(act, act.shape));
    }
    for (const [hook, at] of this.saes) {
      const user = extra[hook];
      out[hook] = async (act0, ctx) => {
        const act = ((await user?.(act0, ctx)) as Tensor | undefined) ?? act0;
        if (wanted(hook)) cache?.set(hook, copyAs(act, act.shape));
        const result = await this.splice(hook, at, act, extra, wanted, cache, ctx);
        if (act !== act0) act.dispose();
        return result;
      };
    }
    this.transcoderHooks(out);
    return out;
  }

  /** Wraps the hooks at each transcoder's input (read, then the hook already there) and output (replace). */
  private transcoderHooks(out: Record<string, SpliceHook>): void {
    for (const [input, { tc, out: output }] of this.transcoders) {
      let pending: Tensor | null = null;
      const before = out[input];
      out[input] = async (act, ctx) => {
        const { d_in, d_out } = tc.cfg;
        if (act.shape[act.shape.length - 1] !== d_in) {
          throw new HookMismatchError(`transcoder at '${input}' has d_in ${d_in} but the activation there is [${act.shape.join(", ")}]`);
        }
        pending?.dispose();
        const y = await tc.forward(act.reshape([act.size / d_in, d_in])); // [n, d_out]
        pending = copyAs(y, [...act.shape.slice(0, -1), d_out]);
        y.dispose();
        return before?.(act, ctx);
      };
      const after = out[output];
      out[output] = async (act0, ctx) => {
        const act = ((await after?.(act0, ctx)) as Tensor | undefined) ?? act0;
        if (!pending) throw new HookMismatchError(`transcoder '${input}' -> '${output}': the output hook ran before the input hook`);
        if (pending.size !== act.size) {
          throw new HookMismatchError(`transcoder '${input}' -> '${output}': its output [${pending.shape.join(", ")}] does not fit the activation [${act.shape.join(", ")}] there`);
        }
        const y = copyAs(pending, act.shape);
        pending.dispose();
        pending = null;
        if (act !== act0) act.dispose();
        return y;
      };
    }
  }

  /** One SAE at one activation: the SAE's internal points in SAELens's order, with user hooks and caching. */
  private async splice(
    hook: string,
    { sae, errorTerm, hookZ, headIndex }: Attached,
    act: Tensor,
    extra: Readonly<Record<string, SpliceHook>>,
    wanted: (n: string) => boolean,
    cache: Map<string, Tensor> | null,
    ctx: SpliceHookContext,
  ): Promise<Tensor> {
    const { d_in, d_sae } = sae.cfg;
    const view = viewOf(hook, act, d_in, hookZ, headIndex);
    const { x: x0, lead } = view;
    const made: Tensor[] = [];
    const point = async (p: SaeHookPoint, t: Tensor, shape: readonly number[]): Promise<Tensor> => {
      const name = `${hook}.${p}`;
      let cur = t;
      const r = await extra[name]?.(t.reshape(shape), { ...ctx, name });
      if (r) {
        if (r.size !== t.size) throw new HookMismatchError(`hook '${name}' returned shape [${r.shape.join(", ")}] for an activation [${shape.join(", ")}]`);
        made.push(r);
        cur = r.reshape(t.shape);
      }
      if (wanted(name)) cache?.set(name, copyAs(cur, shape));
      return cur;
    };
    const x = await point("hook_sae_input", x0, [...lead, d_in]);
    let f: Tensor;
    if (extra[`${hook}.hook_sae_acts_pre`] || wanted(`${hook}.hook_sae_acts_pre`)) {
      if (!sae.encodeWithPre) throw new HookMismatchError(`'${hook}.hook_sae_acts_pre' needs an SAE with encodeWithPre (Sae has it)`);
      const r = await sae.encodeWithPre(x, async (pre) => {
        const q = await point("hook_sae_acts_pre", pre, [...lead, d_sae]);
        return q === pre ? undefined : q;
      });
      made.push(r.pre);
      f = r.f;
    } else {
      f = await sae.encode(x); // [n, d_sae]
    }
    made.push(f);
    f = await point("hook_sae_acts_post", f, [...lead, d_sae]);
    let recons: Tensor; // [n, d_in]
    if (sae.decodeWithRecons) {
      recons = await sae.decodeWithRecons(f, async (raw) => {
        const q = await point("hook_sae_recons", raw, [...lead, d_in]);
        return q === raw ? undefined : q;
      });
      made.push(recons);
    } else {
      made.push((recons = sae.decode(f)));
      recons = await point("hook_sae_recons", recons, [...lead, d_in]);
    }
    let err: Tensor | null = null;
    if (errorTerm) {
      // SAELens use_error_term: x - decode(encode(x)) with the SAE's hooks off, so edits are not cancelled
      const edited = SAE_HOOKS.some((p) => p !== "hook_sae_error" && p !== "hook_sae_output" && extra[`${hook}.${p}`]);
      let clean = recons;
      if (edited) {
        const fc = await sae.encode(x0);
        clean = sae.decode(fc);
        made.push(fc, clean);
      }
      err = saeAxpby(x0, clean, null, 1, -1, 0);
      made.push(err);
      err = await point("hook_sae_error", err, view.outShape);
    } else if (wanted(`${hook}.hook_sae_error`)) {
      const e = saeAxpby(x0, recons, null, 1, -1, 0);
      cache?.set(`${hook}.hook_sae_error`, copyAs(e, view.outShape));
      e.dispose();
    }
    const sum = saeAxpby(recons, err, null, 1, err ? 1 : 0, 0); // [n, d_in]
    made.push(sum);
    const y = await point("hook_sae_output", sum, view.outShape);
    const result = view.put(y);
    for (const t of made) t.dispose();
    view.dispose();
    return result;
  }
}

/** The SAE's input rows of an activation (see ActView), checked against d_in. */
function viewOf(hook: string, act: Tensor, d_in: number, hookZ: boolean | undefined, headIndex: number | null): ActView {
  const shape = act.shape;
  const last = shape[shape.length - 1];
  if (headIndex !== null) {
    if (shape.length !== 4) throw new HookMismatchError(`SAE at '${hook}' reads head ${headIndex}, but the activation there is [${shape.join(", ")}], not [batch, pos, n_heads, d_head]`);
    const [B, P, H, dh] = shape;
    if (!(headIndex >= 0 && headIndex < H) || dh !== d_in) throw new HookMismatchError(`SAE at '${hook}' (d_in ${d_in}) cannot read head ${headIndex} of [${shape.join(", ")}]`);
    const idx = Tensor.from(act.device, [B * P], Int32Array.from({ length: B * P }, (_, t) => t * H + headIndex), "head rows");
    const rows = act.reshape([B * P * H, dh]);
    return {
      x: gatherRows(rows, idx), // [batch * pos, d_head]
      lead: [B, P],
      outShape: [B, P, dh],
      put(y) {
        const out = copyAs(act, shape);
        scatterRows(out.reshape([B * P * H, dh]), idx, y.reshape([B * P, dh]));
        return out;
      },
      dispose() {
        this.x.dispose();
        idx.dispose();
      },
    };
  }
  const z = hookZ ?? isHookZ(hook, shape, d_in);
  if (z && !(shape.length >= 3 && shape[shape.length - 1] * shape[shape.length - 2] === d_in)) {
    throw new HookMismatchError(`SAE at '${hook}' has hook_z reshaping on, but n_heads * d_head of [${shape.join(", ")}] is not d_in ${d_in}`);
  }
  if (!z && last !== d_in) {
    const why = hook.endsWith("_z") ? ` (a hook_z SAE needs n_heads * d_head = ${d_in}, got ${shape.slice(-2).join(" * ")})` : "";
    throw new HookMismatchError(`SAE at '${hook}' has d_in ${d_in} but the activation there is ${last} wide (shape [${shape.join(", ")}])${why}`);
  }
  const lead = shape.slice(0, z ? -2 : -1); // [batch, pos]
  return {
    x: act.reshape([act.size / d_in, d_in]), // [batch * pos, d_in]: heads major, d_head minor
    lead,
    outShape: shape,
    put: (y) => copyAs(y, shape),
    dispose() {},
  };
}
