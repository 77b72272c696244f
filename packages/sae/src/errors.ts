// Typed errors of @sae/core. Each message names the file, the field, the hook or the shapes involved, and the
// valid choices where there is a closed list (architectures, releases, SAE ids). CLI/server map them at the edge.
import { SaeError } from "@sae/tensor-core";

/** A cfg.json or config object that is missing a field, has a bad value, or names an unknown architecture. */
export class SaeConfigError extends SaeError {}

/** A checkpoint whose weights are missing a tensor or hold one of the wrong shape/dtype. */
export class CheckpointError extends SaeError {}

/** A release or SAE id that the pretrained registry does not list. */
export class PretrainedNotFoundError extends SaeError {}

/** An SAE spliced at a hook whose activation width differs from the SAE's d_in, or at a hook the model lacks. */
export class HookMismatchError extends SaeError {}
