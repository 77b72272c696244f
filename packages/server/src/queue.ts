// The GPU queue: a FIFO that runs one job at a time, so requests never interleave on the device, and refuses
// new work (QueueFullError -> HTTP 429) when `maxWaiting` jobs are already waiting behind the running one.
// A job whose client has gone (its AbortSignal fired) is dropped: it leaves the waiting count at once and never runs.
// A running job gets the same signal and stops between tokens; it counts as cancelled, not completed.
import { CancelledError, SaeError } from "@sae/tensor-core";

export class QueueFullError extends SaeError {
  readonly waiting: number;
  constructor(waiting: number) {
    super(`server busy: ${waiting} requests already waiting for the GPU; retry later`);
    this.waiting = waiting;
  }
}

/** The client of a job went away (the request's AbortSignal fired) before or while the job ran. */
export class ClientGoneError extends CancelledError {}

export interface QueueStats {
  running: boolean;
  waiting: number;
  maxWaiting: number;
  completed: number;
  rejected: number;
  /** Jobs dropped because their client disconnected while they waited. */
  dropped: number;
  /** Running jobs stopped because their client disconnected (not counted in completed). */
  cancelled: number;
}

export class GpuQueue {
  readonly maxWaiting: number;
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  private running = false;
  private completed = 0;
  private rejected = 0;
  private dropped = 0;
  private cancelled = 0;

  constructor(maxWaiting: number) {
    this.maxWaiting = maxWaiting;
  }

  /**
   * Runs `job` after every job submitted before it has finished (whether it succeeded or not). `signal` drops it
   * while it waits and is handed to it to stop it while it runs (a job that ends after it fired is "cancelled").
   */
  run<T>(job: (signal?: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
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
      let stopped = false;
      try {
        return await job(signal);
      } catch (e) {
        stopped = signal?.aborted === true;
        if (!stopped) throw e;
        throw new ClientGoneError(`client disconnected while its request ran; the work stopped (${errorText(e)})`);
      } finally {
        this.running = false;
        if (stopped) this.cancelled++;
        else this.completed++;
      }
    });
    this.tail = turn.then(
      () => undefined,
      () => undefined,
    );
    return Promise.race([turn, gone]);
  }

  stats(): QueueStats {
    const { running, waiting, maxWaiting, completed, rejected, dropped, cancelled } = this;
    return { running, waiting, maxWaiting, completed, rejected, dropped, cancelled };
  }
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
