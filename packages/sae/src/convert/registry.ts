// Every conversion SAELens 6.18 applies (NAMED_PRETRAINED_SAE_LOADERS in loading/pretrained_sae_loaders.py), by the
// name pretrained_saes.yaml's conversion_func gives it ("sae_lens" for SAELens's own layout).
import { connorRobHookZ } from "./connor_rob_hook_z.ts";
import { deepseekR1 } from "./deepseek_r1.ts";
import { dictionaryLearning1 } from "./dictionary_learning_1.ts";
import { gemma2 } from "./gemma_2.ts";
import { gemma2Transcoder } from "./gemma_2_transcoder.ts";
import { llamaScope } from "./llama_scope.ts";
import { llamaScopeR1Distill } from "./llama_scope_r1_distill.ts";
import { mntssCltLayerTranscoder } from "./mntss_clt_layer_transcoder.ts";
import { mwhannaTranscoder } from "./mwhanna_transcoder.ts";
import { saeLens } from "./sae_lens.ts";
import { sparsify } from "./sparsify.ts";
import type { Converter } from "./types.ts";

export const CONVERSIONS = {
  sae_lens: saeLens,
  connor_rob_hook_z: connorRobHookZ,
  gemma_2: gemma2,
  llama_scope: llamaScope,
  llama_scope_r1_distill: llamaScopeR1Distill,
  dictionary_learning_1: dictionaryLearning1,
  deepseek_r1: deepseekR1,
  sparsify,
  gemma_2_transcoder: gemma2Transcoder,
  mwhanna_transcoder: mwhannaTranscoder,
  mntss_clt_layer_transcoder: mntssCltLayerTranscoder,
} satisfies Record<string, Converter>;

export type ConversionName = keyof typeof CONVERSIONS;

export function isConversionName(name: string): name is ConversionName {
  return Object.hasOwn(CONVERSIONS, name);
}
