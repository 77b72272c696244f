// The GPU queue: a FIFO that runs one job at a time, so requests never interleave on the device, and refuses
// new work (QueueFullError -> HTTP 429) when `maxWaiting` jobs are already waiting behind the running one.
import { SaeError } from "@sae/tensor-core";

export class QueueFullError extends SaeError {
  readonly waiting: number;
  constructor(waiting: number) {
    super(`server busy: ${waiting} requests already waiting for the GPU; retry later`);
    this.waiting = waiting;
  }
}

export interface QueueStats {
  running: boolean;
  waiting: number;
  maxWaiting: number;
  completed: number;
  rejected: number;
}

export class GpuQueue {
  readonly maxWaiting: number;
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  private running = false;
  private completed = 0;
  private rejected = 0;

  constructor(maxWaiting: number) {
    this.maxWaiting = maxWaiting;
  }

  /** Runs `job` after every job submitted before it has finished (whether it succeeded or not). */
  run<T>(job: () => Promise<T>): Promise<T> {
    if (this.waiting + (this.running ? 1 : 0) > this.maxWaiting) {
      this.rejected++;
      return Promise.reject(new QueueFullError(this.waiting));
    }
    this.waiting++;
    const result = this.tail.then(async () => {
      this.waiting--;
      this.running = true;
      try {
        return await job();
      } finally {
        this.running = false;
        this.completed++;
      }
    });
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  stats(): QueueStats {
    return { running: this.running, waiting: this.waiting, maxWaiting: this.maxWaiting, completed: this.completed, rejected: this.rejected };
  }
}
