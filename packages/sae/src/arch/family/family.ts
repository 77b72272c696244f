// What the TopK family (topk, batchtopk, matryoshka_batchtopk; SAELens 6.18 topk_sae.py and its subclasses) shares:
// rescale_acts_by_decoder_norm (select on pre * ||W_dec[i]||, decode f / ||W_dec[i]||: the norms cancel in the
// reconstruction, so gradients flow as if f were the selected ReLU(pre)), and the dense step: decode, MSE, aux-k,
// Matryoshka's nested prefix reconstructions, and the masked backward (gradient only where f > 0). The per-row
// sparse TopK step is topk/sparse.ts.
import {
  div,
  fill,
  matmul,
  mul,
  saeActBackward,
  saeAxpby,
  saeScatter,
  sparseDecode,
  sparseDecodeBackward,
  Tensor,
} from "@sae/tensor-core";
import type { SaeModel, SaeParams, TrainContext, TrainStep } from "../contract.ts";
import { auxK } from "./auxk.ts";
import { addColSum, colSum, decode, decoderBackward, decoderNorms, disposeAll, encoderBackward, mse, total } from
  "../common.ts";

export function preActs(m: SaeModel, saeIn: Tensor): Tensor {
  return matmul(saeIn, m.params.W_enc, { bias: m.params.b_enc }); // [batch, d_sae]
}

/** Selection scores: pre * ||W_dec[i]|| with rescale_acts_by_decoder_norm (and the norms [d_sae]), else pre. */
export function scores(m: SaeModel, pre: Tensor): { hp: Tensor; norms: Tensor | null } {
  if (!m.cfg.rescale_acts_by_decoder_norm) return { hp: pre, norms: null };
  const norms = decoderNorms(m);
  return { hp: mul(pre, norms), norms };
}

/** f / ||W_dec[i]|| when norms are given (a new tensor), else f itself. [batch, d_sae] */
export function unscaled(f: Tensor, norms: Tensor | null): Tensor {
  return norms ? div(f, norms) : f;
}

/** The activations of one family step. f: what SAELens reports (on the score scale); f0: what is decoded. */
/** Inference decode of the family: (f / ||W_dec[i]|| when rescaling) W_dec + b_dec. */
export function familyDecode(m: SaeModel, f: Tensor): Tensor {
  if (!m.cfg.rescale_acts_by_decoder_norm) return decode(m, f);
  const norms = decoderNorms(m);
  const f0 = div(f, norms);
  const out = decode(m, f0);
  disposeAll([norms, f0]);
  return out;
}

export interface FamilyActs {
  pre: Tensor; // [batch, d_sae] sae_in W_enc + b_enc
  hp: Tensor; // [batch, d_sae] selection scores (hidden_pre as SAELens reports it)
  norms: Tensor | null; // [d_sae]
  f: Tensor; // [batch, d_sae]
  f0: Tensor; // [batch, d_sae]
}

/** [d_sae] with ones on the first `width` latents. */
function prefixMask(m: SaeModel, width: number): Tensor {
  const v = new Float32Array(m.cfg.d_sae);
  v.fill(1, 0, width);
  return Tensor.from(m.device, [m.cfg.d_sae], v, `matryoshka mask ${width}`);
}

/**
 * Decode, MSE, aux-k, Matryoshka levels (`widths` but the last: inner_mse_loss_<w> of f0[:, :w] W_dec[:w] + b_dec),
 * and the masked backward. With `sparse` (per-row top-k: values0 [batch, k] decoded at indices [batch, k]),
 * decode and the decoder backward touch only the k active rows of W_dec.
 */
export interface FamilyOptions {
  sparse?: { values: Tensor; indices: Tensor };
  widths?: number[];
}

export function familyStep(m: SaeModel, x: Tensor, saeIn: Tensor, a: FamilyActs, ctx: TrainContext, opts: FamilyOptions = {}): TrainStep {
  const { sparse } = opts;
  const saeOut = sparse
    ? sparseDecode(sparse.values, sparse.indices, m.params.W_dec, { bias: m.params.b_dec })
    : decode(m, a.f0);
  const { loss: mseLoss, grad: gOut } = mse(m, saeOut, x);
  const aux = auxK(m, a.hp, x, saeOut, ctx, a.norms);
  const auxLoss = aux?.loss ?? fill(Tensor.empty(m.device, [1], "f32", "aux loss"), 0);
  const levels = (opts.widths ?? []).slice(0, -1).map((w) => {
    const mask = prefixMask(m, w);
    const fw = mul(a.f0, mask); // [batch, d_sae], zero past w
    const inner = decode(m, fw);
    const { loss, grad } = mse(m, inner, x);
    inner.dispose();
    return { w, mask, fw, loss, grad };
  });
  const loss = total([mseLoss, auxLoss, ...levels.map((l) => l.loss)]);
  const losses: Record<string, Tensor> = { mse_loss: mseLoss, auxiliary_reconstruction_loss: auxLoss };
  for (const l of levels) losses[`inner_mse_loss_${l.w}`] = l.loss;
  return {
    out: { loss, losses, featureActs: a.f, hiddenPre: a.hp, saeOut, active: sparse },
    backward(): SaeParams {
      const grads: SaeParams = {};
      let gMain: Tensor;
      if (sparse) {
        const { gradValues, gradWdec } = sparseDecodeBackward(gOut, sparse.values, sparse.indices, m.params.W_dec);
        grads.W_dec = gradWdec;
        grads.b_dec = colSum(gOut);
        const gV = saeActBackward("mask", gradValues, sparse.values); // [batch, k]
        gMain = fill(Tensor.empty(m.device, a.f.shape, "f32", "g_pre"), 0);
        saeScatter(gV, sparse.indices, gMain, false);
        disposeAll([gradValues, gV]);
      } else {
        let gF = decoderBackward(m, a.f0, gOut, grads);
        for (const l of levels) {
          matmul(l.fw, l.grad, { transA: true, accumulate: true, out: grads.W_dec });
          addColSum(l.grad, grads.b_dec);
          const back = matmul(l.grad, m.params.W_dec, { transB: true });
          const masked = mul(back, l.mask);
          const next = saeAxpby(gF, masked, null, 1, 1, 0);
          disposeAll([back, masked, gF]);
          gF = next;
        }
        gMain = saeActBackward("mask", gF, a.f);
        gF.dispose();
      }
      const ga = aux?.backward(grads) ?? null;
      const gPre = ga ? saeActBackward("maskAdd", ga.gA, ga.A, { c: gMain }) : gMain;
      grads.b_enc = colSum(gPre);
      encoderBackward(m, saeIn, gPre, grads.b_enc, grads);
      disposeAll([ga?.gA, gMain, gPre]);
      return grads;
    },
    dispose: () => {
      aux?.dispose();
      for (const l of levels) disposeAll([l.mask, l.fw, l.loss, l.grad]);
      disposeAll([saeIn, gOut, loss, mseLoss, auxLoss, a.f, a.f0, a.pre, a.hp, a.norms, saeOut]);
      disposeAll([sparse?.values, sparse?.indices]);
    },
  };
}
