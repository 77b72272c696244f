// One layer of mntss's cross-layer transcoders as a single-layer transcoder (conversion
// "mntss_clt_layer_transcoder", SAELens's mntss_clt_layer_huggingface_loader; `path` is the layer number N):
// config.yaml (model_name, feature_input_hook, feature_output_hook), W_enc_N.safetensors (W_enc_N [d_sae, d_in],
// b_enc_N, b_dec_N) and W_dec_N.safetensors (W_dec_N [d_sae, n_out_layers, d_out], summed over the output layers).
// As SAELens warns: the summed decoder is for finding feature activations, not for reconstruction. SAELens reads
// d_in / d_sae from the encoder file's header by HTTP range requests; here the downloaded file's header is read.
import { need, readSafetensorsHost, readText, sumAxis1, transpose } from "./tensors.ts";
import type { Converter } from "./types.ts";
import { parseYamlMapping } from "./yaml_lite.ts";

export const mntssCltLayerTranscoder: Converter = {
  files: (_repo, path) => ({
    required: ["config.yaml", `W_enc_${path}.safetensors`, `W_dec_${path}.safetensors`],
    optional: [],
  }),
  async load({ path, overrides, read }) {
    const yaml = await read("config.yaml");
    const info = parseYamlMapping(readText(yaml), yaml.name);
    const encSrc = await read(`W_enc_${path}.safetensors`);
    const decSrc = await read(`W_dec_${path}.safetensors`);
    const [encFile, decFile] = [encSrc.name, decSrc.name];
    const enc = readSafetensorsHost(encSrc);
    const dec = readSafetensorsHost(decSrc);
    const b_dec = need(enc, `b_dec_${path}`, encFile);
    const b_enc = need(enc, `b_enc_${path}`, encFile);
    const cfg = {
      architecture: "transcoder",
      d_in: b_dec.shape[0],
      d_out: b_dec.shape[0],
      d_sae: b_enc.shape[0],
      dtype: "float32",
      activation_fn: "relu",
      normalize_activations: "none",
      model_name: info.model_name,
      hook_name: `blocks.${path}.${info.feature_input_hook}`,
      hook_name_out: `blocks.${path}.${info.feature_output_hook}`,
      apply_b_dec_to_input: false,
      model_from_pretrained_kwargs: { fold_ln: false },
      ...overrides,
    };
    const tensors = {
      W_enc: transpose(need(enc, `W_enc_${path}`, encFile), `${encFile}: W_enc_${path}`),
      b_enc,
      b_dec,
      W_dec: sumAxis1(need(dec, `W_dec_${path}`, decFile), `${decFile}: W_dec_${path}`),
    };
    return { cfg, tensors, sparsity: null };
  },
};
