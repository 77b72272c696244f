// A pool of GPU storage buffers keyed by byte size, so a training loop that disposes and re-creates tensors
// of the same shapes allocates nothing after its first step. Tracks live and peak bytes for memory reports.
import { GpuOutOfMemoryError, LimitError } from "./errors.ts";

export const STORAGE_USAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST

export interface PoolStats {
  /** Bytes held by live tensors. */
  liveBytes: number;
  /** Highest liveBytes seen since the last resetPeak(). */
  peakBytes: number;
  /** Bytes sitting in free lists, ready for reuse. */
  freeBytes: number;
  /** Buffers created since the device was made (growth here means per-step allocation). */
  created: number;
}

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  /** What each buffer holds now (the `what` of its latest acquire): names it in errors, as a reused buffer's label
   * still names its first tensor. */
  private holders = new WeakMap<GPUBuffer, string>();
  private stats: PoolStats = { liveBytes: 0, peakBytes: 0, freeBytes: 0, created: 0 };
  private gpu: GPUDevice;
  private maxBufferSize: number;

  constructor(gpu: GPUDevice) {
    this.gpu = gpu;
    this.maxBufferSize = gpu.limits.maxBufferSize;
  }

  /** Rounds to 16 bytes (vec4 loads may read a whole last vector) and at least 16. */
  static roundSize(bytes: number): number {
    return Math.max(16, Math.ceil(bytes / 16) * 16);
  }

  acquire(bytes: number, what: string): GPUBuffer {
    const size = BufferPool.roundSize(bytes);
    if (size > this.maxBufferSize) {
      throw new LimitError(`${what}: needs a buffer of ${size} bytes, over this device's maxBufferSize of ${this.maxBufferSize}`);
    }
    const list = this.free.get(size);
    let buf = list?.pop();
    if (buf) {
      this.stats.freeBytes -= size;
    } else {
      try {
        buf = this.gpu.createBuffer({ size, usage: STORAGE_USAGE, label: what });
      } catch (e) {
        throw new GpuOutOfMemoryError(`${what}: allocating ${size} bytes failed: ${(e as Error).message}`);
      }
      this.stats.created++;
    }
    this.holders.set(buf, what);
    this.stats.liveBytes += size;
    if (this.stats.liveBytes > this.stats.peakBytes) this.stats.peakBytes = this.stats.liveBytes;
    return buf;
  }

  /** What a buffer holds: its latest acquire's `what` ("label [shape] dtype"), else its label. */
  holder(buf: GPUBuffer): string {
    return this.holders.get(buf) ?? buf.label;
  }

  release(buf: GPUBuffer): void {
    const size = buf.size;
    this.stats.liveBytes -= size;
    this.stats.freeBytes += size;
    const list = this.free.get(size);
    if (list) list.push(buf);
    else this.free.set(size, [buf]);
  }

  /** Destroys every pooled (not live) buffer. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.stats.freeBytes = 0;
  }

  snapshot(): PoolStats {
    return { ...this.stats };
  }

  resetPeak(): void {
    this.stats.peakBytes = this.stats.liveBytes;
  }
}
