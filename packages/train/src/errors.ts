// Typed errors for training: each message names the field, file, line or step involved. The CLI maps them to exit
// codes (user errors -> 2 with no stack; a diverged run -> 1). Built on tensor-core's SaeError.
import { SaeError } from "@sae/tensor-core";

/** A config key, value or flag that is unknown or invalid; the message names the key and a suggestion. */
export class ConfigError extends SaeError {}

/** A dataset that is missing, malformed (file and line named) or too short for one batch. */
export class DatasetError extends SaeError {}

/** Loss became NaN/Inf; the message names the step and the last good checkpoint. */
export class DivergedError extends SaeError {
  readonly step: number;
  constructor(step: number, message: string) {
    super(message);
    this.step = step;
  }
}

/** A checkpoint or trainer-state file that cannot be written or does not match the run. */
export class CheckpointError extends SaeError {}
