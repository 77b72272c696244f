// Weight processing as TransformerLens applies it in HookedTransformer.from_pretrained (its defaults are all on),
// for every family: fold each norm's weight (and LayerNorm's bias) into the weights that read its output (centring
// those for LayerNorm), centre the weights that write to the residual stream (LayerNorm models only), centre the
// unembedding (not with a final logit soft cap), and fold the value bias into b_O. TransformerLens skips the same
// steps where they would change the model. None changes the log-probs; activations change (see the README).
// Host-side, pure, returns copies. Gemma 2's post norms are never folded (TransformerLens neither).
import { blockToGpt2, paramsFromGpt2 } from "../families/gpt2/family.ts";
import type { ModelConfig } from "./arch.ts";
import { clone, type BlockParams, type ModelParams } from "./params.ts";
import type { Gpt2Params, HostParam } from "./weights.ts";

export interface ProcessOptions {
  foldLn: boolean;
  centerWritingWeights: boolean;
  centerUnembed: boolean;
  foldValueBiases: boolean;
}

/** TransformerLens from_pretrained defaults; the pretrained GPT-2 SAEs (gpt2-small-res-jb) assume these. */
export const TRANSFORMER_LENS_DEFAULTS: ProcessOptions = { foldLn: true, centerWritingWeights: true, centerUnembed: true, foldValueBiases: true };

/** The checkpoint as Hugging Face computes it (activations match HF's modeling code). */
export const NO_PROCESSING: ProcessOptions = { foldLn: false, centerWritingWeights: false, centerUnembed: false, foldValueBiases: false };

/** What processing needs to know of the architecture. */
export type ProcessArch = Pick<ModelConfig, "norm" | "nHeads" | "nKvHeads" | "finalSoftcap">;

const ones = (n: number): HostParam => ({ shape: [n], data: new Float32Array(n).fill(1) });
const zerosOf = (n: number): HostParam => ({ shape: [n], data: new Float32Array(n) });

/** W [d_in, d_out] read from norm(x)*w + b: W' = diag(w) W, b' = b_W + b @ W; LayerNorm: columns centred over d_in. */
function foldInto(w: HostParam, b: HostParam, W: HostParam, bias: HostParam, center: boolean): void {
  const [dIn, dOut] = W.shape;
  for (let i = 0; i < dIn; i++) {
    for (let j = 0; j < dOut; j++) {
      bias.data[j] += b.data[i] * W.data[i * dOut + j];
      W.data[i * dOut + j] *= w.data[i];
    }
  }
  if (center) centerColumns(W);
}

/** Subtracts from each column of a row-major [rows, cols] matrix its mean over rows. */
function centerColumns(W: HostParam): void {
  const [rows, cols] = W.shape;
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += W.data[i * cols + j];
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) W.data[i * cols + j] -= mean[j] / rows;
}

/** Subtracts from each row of a row-major [rows, cols] matrix (or a vector, one row) its mean. */
function centerRows(W: HostParam): void {
  const cols = W.shape[W.shape.length - 1];
  const rows = W.data.length / cols;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += W.data[i * cols + j];
    for (let j = 0; j < cols; j++) W.data[i * cols + j] -= s / cols;
  }
}

function cloneBlock(src: BlockParams): BlockParams {
  return Object.fromEntries(Object.entries(src).map(([k, v]) => [k, clone(v as HostParam)])) as unknown as BlockParams;
}

function processBlock(src: BlockParams, o: ProcessOptions, a: ProcessArch, D: number): BlockParams {
  const b = cloneBlock(src);
  const ln = a.norm === "layernorm";
  if (o.foldLn) {
    for (const [W, bias] of [[b.W_Q, b.b_Q], [b.W_K, b.b_K], [b.W_V, b.b_V]]) foldInto(b.ln1W, b.ln1B, W, bias, ln);
    foldInto(b.ln2W, b.ln2B, b.W_in, b.b_in, ln);
    if (b.W_gate && b.b_gate) foldInto(b.ln2W, b.ln2B, b.W_gate, b.b_gate, ln);
    b.ln1W = ones(D);
    b.ln1B = zerosOf(D);
    b.ln2W = ones(D);
    b.ln2B = zerosOf(D);
  }
  if (o.centerWritingWeights && ln) {
    for (const p of [b.W_O, b.b_O, b.W_out, b.b_out]) centerRows(p);
  }
  if (o.foldValueBiases) {
    // b_O += sum_h b_V[kv head of h] @ W_O[h]: pattern rows sum to one, so the value bias reaches the output as is.
    const dHead = b.W_O.shape[0] / a.nHeads;
    const group = a.nHeads / a.nKvHeads;
    for (let j = 0; j < D; j++) {
      let s = 0;
      for (let h = 0; h < a.nHeads; h++) {
        const kv = Math.floor(h / group);
        for (let d = 0; d < dHead; d++) s += b.b_V.data[kv * dHead + d] * b.W_O.data[(h * dHead + d) * D + j];
      }
      b.b_O.data[j] += s;
    }
    b.b_V.data.fill(0);
  }
  return b;
}

/**
 * Processed copies of the params (the input is not modified), skipping what TransformerLens skips for the arch.
 * With every option off the input itself comes back (no copy of a large model's weights).
 */
export function processParams(p: ModelParams, a: ProcessArch, o: ProcessOptions): ModelParams {
  if (!o.foldLn && !o.centerWritingWeights && !o.centerUnembed && !o.foldValueBiases) return p;
  const [V, D] = p.W_E.shape;
  const ln = a.norm === "layernorm";
  const out: ModelParams = {
    W_E: clone(p.W_E),
    ...(p.W_pos ? { W_pos: clone(p.W_pos) } : {}),
    blocks: p.blocks.map((b) => processBlock(b, o, a, D)),
    lnFW: clone(p.lnFW),
    lnFB: clone(p.lnFB),
    W_U_T: clone(p.W_U_T),
    b_U: clone(p.b_U),
  };
  if (o.foldLn) {
    // logits = (n * w + b) @ U^T + b_U: fold into U^T's rows; LayerNorm: then centre each vocab row over d_model.
    for (let v = 0; v < V; v++) {
      let s = 0;
      for (let i = 0; i < D; i++) {
        s += out.lnFB.data[i] * out.W_U_T.data[v * D + i];
        out.W_U_T.data[v * D + i] *= out.lnFW.data[i];
      }
      out.b_U.data[v] += s;
    }
    if (ln) centerRows(out.W_U_T);
    out.lnFW = ones(D);
    out.lnFB = zerosOf(D);
  }
  if (o.centerWritingWeights && ln) {
    centerRows(out.W_E);
    if (out.W_pos) centerRows(out.W_pos);
  }
  if (o.centerUnembed && a.finalSoftcap === 0) {
    centerColumns(out.W_U_T); // W_U [d_model, d_vocab] minus its mean over d_vocab
    centerRows(out.b_U);
  }
  return out;
}

/** GPT-2's params (fused QKV) processed the same way; the input is not modified. */
export function processWeights(p: Gpt2Params, o: ProcessOptions): Gpt2Params {
  const arch: ProcessArch = { norm: "layernorm", nHeads: 1, nKvHeads: 1, finalSoftcap: 0 };
  const { W_pos, ...rest } = processParams(paramsFromGpt2(p), arch, o);
  return { ...rest, W_pos: W_pos!, blocks: rest.blocks.map(blockToGpt2) };
}
