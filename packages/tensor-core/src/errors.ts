// Typed errors for the tensor core. Every message names the op, the shapes, the dtype or the limit involved.
// Callers at the edge (CLI, server) map these to exit codes and HTTP statuses; nothing here returns null on failure.

export class SaeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit together, e.g. matmul [3,4] x [5,6]. */
export class ShapeError extends SaeError {}

/** A tensor of the wrong element type, e.g. indices passed as f32. */
export class DTypeError extends SaeError {}

/** A tensor used after dispose(). */
export class DisposedError extends SaeError {}

/** A request past a device limit (buffer size, workgroup count) or an argument out of its range (k > row). */
export class LimitError extends SaeError {}

/** No WebGPU adapter: the message says how to install a driver. */
export class NoAdapterError extends SaeError {}

/** WGSL that failed to compile; the message has line:col and the offending source lines. */
export class ShaderCompileError extends SaeError {
  readonly kernel: string;
  constructor(kernel: string, message: string) {
    super(`WGSL compile error in kernel '${kernel}':\n${message}`);
    this.kernel = kernel;
  }
}

/** A WebGPU validation error caught by an error scope (these never throw by themselves). */
export class GpuValidationError extends SaeError {}

/** The device ran out of memory while allocating. */
export class GpuOutOfMemoryError extends SaeError {}

/** A file that is truncated, malformed or missing a field; the message names the file and the field. */
export class FormatError extends SaeError {}

/** Work stopped because its AbortSignal fired (e.g. the HTTP client went away); the run's tensors are freed. */
export class CancelledError extends SaeError {}

/** Throws CancelledError naming `what` when `signal` has fired; the check long loops run between steps. */
export function throwIfCancelled(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new CancelledError(`${what}: cancelled (its AbortSignal fired)`);
}
