// The GPU queue: a FIFO that runs one job at a time, so requests never interleave on the device, and refuses
// new work (QueueFullError -> HTTP 429) when `maxWaiting` jobs are already waiting behind the running one.
// A job whose client has gone (its AbortSignal fired) is dropped: it leaves the waiting count at once and never runs.
import { SaeError } from "@sae/tensor-core";

export class QueueFullError extends SaeError {
  readonly waiting: number;
  constructor(waiting: number) {
    super(`server busy: ${waiting} requests already waiting for the GPU; retry later`);
    this.waiting = waiting;
  }
}

/** The client of a queued job went away before the job ran (the request's AbortSignal fired). */
export class ClientGoneError extends SaeError {}

export interface QueueStats {
  running: boolean;
  waiting: number;
  maxWaiting: number;
  completed: number;
  rejected: number;
  /** Jobs dropped because their client disconnected while they waited. */
  dropped: number;
}

export class GpuQueue {
  readonly maxWaiting: number;
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  private running = false;
  private completed = 0;
  private rejected = 0;
  private dropped = 0;

  constructor(maxWaiting: number) {
    this.maxWaiting = maxWaiting;
  }

  /** Runs `job` after every job submitted before it has finished (whether it succeeded or not); `signal` drops it. */
  run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(new ClientGoneError("client disconnected before its request queued"));
    if (this.waiting + (this.running ? 1 : 0) > this.maxWaiting) {
      this.rejected++;
      return Promise.reject(new QueueFullError(this.waiting));
    }
    this.waiting++;
    let waiting = true;
    const leave = (): boolean => {
      if (!waiting) return false;
      waiting = false;
      this.waiting--;
      return true;
    };
    let onAbort = (): void => {};
    const gone = new Promise<never>((_, reject) => {
      onAbort = () => {
        if (!leave()) return;
        this.dropped++;
        reject(new ClientGoneError("client disconnected while its request waited for the GPU"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    gone.catch(() => undefined);
    const turn = this.tail.then(async () => {
      signal?.removeEventListener("abort", onAbort);
      if (!leave()) throw new ClientGoneError("client disconnected");
      this.running = true;
      try {
        return await job();
      } finally {
        this.running = false;
        this.completed++;
      }
    });
    this.tail = turn.then(
      () => undefined,
      () => undefined,
    );
    return Promise.race([turn, gone]);
  }

  stats(): QueueStats {
    const { running, waiting, maxWaiting, completed, rejected, dropped } = this;
    return { running, waiting, maxWaiting, completed, rejected, dropped };
  }
}
