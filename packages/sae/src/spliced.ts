// SAEs spliced into a language model (SAELens' HookedSAETransformer): each attached SAE replaces the activation at
// its hook point with its reconstruction (or, with the error term, reconstruction + (x - reconstruction), so the
// model's output is unchanged), and runWithCacheWithSaes exposes `<hook>.hook_sae_input`, `.hook_sae_acts_post`,
// `.hook_sae_recons`, `.hook_sae_error` and `.hook_sae_output`. Works with any model that has the hook interface
// below (HookedTransformer does); @sae/core never imports @sae/transformer. At a hook_z point the activation
// [batch, pos, n_heads, d_head] is read as [batch * pos, n_heads * d_head] (the SAE's d_in) and the result gets the
// 4-D shape back; as in SAELens, input/acts/recons are cached flat ([batch, pos, d_in]) and error/output 4-D.
import { saeAxpby, Tensor } from "@sae/tensor-core";
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
}

/** The part of an SAE that splicing needs (Sae has it). */
export interface SpliceableSae {
  readonly cfg: { d_in: number; d_sae: number; hook_name: string };
  encode(x: Tensor): Promise<Tensor>; // [n, d_in] -> [n, d_sae]
  decode(f: Tensor): Tensor; // [n, d_sae] -> [n, d_in]
}

export interface SpliceOptions {
  /** Hook point; defaults to the SAE's cfg.hook_name. */
  hookName?: string;
  /** Add x - x_hat back so the model's output is unchanged (the SAE's internals are still observable). */
  errorTerm?: boolean;
}

export const SAE_HOOKS = ["hook_sae_input", "hook_sae_acts_post", "hook_sae_recons", "hook_sae_error", "hook_sae_output"] as const;

interface Attached {
  sae: SpliceableSae;
  errorTerm: boolean;
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

  constructor(model: HookableModel<I>) {
    this.model = model;
  }

  /** Attaches an SAE at its hook point (replacing any SAE already there). */
  attach(sae: SpliceableSae, opts: SpliceOptions = {}): this {
    const hook = opts.hookName ?? sae.cfg.hook_name;
    const names = this.model.hookNames();
    if (!names.includes(hook)) throw new HookMismatchError(`cannot attach an SAE at '${hook}': the model has no such hook point; valid: ${names.join(", ")}`);
    this.saes.set(hook, { sae, errorTerm: opts.errorTerm ?? false });
    return this;
  }

  /** Removes the SAE at `hookName`, or every SAE. */
  detach(hookName?: string): this {
    if (hookName === undefined) this.saes.clear();
    else this.saes.delete(hookName);
    return this;
  }

  get attached(): string[] {
    return [...this.saes.keys()];
  }

  /** Model output with the attached SAEs spliced in, plus any extra hooks (run on the model's activations). */
  run(input: I, hooks: Readonly<Record<string, SpliceHook>> = {}): Promise<Tensor> {
    return this.model.runWithHooks(input, this.hooks(hooks, null, new Set()));
  }

  /**
   * Runs with the SAEs spliced in and returns copies of the named activations: model hook names (the activation
   * the model produced, before any SAE) and `<hook>.hook_sae_*` names of attached SAEs. The caller disposes them.
   */
  async runWithCacheWithSaes(input: I, opts: { names?: readonly string[] } = {}): Promise<{ output: Tensor; cache: Map<string, Tensor> }> {
    const cache = new Map<string, Tensor>();
    const names = new Set(opts.names ?? this.defaultNames());
    for (const n of names) {
      const base = n.replace(/\.hook_sae_[a-z_]+$/, "");
      if (n !== base && !this.saes.has(base)) throw new HookMismatchError(`cannot cache '${n}': no SAE is attached at '${base}' (attached: ${this.attached.join(", ") || "none"})`);
    }
    const output = await this.model.runWithHooks(input, this.hooks({}, cache, names));
    return { output, cache };
  }

  private defaultNames(): string[] {
    return this.attached.flatMap((h) => SAE_HOOKS.map((s) => `${h}.${s}`));
  }

  private hooks(extra: Readonly<Record<string, SpliceHook>>, cache: Map<string, Tensor> | null, names: Set<string>): Record<string, SpliceHook> {
    const out: Record<string, SpliceHook> = { ...extra };
    const wanted = (n: string) => cache !== null && names.has(n);
    for (const n of names) {
      if (n.includes(".hook_sae_") || this.saes.has(n) || n in out) continue;
      out[n] = (act) => void cache?.set(n, copyAs(act, act.shape));
    }
    for (const [hook, { sae, errorTerm }] of this.saes) {
      const user = extra[hook];
      out[hook] = async (act0, ctx) => {
        const act = ((await user?.(act0, ctx)) as Tensor | undefined) ?? act0;
        if (wanted(hook)) cache?.set(hook, copyAs(act, act.shape));
        const d_in = sae.cfg.d_in;
        const last = act.shape[act.shape.length - 1];
        const hookZ = isHookZ(hook, act.shape, d_in);
        if (last !== d_in && !hookZ) {
          const z = hook.endsWith("_z") ? ` (a hook_z SAE needs n_heads * d_head = ${d_in}, got ${act.shape.slice(-2).join(" * ")})` : "";
          throw new HookMismatchError(`SAE at '${hook}' has d_in ${d_in} but the activation there is ${last} wide (shape [${act.shape.join(", ")}])${z}`);
        }
        const lead = act.shape.slice(0, hookZ ? -2 : -1); // [batch, pos]
        const x = act.reshape([act.size / d_in, d_in]); // [batch * pos, d_in]: heads major, d_head minor
        const f = await sae.encode(x); // [n, d_sae]
        const recons = sae.decode(f); // [n, d_in]
        const err = errorTerm || wanted(`${hook}.hook_sae_error`) ? saeAxpby(x, recons, null, 1, -1, 0) : null;
        const result = Tensor.empty(act.device, act.shape, "f32", `${hook} spliced`);
        saeAxpby(recons, err, null, 1, errorTerm ? 1 : 0, 0, { out: result.reshape([x.shape[0], d_in]) });
        const put = (name: string, t: Tensor | null, shape: readonly number[]) => {
          if (t && wanted(`${hook}.${name}`)) cache?.set(`${hook}.${name}`, copyAs(t, shape));
        };
        put("hook_sae_input", x, [...lead, d_in]);
        put("hook_sae_acts_post", f, [...lead, sae.cfg.d_sae]);
        put("hook_sae_recons", recons, [...lead, d_in]);
        put("hook_sae_error", err, act.shape); // [batch, pos, n_heads, d_head] at hook_z
        put("hook_sae_output", result, act.shape);
        for (const t of [f, recons, err]) t?.dispose();
        if (act !== act0) act.dispose();
        return result;
      };
    }
    return out;
  }
}
