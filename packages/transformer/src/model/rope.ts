// Rotary angles on the host: inverse frequencies as Hugging Face computes them in float32 (with Llama 3's
// rope_scaling when the config has it), and the cos/sin tables [pos, rotaryDim / 2] for positions posOffset.. that
// tensor-core's rotary op reads (positions divided by GPT-NeoX's linear rope_scaling factor first). Not the rotation itself (tensor-core ops/rotary.ts).
import type { ModelConfig } from "./arch.ts";

const f32 = Math.fround;

/** inv_freq[i] = 1 / base^(2i / rotaryDim), rounded to f32 at each step as torch does, then Llama 3 scaling. */
export function rotaryInvFreq(cfg: Pick<ModelConfig, "rotaryDim" | "rotaryBase" | "ropeScaling">): Float32Array {
  const half = cfg.rotaryDim / 2;
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) inv[i] = f32(1 / f32(cfg.rotaryBase ** f32((2 * i) / cfg.rotaryDim)));
  const s = cfg.ropeScaling;
  if (!s) return inv;
  // transformers modeling_rope_utils._compute_llama3_parameters
  const lowWavelen = s.originalMaxPositions / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositions / s.highFreqFactor;
  for (let i = 0; i < half; i++) {
    const wavelen = (2 * Math.PI) / inv[i];
    const scaled = wavelen > lowWavelen ? inv[i] / s.factor : inv[i];
    if (wavelen < highWavelen || wavelen > lowWavelen) {
      inv[i] = scaled;
      continue;
    }
    const smooth = (s.originalMaxPositions / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    inv[i] = (1 - smooth) * (scaled / s.factor) + smooth * scaled;
  }
  return inv;
}

/**
 * cos and sin [pos, rotaryDim / 2] of ((posOffset + t) / linearFactor) * inv_freq, each step rounded to f32 as torch
 * does (GPTNeoXLinearScalingRotaryEmbedding divides the f32 positions by the factor; 1 leaves them exact).
 */
export function rotaryTables(
  invFreq: Float32Array,
  posOffset: number,
  pos: number,
  linearFactor = 1,
): Record<"cos" | "sin", Float32Array> {
  const half = invFreq.length;
  const cos = new Float32Array(pos * half);
  const sin = new Float32Array(pos * half);
  for (let t = 0; t < pos; t++) {
    for (let i = 0; i < half; i++) {
      const a = f32(f32((posOffset + t) / linearFactor) * invFreq[i]);
      cos[t * half + i] = Math.cos(a);
      sin[t * half + i] = Math.sin(a);
    }
  }
  return { cos, sin };
}
