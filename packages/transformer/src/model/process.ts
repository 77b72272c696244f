// Weight processing as TransformerLens applies it in HookedTransformer.from_pretrained (its defaults are all on):
// fold each LayerNorm's scale and bias into the weights that read its output (and centre those reading weights),
// centre the weights that write to the residual stream, centre the unembedding, and fold the value bias into b_O.
// None of these changes the model's log-probs; they change activations (the residual stream loses its mean over
// d_model, hook_v/hook_z lose b_V) and logits (shifted by a per-position constant). Host-side, pure, returns copies.
import type { Gpt2Block, Gpt2Params, HostParam } from "./weights.ts";

export interface ProcessOptions {
  foldLn: boolean;
  centerWritingWeights: boolean;
  centerUnembed: boolean;
  foldValueBiases: boolean;
}

/** TransformerLens from_pretrained defaults; the pretrained GPT-2 SAEs (gpt2-small-res-jb) assume these. */
export const TRANSFORMER_LENS_DEFAULTS: ProcessOptions = { foldLn: true, centerWritingWeights: true, centerUnembed: true, foldValueBiases: true };

/** The checkpoint as Hugging Face computes it (activations match HF GPT2Model). */
export const NO_PROCESSING: ProcessOptions = { foldLn: false, centerWritingWeights: false, centerUnembed: false, foldValueBiases: false };

const clone = (p: HostParam): HostParam => ({ shape: [...p.shape], data: p.data.slice() });
const ones = (n: number): HostParam => ({ shape: [n], data: new Float32Array(n).fill(1) });
const zeros = (n: number): HostParam => ({ shape: [n], data: new Float32Array(n) });

/** W [d_in, d_out] read from LN(x)*w + b: W' = diag(w) W, b' = b_W + b @ W, then each column centred over d_in. */
function foldInto(w: HostParam, b: HostParam, W: HostParam, bias: HostParam): void {
  const [dIn, dOut] = W.shape;
  for (let i = 0; i < dIn; i++) {
    for (let j = 0; j < dOut; j++) {
      bias.data[j] += b.data[i] * W.data[i * dOut + j];
      W.data[i * dOut + j] *= w.data[i];
    }
  }
  centerColumns(W);
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

function processBlock(src: Gpt2Block, o: ProcessOptions, D: number): Gpt2Block {
  const b: Gpt2Block = Object.fromEntries(Object.entries(src).map(([k, v]) => [k, clone(v)])) as unknown as Gpt2Block;
  if (o.foldLn) {
    foldInto(b.ln1W, b.ln1B, b.W_QKV, b.b_QKV);
    foldInto(b.ln2W, b.ln2B, b.W_in, b.b_in);
    b.ln1W = ones(D);
    b.ln1B = zeros(D);
    b.ln2W = ones(D);
    b.ln2B = zeros(D);
  }
  if (o.centerWritingWeights) {
    for (const p of [b.W_O, b.b_O, b.W_out, b.b_out]) centerRows(p);
  }
  if (o.foldValueBiases) {
    // b_O += b_V @ W_O: the pattern's rows sum to one, so the value bias reaches the output unchanged.
    for (let j = 0; j < D; j++) {
      let s = 0;
      for (let i = 0; i < D; i++) s += b.b_QKV.data[2 * D + i] * b.W_O.data[i * D + j];
      b.b_O.data[j] += s;
    }
    b.b_QKV.data.fill(0, 2 * D, 3 * D);
  }
  return b;
}

/** Returns processed copies of the params; the input is not modified. */
export function processWeights(p: Gpt2Params, o: ProcessOptions): Gpt2Params {
  const D = p.W_E.shape[1];
  const V = p.W_E.shape[0];
  const out: Gpt2Params = {
    W_E: clone(p.W_E),
    W_pos: clone(p.W_pos),
    blocks: p.blocks.map((b) => processBlock(b, o, D)),
    lnFW: clone(p.lnFW),
    lnFB: clone(p.lnFB),
    W_U_T: clone(p.W_U_T),
    b_U: clone(p.b_U),
  };
  if (o.foldLn) {
    // logits = (n * w + b) @ U^T + b_U: fold into U^T's rows, then centre each vocab row over d_model.
    for (let v = 0; v < V; v++) {
      let s = 0;
      for (let i = 0; i < D; i++) {
        s += out.lnFB.data[i] * out.W_U_T.data[v * D + i];
        out.W_U_T.data[v * D + i] *= out.lnFW.data[i];
      }
      out.b_U.data[v] += s;
    }
    centerRows(out.W_U_T);
    out.lnFW = ones(D);
    out.lnFB = zeros(D);
  }
  if (o.centerWritingWeights) {
    centerRows(out.W_E);
    centerRows(out.W_pos);
  }
  if (o.centerUnembed) {
    centerColumns(out.W_U_T); // W_U [d_model, d_vocab] minus its mean over d_vocab
    centerRows(out.b_U);
  }
  return out;
}
