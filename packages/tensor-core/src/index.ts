// @sae/tensor-core public surface. Everything a sibling package may use is listed here by name. File-system
// helpers are in @sae/tensor-core/node (src/node.ts), so this entry runs in browsers. The hub client is @sae/hub.
export { acquireAdapter, summarize, type AdapterSummary, type AcquireOptions } from "./adapter.ts";
export { Device, getDevice, params, type Kernel, type Dispatch, type DeviceOptions } from "./device.ts";
export { BufferPool, type PoolStats } from "./pool.ts";
export { Tensor, host, checkDType, output, deviceOf, type HostTensor } from "./tensor.ts";
export { arrayFor, dtypeOf, BYTES_PER_ELEMENT, type DType, type TypedArrayFor, type AnyTypedArray } from "./dtype.ts";
export { numel, fmt, sameShape, checkShape, rowsCols, type Shape } from "./shape.ts";
export { Rng } from "./random.ts";
export { sampleToken, penalizeFrequency } from "./sample_token.ts";
export {
  SaeError,
  ShapeError,
  DTypeError,
  DisposedError,
  LimitError,
  NoAdapterError,
  ShaderCompileError,
  GpuValidationError,
  GpuOutOfMemoryError,
  FormatError,
  CancelledError,
  throwIfCancelled,
} from "./errors.ts";
export { fill } from "./ops/fill.ts";
export { add, sub, mul, div } from "./ops/binary.ts";
export { scale, affine, copy, relu, reluBackward, gelu, geluBackward, type OutOption } from "./ops/unary.ts";
export { exp, tanh } from "./ops/pointwise.ts";
export { rowSum, rowMean, rowMax, rowL2, colSum } from "./ops/reduce.ts";
export { layerNorm, type LayerNormOptions } from "./ops/layernorm.ts";
export { softmax, type SoftmaxOptions } from "./ops/softmax.ts";
export { rowLogSumExp } from "./ops/logsumexp.ts";
export { crossEntropyRows } from "./ops/cross_entropy.ts";
export { klRows } from "./ops/kl.ts";
export { embedding, gatherRows, scatterRows } from "./ops/gather.ts";
export { embeddingPacked } from "./ops/gather_packed.ts";
export { matmul, type MatmulOptions } from "./ops/matmul.ts";
export { matmulPacked, type MatmulPackedOptions } from "./ops/matmul_packed.ts";
export { PackedMatrix, type PackedFormat, type PackOptions } from "./packed.ts";
export { transpose } from "./ops/transpose.ts";
export { topk, TOPK_MAX_COLS, TOPK_MAX_K, type TopkOptions, type TopkResult } from "./ops/topk.ts";
export { scatterTopk } from "./ops/scatter_topk.ts";
export { batchTopk, type BatchTopkOptions, type BatchTopkResult } from "./ops/batch_topk.ts";
export { batchTopkKept } from "./ops/batch_topk_kept.ts";
export { auxDead, type AuxDead } from "./ops/aux_dead.ts";
export { copyWindow, type Window } from "./ops/blocks.ts";
export { l1Backward } from "./ops/l1_backward.ts";
export { latentLists, latentSums, type LatentLists } from "./ops/latent_lists.ts";
export { activeIndices } from "./ops/active_indices.ts";
export {
  sparseDecode,
  sparseDecodeBackward,
  sparseEncoderGrad,
  type SparseDecodeOptions,
  type SparseDecodeBackwardOptions,
  type SparseEncoderGradOptions,
} from "./ops/sparse_decode.ts";
export { adam, type AdamOptions } from "./ops/adam.ts";
export { sumSquares, clipScale, type SumSquaresOptions } from "./ops/sum_squares.ts";
export { featureStats } from "./ops/feature_stats.ts";
export { featureStatsSparse } from "./ops/fused_feature_stats.ts";
export { fusedActCols, type FusedActCols, type FusedActColsOptions, type FusedActColsResult } from "./ops/fused_act_cols.ts";
export { embedWithPositions, splitQkv, attnPattern, attnZ, kvAppend, type AttnPatternOptions } from "./ops/attention.ts";
export { normScale, type NormScaleOptions } from "./ops/norm_scale.ts";
export { rotary } from "./ops/rotary.ts";
export { attnScores, attnZGrouped, type AttnScoresOptions } from "./ops/attn_grouped.ts";
export { activate, ACTIVATION_KINDS, type ActivationKind } from "./ops/activation.ts";
export {
  saeAxpby,
  saeDot,
  saeActivation,
  saeActBackward,
  saeScatter,
  saeRowNorm,
  saeRowScale,
  type SaeDotMode,
  type SaeActivation,
  type SaeActBackward,
  type SaeRowScale,
} from "./ops/sae_train.ts";
export {
  readSafetensors,
  writeSafetensors,
  parseSafetensorsHeader,
  decodeTensor,
  SAFETENSORS_DTYPE_SIZE,
  type SafetensorsDType,
  type SafetensorsData,
  type SafeTensor,
  type Safetensors,
  type SafetensorsEntry,
  type SafetensorsHeader,
  type WritableTensor,
} from "./io/safetensors.ts";
export { f16BitsToNumber, numberToF16Bits, bf16BitsToNumber, numberToBf16Bits } from "./io/half.ts";
