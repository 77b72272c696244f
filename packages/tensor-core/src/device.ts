// The Device: one GPUDevice plus what every op needs from it: a pipeline cache keyed by WGSL source and
// override constants, a buffer pool, a single open command encoder that batches dispatches into one submission,
// a uniform arena for per-dispatch parameters, error scopes that turn WebGPU's silent errors into thrown typed
// errors at the next sync point, and mapAsync-based readback (Dawn's onSubmittedWorkDone crashes under Bun).
import { acquireAdapter, summarize, type AcquireOptions, type AdapterSummary } from "./adapter.ts";
import { GpuOutOfMemoryError, GpuValidationError, LimitError, ShaderCompileError } from "./errors.ts";
import { BufferPool, type PoolStats } from "./pool.ts";

/** A compute kernel: WGSL source whose entry point is `main` unless named. Kernels are data. */
export interface Kernel {
  name: string;
  source: string;
  entryPoint?: string;
}

/** What run() needs: bound buffers (binding 1..n), packed uniform params (binding 0), the grid. */
export interface Dispatch {
  /** Whole buffers, or sub-ranges (offset a multiple of minStorageBufferOffsetAlignment) as Tensor.binding gives. */
  buffers: Array<GPUBuffer | GPUBufferBinding>;
  params?: Uint32Array;
  workgroups: readonly [number, number?, number?];
  overrides?: Record<string, number>;
}

export interface DeviceOptions extends AcquireOptions {
  /** Wrap a GPUDevice the host already has (browser, Deno, an app's own device). */
  device?: GPUDevice;
  /** Caps the bytes one storage binding may hold below the adapter's maxStorageBufferBindingSize, so tests run the
   * chunked paths of ops (tensors larger than one binding) on small shapes. */
  maxBindingBytes?: number;
}

const SLOT = 256; // uniform slot bytes; also minUniformBufferOffsetAlignment's usual value
const ARENA_SLOTS = 1024;
const MAX_PARAM_WORDS = SLOT / 4;

/** Packs uniform params: plain numbers are u32, {f32: x} and {i32: x} are what they say. */
export function params(...fields: Array<number | { f32: number } | { i32: number }>): Uint32Array {
  const out = new Uint32Array(Math.max(4, Math.ceil(fields.length / 4) * 4));
  const f = new Float32Array(out.buffer);
  const i = new Int32Array(out.buffer);
  fields.forEach((v, j) => {
    if (typeof v === "number") out[j] = v >>> 0;
    else if ("f32" in v) f[j] = v.f32;
    else i[j] = v.i32;
  });
  return out;
}

interface Compiled {
  pipeline: GPUComputePipeline;
  module: GPUShaderModule;
  kernel: Kernel;
  /** Creation order: names the pipeline in the batch signature. */
  id: number;
}

const FNV_OFFSET = 2166136261;
/** One FNV-1a step over a 32-bit value. */
const mix = (h: number, v: number) => Math.imul(h ^ v, 16777619) >>> 0;

export class Device {
  readonly gpu: GPUDevice;
  readonly adapter: AdapterSummary;
  readonly pool: BufferPool;
  private pipelines = new Map<string, Compiled>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private arena: GPUBuffer;
  private arenaCpu = new Uint32Array((SLOT / 4) * ARENA_SLOTS);
  private arenaUsed = 0;
  private batchModules: Compiled[] = [];
  private pendingErrors: Promise<Error | null>[] = [];
  private uncaptured: Error[] = [];
  private staging = new Map<number, GPUBuffer[]>();
  /** The adapter this device came from. Held so Bun's GC cannot free it while Dawn still polls its events
   * (a freed adapter crashed mapAsync in InstanceBase::ProcessEvents). */
  private rawAdapter: GPUAdapter | null = null;
  /** Recent submit-to-mapped waits (ms) by batch signature. Dawn's Node bindings poll mapAsync with setImmediate,
   * spinning a whole core that lavapipe needs; sleeping through most of the expected wait first gives it back. */
  private recentWaits = new Map<number, number[]>();
  /** Dispatches recorded since the last readback. */
  private dispatchesSinceRead = 0;
  /** A hash of the pipelines and grids recorded since the last readback: the key for recentWaits, so only the same
   * work (a training step records the same dispatches every time) shares an estimate; keyed by the dispatch count
   * alone, a 1-dispatch add slept as long as the 1-dispatch matmul before it. */
  private batchSig = FNV_OFFSET;
  /** When the first batch with dispatches since the last readback was submitted: waits run from there, so time the
   * caller already spent (recording more work, or sleeping itself) is not slept again. */
  private submittedAt: number | null = null;
  /** Whether a pipeline was created since the last readback: llvmpipe compiles it on first dispatch, inside the
   * wait, so that wait says nothing about the next one and is not noted. */
  private compiledSinceRead = false;
  /** Dispatches recorded since the device was made (for benchmarks and tests of batching). */
  dispatchCount = 0;
  submitCount = 0;

  /** Bytes one storage binding may hold: the adapter's maxStorageBufferBindingSize, or less when a test asks. Ops
   * bind tensors over this in row or column blocks (Tensor.rows, ops/blocks.ts); callers never see the limit. */
  readonly maxBinding: number;

  constructor(gpu: GPUDevice, adapter: AdapterSummary, maxBindingBytes?: number) {
    this.gpu = gpu;
    this.adapter = adapter;
    // a multiple of 16: pooled buffers and views bind whole 16-byte units, so what fits by byteLength binds too
    const limit = gpu.limits.maxStorageBufferBindingSize;
    this.maxBinding = Math.floor(Math.min(limit, maxBindingBytes ?? limit) / 16) * 16;
    this.pool = new BufferPool(gpu);
    this.arena = gpu.createBuffer({ size: SLOT * ARENA_SLOTS, usage: 0x40 | 0x8, label: "uniform arena" });
    gpu.addEventListener?.("uncapturederror", (ev: Event) => {
      const err = (ev as GPUUncapturedErrorEvent).error;
      this.uncaptured.push(new GpuValidationError(`uncaptured WebGPU error: ${err?.message ?? String(err)}`));
    });
  }

  static async create(opts: DeviceOptions = {}): Promise<Device> {
    if (opts.device) {
      const summary = { name: "host-provided GPUDevice", vendor: "", architecture: "", backend: "host", features: [...opts.device.features].map(String), isCpu: false };
      return new Device(opts.device, summary, opts.maxBindingBytes);
    }
    const { adapter, backend } = await acquireAdapter(opts);
    const lim = adapter.limits;
    const want = [
      "maxBufferSize",
      "maxStorageBufferBindingSize",
      "maxComputeInvocationsPerWorkgroup",
      "maxComputeWorkgroupSizeX",
      "maxComputeWorkgroupSizeY",
      "maxComputeWorkgroupStorageSize",
      "maxStorageBuffersPerShaderStage",
      "maxComputeWorkgroupsPerDimension",
    ] as const;
    const requiredLimits: Record<string, number> = {};
    for (const k of want) requiredLimits[k] = lim[k];
    const requiredFeatures = (["shader-f16", "subgroups", "timestamp-query"] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
    const gpu = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: "sae" });
    const device = new Device(gpu, summarize(adapter, backend), opts.maxBindingBytes);
    device.rawAdapter = adapter;
    return device;
  }

  get limits(): GPUSupportedLimits {
    return this.gpu.limits;
  }

  describe(): string {
    const a = this.adapter;
    return `${a.name} [${a.backend}${a.isCpu ? ", CPU" : ""}]`;
  }

  /** Splits a 1-D count of workgroups into a grid that fits maxComputeWorkgroupsPerDimension. */
  grid(workgroups: number): [number, number] {
    const max = this.gpu.limits.maxComputeWorkgroupsPerDimension;
    if (workgroups <= max) return [Math.max(1, workgroups), 1];
    const y = Math.ceil(workgroups / max);
    if (y > max) throw new LimitError(`dispatch of ${workgroups} workgroups exceeds ${max}^2`);
    return [Math.ceil(workgroups / y), y];
  }

  private pipeline(kernel: Kernel, overrides: Record<string, number> | undefined): Compiled {
    const entry = kernel.entryPoint ?? "main";
    const key = `${entry}\u0000${kernel.source}\u0000${overrides ? JSON.stringify(overrides) : ""}`;
    let c = this.pipelines.get(key);
    if (!c) {
      const module = this.gpu.createShaderModule({ code: kernel.source, label: kernel.name });
      const pipeline = this.gpu.createComputePipeline({
        layout: "auto",
        label: kernel.name,
        compute: { module, entryPoint: entry, constants: overrides },
      });
      c = { pipeline, module, kernel, id: this.pipelines.size };
      this.pipelines.set(key, c);
      this.compiledSinceRead = true;
      this.batchModules.push(c);
    }
    return c;
  }

  private open(): GPUComputePassEncoder {
    if (!this.pass) {
      this.gpu.pushErrorScope("out-of-memory");
      this.gpu.pushErrorScope("validation");
      this.encoder = this.gpu.createCommandEncoder();
      this.pass = this.encoder.beginComputePass();
    }
    return this.pass;
  }

  /** Records one dispatch into the open batch. Errors surface at the next sync()/read(). */
  run(kernel: Kernel, d: Dispatch): void {
    if (d.params && d.params.length > MAX_PARAM_WORDS) throw new LimitError(`${kernel.name}: ${d.params.length} param words, max ${MAX_PARAM_WORDS}`);
    const resources = d.buffers.map((b) => ("buffer" in b ? b : { buffer: b }));
    resources.forEach((r, i) => this.checkBinding(kernel, i + 1, r));
    if (d.params && this.arenaUsed === ARENA_SLOTS) this.flush();
    const pass = this.open();
    const c = this.pipeline(kernel, d.overrides);
    const entries: GPUBindGroupEntry[] = [];
    if (d.params) {
      const slot = this.arenaUsed++;
      this.arenaCpu.set(d.params, (slot * SLOT) / 4);
      entries.push({ binding: 0, resource: { buffer: this.arena, offset: slot * SLOT, size: d.params.length * 4 } });
    }
    resources.forEach((resource, i) => entries.push({ binding: i + 1, resource }));
    const bindGroup = this.gpu.createBindGroup({ layout: c.pipeline.getBindGroupLayout(0), entries, label: kernel.name });
    pass.setPipeline(c.pipeline);
    pass.setBindGroup(0, bindGroup);
    const [x, y = 1, z = 1] = d.workgroups;
    if (x > 0 && y > 0 && z > 0) pass.dispatchWorkgroups(x, y, z);
    this.batchSig = mix(mix(mix(mix(this.batchSig, c.id), x), y), z);
    this.dispatchesSinceRead++;
    this.dispatchCount++;
  }

  /** Every bind group entry is within one binding (maxBinding, a test's cap included): a real device over its limit
   * gives only a silent validation error, and a test under a cap would not see an op that forgot to split. */
  private checkBinding(kernel: Kernel, slot: number, b: GPUBufferBinding): void {
    const bytes = b.size ?? b.buffer.size - (b.offset ?? 0);
    if (bytes <= this.maxBinding) return;
    const what = this.pool.holder(b.buffer);
    const range = b.offset ? ` (bytes ${b.offset}..${b.offset + bytes} of its buffer)` : "";
    throw new LimitError(
      `${kernel.name}: binding ${slot} '${what}' is ${bytes} bytes${range}, over one binding of ${this.maxBinding} bytes ` +
        `on ${this.describe()}`,
    );
  }

  /** Ends the open batch and submits it (with the copy commands given, after the dispatches). */
  flush(after?: (enc: GPUCommandEncoder) => void): void {
    if (!this.pass && !after) return;
    if (!this.pass) this.open();
    this.pass!.end();
    after?.(this.encoder!);
    if (this.arenaUsed > 0) {
      this.gpu.queue.writeBuffer(this.arena, 0, this.arenaCpu.buffer, 0, this.arenaUsed * SLOT);
      this.arenaUsed = 0;
    }
    this.gpu.queue.submit([this.encoder!.finish()]);
    this.submitCount++;
    if (this.submittedAt === null && this.dispatchesSinceRead > 0) this.submittedAt = performance.now();
    this.pass = null;
    this.encoder = null;
    const modules = this.batchModules;
    this.batchModules = [];
    const validation = this.gpu.popErrorScope();
    const oom = this.gpu.popErrorScope();
    this.pendingErrors.push(
      (async () => {
        const v = await validation;
        if (v) return await this.explain(v, modules);
        const o = await oom;
        if (o) return new GpuOutOfMemoryError(`GPU out of memory: ${o.message}`);
        return null;
      })(),
    );
  }

  private async explain(err: GPUError, modules: Compiled[]): Promise<Error> {
    for (const c of modules) {
      const info = await c.module.getCompilationInfo();
      const errors = info.messages.filter((m) => m.type === "error");
      if (errors.length === 0) continue;
      const lines = c.kernel.source.split("\n");
      const text = errors
        .map((m) => {
          const src = lines[m.lineNum - 1] ?? "";
          return `${c.kernel.name}.wgsl:${m.lineNum}:${m.linePos}: ${m.message}\n  ${src}\n  ${" ".repeat(Math.max(0, m.linePos - 1))}^`;
        })
        .join("\n");
      return new ShaderCompileError(c.kernel.name, text);
    }
    return new GpuValidationError(`WebGPU validation error: ${err.message}`);
  }

  /** Throws the first error any earlier batch raised. */
  async checkErrors(): Promise<void> {
    const pending = this.pendingErrors;
    this.pendingErrors = [];
    const errs = await Promise.all(pending);
    const first = errs.find((e) => e !== null) ?? this.uncaptured.shift();
    if (first) throw first;
  }

  /** Copies `bytes` of `src` back to the CPU. Submits the open batch with the copy in it. */
  async readBuffer(src: GPUBuffer, bytes: number, offset = 0): Promise<ArrayBuffer> {
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    const list = this.staging.get(size);
    const stage = list?.pop() ?? this.gpu.createBuffer({ size, usage: 0x1 | 0x8, label: "readback" });
    this.flush((enc) => enc.copyBufferToBuffer(src, offset, stage, 0, size));
    const t0 = this.submittedAt ?? performance.now();
    const work = this.dispatchesSinceRead > 0 ? this.batchSig : 0;
    this.dispatchesSinceRead = 0;
    this.batchSig = FNV_OFFSET;
    this.submittedAt = null;
    const compiled = this.compiledSinceRead;
    this.compiledSinceRead = false;
    try {
      const slept = await this.idleBeforeMap(work, t0);
      const t1 = performance.now();
      await stage.mapAsync(0x1);
      const t2 = performance.now();
      // mapped at once after a sleep: the work ended somewhere in the sleep, so the time is an upper bound; note
      // 80% of it so an estimate that overshot shrinks quickly instead of timing every later wait asleep
      const early = slept && t2 - t1 < 1;
      if (!compiled) this.noteWait(work, early ? 0.8 * (t2 - t0) : t2 - t0);
    } catch (e) {
      await this.checkErrors();
      throw new GpuValidationError(`readback of ${bytes} bytes failed: ${(e as Error).message}`);
    }
    const out = stage.getMappedRange().slice(0, bytes);
    stage.unmap();
    const back = this.staging.get(size);
    if (back) back.push(stage);
    else this.staging.set(size, [stage]);
    await this.checkErrors();
    return out;
  }

  /** Sleeps until 85% of the shortest of the last 8 waits (from first submit to mapped) after batches with the
   * same signature has passed since `since` (when over 2 ms remain), on Dawn's bindings only. True if it slept. */
  private async idleBeforeMap(work: number, since: number): Promise<boolean> {
    const waits = this.recentWaits.get(work);
    if (work === 0 || !waits || this.adapter.backend === "navigator.gpu" || this.adapter.backend === "host") return false;
    const ms = 0.85 * Math.min(...waits) - (performance.now() - since);
    if (ms <= 2) return false;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return true;
  }

  private noteWait(work: number, ms: number): void {
    if (this.recentWaits.size > 256) this.recentWaits.clear();
    const waits = this.recentWaits.get(work) ?? [];
    waits.push(ms);
    if (waits.length > 8) waits.shift();
    this.recentWaits.set(work, waits);
  }

  writeBuffer(dst: GPUBuffer, data: ArrayBufferView, offset = 0): void {
    if (data.byteLength === 0) return; // a no-op, and Deno 2.9's wgpu binding panics on it (queue.rs:160)
    if (this.pass) this.flush(); // recorded dispatches must see the old contents
    this.gpu.queue.writeBuffer(dst, offset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Waits for all submitted work (via a tiny mapAsync readback) and throws any pending error. */
  async sync(): Promise<void> {
    const probe = this.pool.acquire(16, "sync");
    await this.readBuffer(probe, 4);
    this.pool.release(probe);
  }

  memory(): PoolStats {
    return this.pool.snapshot();
  }

  destroy(): void {
    this.pool.trim();
    this.gpu.destroy();
  }
}

let shared: Promise<Device> | null = null;

/** The process-wide default device (created on first use). */
export function getDevice(opts?: DeviceOptions): Promise<Device> {
  if (opts) return Device.create(opts);
  shared ??= Device.create();
  return shared;
}
