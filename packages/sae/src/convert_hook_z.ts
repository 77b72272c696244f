// Conversion of the Kissane & Krzyzanowski attention-output SAEs (release gpt2-small-hook-z-kk, SAELens conversion
// "connor_rob_hook_z") from their original files: `<run>.pt`, a torch.save'd state_dict with W_enc [act_size,
// dict_size], W_dec [dict_size, act_size], b_enc [dict_size], b_dec [act_size] (already our standard layout), and
// `<run>_cfg.json`, the training config (act_size = n_heads * d_head, dict_size, act_name, layer). The SAE reads
// blocks.L.attn.hook_z [batch, pos, n_heads, d_head] flattened to [batch * pos, n_heads * d_head] (heads major,
// d_head minor), which SplicedModel does for hook_z SAEs. Not here: reading the .pt itself (torch_pt.ts).
import { existsSync, readFileSync } from "node:fs";
import { parseJson } from "./checkpoint_bytes.ts";
import { makeConfig, type SaeConfig } from "./config.ts";
import { CheckpointError, SaeConfigError } from "./errors.ts";
import { readTorchStateDict } from "./torch_pt.ts";

function field(raw: Record<string, unknown>, key: string, file: string, kind: "number"): number;
function field(raw: Record<string, unknown>, key: string, file: string, kind: "string"): string;
function field(raw: Record<string, unknown>, key: string, file: string, kind: "number" | "string"): number | string {
  const v = raw[key];
  if (typeof v !== kind || (kind === "number" && !Number.isInteger(v))) {
    throw new SaeConfigError(`${file}: field '${key}' must be ${kind === "number" ? "an integer" : "a string"}, got ${JSON.stringify(v)}`);
  }
  return v as number | string;
}

/** Our config for a run's original training config (the values SAELens' conversion fills in). */
export function hookZConfig(raw: unknown, file = "cfg.json"): SaeConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new SaeConfigError(`${file}: expected a JSON object`);
  const o = raw as Record<string, unknown>;
  const hook = field(o, "act_name", file, "string");
  if (!hook.endsWith("hook_z")) throw new SaeConfigError(`${file}: field 'act_name' is '${hook}', expected a blocks.L.attn.hook_z hook`);
  return makeConfig({
    architecture: "standard",
    d_in: field(o, "act_size", file, "number"),
    d_sae: field(o, "dict_size", file, "number"),
    model_name: "gpt2-small",
    hook_name: hook,
    hook_layer: field(o, "layer", file, "number"),
    hook_head_index: null,
    apply_b_dec_to_input: true,
    normalize_activations: "none",
    context_size: 128,
    prepend_bos: true,
    dataset_path: "Skylion007/openwebtext",
    l1_coefficient: typeof o.l1_coeff === "number" ? o.l1_coeff : 1,
  });
}

/** Host parameters from the original state_dict, checked against the config's shapes. */
export function hookZWeights(bytes: Uint8Array, cfg: SaeConfig, file: string): Record<string, Float32Array> {
  const tensors = readTorchStateDict(bytes, file);
  const want: Record<string, number[]> = { W_enc: [cfg.d_in, cfg.d_sae], W_dec: [cfg.d_sae, cfg.d_in], b_enc: [cfg.d_sae], b_dec: [cfg.d_in] };
  const host: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(want)) {
    const t = tensors.get(name);
    if (!t) throw new CheckpointError(`${file}: missing tensor '${name}' [${shape.join(", ")}] (has: ${[...tensors.keys()].join(", ")})`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new CheckpointError(`${file}: tensor '${name}' has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}] (act_size ${cfg.d_in}, dict_size ${cfg.d_sae} in the run's _cfg.json)`);
    }
    host[name] = t.data;
  }
  return host;
}

/** A run's two original files read to the host (config and parameters); loadHookZ (load.ts) uploads them. */
export function readHookZ(weightsPath: string, cfgPath: string): { cfg: SaeConfig; host: Record<string, Float32Array> } {
  for (const p of [weightsPath, cfgPath]) if (!existsSync(p)) throw new CheckpointError(`${p}: file not found (a hook_z run needs <run>.pt and <run>_cfg.json)`);
  const raw = parseJson(readFileSync(cfgPath, "utf8"), cfgPath);
  const cfg = hookZConfig(raw, cfgPath);
  return { cfg, host: hookZWeights(new Uint8Array(readFileSync(weightsPath)), cfg, weightsPath) };
}
