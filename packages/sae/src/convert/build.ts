// From what a conversion returns (SAELens's cfg_dict, state_dict, log_sparsity) to this package's config and host
// parameters, doing what SAE.from_pretrained does after the loader: handle_config_defaulting (pre-6.0 spellings,
// boolean normalize_activations), the scaling_factor rule of read_sae_components_from_disk, the cast of every
// parameter to cfg.dtype (bfloat16 / float16 values are rounded as torch rounds them; arithmetic here stays f32),
// JumpReLU's threshold (kept as log_threshold), and folding the release's norm_scaling_factor into W_enc, W_dec and
// b_dec when normalize_activations is expected_average_only_in. Transcoders (transcoder, jumprelu_transcoder) are
// held as standard / jumprelu SAEs with `hook_name_out`, `d_out` and `transcoder` in the extra config: their encode
// is the same (no b_dec subtracted: apply_b_dec_to_input is false) and decode predicts the output hook; d_out must
// equal d_in, as in every release.
import { checkFinite, fileTensorShapes } from "../checkpoint_bytes.ts";
import { configFromSaeLens, type SaeConfig } from "../config.ts";
import { CheckpointError, SaeConfigError } from "../errors.ts";
import { roundToDtype } from "./tensors.ts";
import type { Converted } from "./types.ts";

/** An SAE on the host: config, parameters in training-layout names (log_threshold), extra config keys, sparsity. */
export interface HostSae {
  cfg: SaeConfig;
  host: Record<string, Float32Array>;
  extra: Record<string, unknown>;
  sparsity: Float32Array | null;
}

const TRANSCODERS: Record<string, string> = { transcoder: "standard", jumprelu_transcoder: "jumprelu" };

function allOnes(d: Float32Array): boolean {
  return d.every((v) => Math.abs(v - 1) <= 1e-8 + 1e-5);
}

/** `where` names the SAE in errors (repo/path). */
export function buildHostSae(c: Converted, where: string, normScalingFactor?: number): HostSae {
  const raw: Record<string, unknown> = { ...c.cfg };
  const arch = raw.architecture;
  if (typeof arch === "string" && Object.hasOwn(TRANSCODERS, arch)) {
    const d_out = raw.d_out ?? raw.d_in;
    if (d_out !== raw.d_in)
      throw new SaeConfigError(
        `${where}: ${arch} with d_out ${d_out} != d_in ${raw.d_in}: an SAE here decodes to d_in`,
      );
    raw.architecture = TRANSCODERS[arch];
    raw.transcoder = arch;
  }
  if (typeof raw.normalize_activations === "boolean")
    raw.normalize_activations = raw.normalize_activations ? "expected_average_only_in" : "none";
  const { cfg, extra } = configFromSaeLens(raw, where);
  const tensors = new Map(Object.entries(c.tensors));
  const sf = tensors.get("scaling_factor");
  if (sf) {
    if (!allOnes(sf.data))
      throw new CheckpointError(`${where}: a scaling_factor other than 1 (finetuning_scaling_factor) is not supported`);
    tensors.delete("scaling_factor");
  }
  cfg.finetuning_scaling_factor = false;
  const host: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(fileTensorShapes(cfg))) {
    const t = tensors.get(name);
    if (!t)
      throw new CheckpointError(
        `${where}: missing tensor '${name}' [${shape.join(", ")}] (has: ${[...tensors.keys()].join(", ")})`,
      );
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new CheckpointError(
        `${where}: tensor '${name}' has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}] ` +
          `(d_in ${cfg.d_in}, d_sae ${cfg.d_sae})`,
      );
    }
    checkFinite(where, name, shape, t.data);
    host[name] = roundToDtype(t.data, cfg.dtype);
  }
  if (cfg.normalize_activations === "expected_average_only_in" && normScalingFactor !== undefined) {
    // As torch's CPU kernels do: the scalar in f32, division as multiplication by its f32 reciprocal.
    const s = Math.fround(normScalingFactor);
    const inv = Math.fround(1 / s);
    host.W_enc = roundToDtype(
      host.W_enc.map((v) => v * s),
      cfg.dtype,
    );
    host.W_dec = roundToDtype(
      host.W_dec.map((v) => v * inv),
      cfg.dtype,
    );
    host.b_dec = roundToDtype(
      host.b_dec.map((v) => v * inv),
      cfg.dtype,
    );
    cfg.normalize_activations = "none";
  }
  if (host.threshold) {
    host.log_threshold = host.threshold.map(Math.log);
    delete host.threshold;
  }
  return { cfg, host, extra, sparsity: c.sparsity };
}
