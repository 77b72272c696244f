// CPU references of the tensor-core ops, by name (exported from the package as the namespace `cpu`).
export { matmul } from "./matmul.ts";
export { topk } from "./topk.ts";
export { add, sub, mul, div } from "./binary.ts";
export { scale, affine, copy, relu, reluBackward, gelu, geluBackward } from "./unary.ts";
export { rowSum, rowMean, rowMax, rowL2, colSum } from "./reduce.ts";
export { adam } from "./adam.ts";
export { sumSquares, clipScale } from "./sum_squares.ts";
export { featureStats } from "./feature_stats.ts";
export { featureStatsSparse } from "./fused_feature_stats.ts";
export { fusedActCols } from "./fused_act_cols.ts";
export { embedWithPositions, splitQkv, attnPattern, attnZ, kvAppend } from "./attention.ts";
export { layerNorm } from "./layernorm.ts";
export { softmax } from "./softmax.ts";
export { embedding, gatherRows, scatterRows } from "./gather.ts";
export { sparseDecode, sparseDecodeBackward, sparseEncoderGrad } from "./sparse_decode.ts";
export { l1Backward } from "./l1_backward.ts";
export { scatterTopk } from "./scatter_topk.ts";
export { saeAxpby, saeDot, saeActivation, saeActBackward, saeScatter, saeRowNorm, saeRowScale } from "./sae_train.ts";
