// Tensor: a shape, a dtype and a GPU storage buffer from the device's pool. Upload/readback, explicit dispose
// (the buffer goes back to the pool for reuse), reshape views that share the buffer without owning it, and row-range
// views (rows(r0, r1)) that ops bind as a sub-range of the buffer when a tensor is larger than one binding.
import type { Device } from "./device.ts";
import { arrayFor, BYTES_PER_ELEMENT, dtypeOf, type AnyTypedArray, type DType, type TypedArrayFor } from "./dtype.ts";
import { DisposedError, DTypeError, LimitError, ShapeError } from "./errors.ts";
import { checkValidShape, fmt, numel, type Shape } from "./shape.ts";

/** A CPU-side tensor: the argument and result type of every CPU reference op. */
export interface HostTensor<D extends DType = DType> {
  shape: Shape;
  dtype: D;
  data: TypedArrayFor<D>;
}

export function host<D extends DType = "f32">(shape: Shape, data: TypedArrayFor<D> | number[], dtype?: D): HostTensor<D> {
  const dt = (dtype ?? (Array.isArray(data) ? "f32" : dtypeOf(data as AnyTypedArray))) as D;
  const arr = (Array.isArray(data) ? Object.assign(arrayFor(dt, data.length), data) : data) as TypedArrayFor<D>;
  if (arr.length !== numel(shape)) throw new ShapeError(`host tensor: ${arr.length} values do not fill shape ${fmt(shape)}`);
  return { shape: [...shape], dtype: dt, data: arr };
}

let nextId = 1;

export class Tensor<D extends DType = DType> {
  readonly device: Device;
  readonly shape: Shape;
  readonly dtype: D;
  readonly id = nextId++;
  label: string;
  private buf: GPUBuffer | null;
  private readonly base: Tensor | null;
  /** Byte offset into the buffer, or -1 for a tensor that owns (or reshapes) the whole buffer. */
  private readonly start: number;

  private constructor(device: Device, shape: Shape, dtype: D, buf: GPUBuffer, base: Tensor | null, label: string, start = -1) {
    this.device = device;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.buf = buf;
    this.base = base;
    this.label = label;
    this.start = start;
  }

  /** Uninitialised tensor (pooled buffers may hold old data: write or poison before reading). */
  static empty<D extends DType = "f32">(device: Device, shape: Shape, dtype: D = "f32" as D, label = "tensor"): Tensor<D> {
    checkValidShape(shape);
    const bytes = numel(shape) * BYTES_PER_ELEMENT[dtype];
    return new Tensor(device, shape, dtype, device.pool.acquire(bytes, `${label} ${fmt(shape)} ${dtype}`), null, label);
  }

  static from<D extends DType>(device: Device, shape: Shape, data: TypedArrayFor<D>, label = "tensor"): Tensor<D> {
    const dtype = dtypeOf(data) as D;
    if (data.length !== numel(shape)) throw new ShapeError(`Tensor.from(${label}): ${data.length} values do not fill shape ${fmt(shape)}`);
    const t = Tensor.empty(device, shape, dtype, label);
    t.write(data);
    return t;
  }

  static fromHost<D extends DType>(device: Device, h: HostTensor<D>, label = "tensor"): Tensor<D> {
    return Tensor.from(device, h.shape, h.data, label);
  }

  static zeros<D extends DType = "f32">(device: Device, shape: Shape, dtype: D = "f32" as D, label = "zeros"): Tensor<D> {
    const t = Tensor.empty(device, shape, dtype, label);
    t.write(arrayFor(dtype, numel(shape)));
    return t;
  }

  get size(): number {
    return numel(this.shape);
  }

  get byteLength(): number {
    return this.size * BYTES_PER_ELEMENT[this.dtype];
  }

  get disposed(): boolean {
    return this.buf === null || (this.base !== null && this.base.disposed);
  }

  /** The whole buffer. A row-range view has none of its own: ops that take views bind `binding`. */
  get buffer(): GPUBuffer {
    const buf = this.live();
    if (this.start >= 0) throw new LimitError(`tensor '${this.label}' ${fmt(this.shape)} is a row-range view: bind it through .binding`);
    return buf;
  }

  /** What a dispatch binds: the whole buffer, or a view's byte range (16-byte rounded within the buffer). */
  get binding(): GPUBuffer | GPUBufferBinding {
    const buffer = this.live();
    if (this.start < 0) return buffer;
    const size = Math.min(Math.ceil(Math.max(this.byteLength, 4) / 16) * 16, buffer.size - this.start);
    return { buffer, offset: this.start, size };
  }

  /** The buffer this tensor lives in (a view's too), for identity checks such as aliasing; bind `binding`. */
  get storage(): GPUBuffer {
    return this.live();
  }

  /** Byte offset of this tensor in its buffer (0 unless it is a row-range view). */
  get byteOffset(): number {
    return Math.max(0, this.start);
  }

  private live(): GPUBuffer {
    if (this.disposed || !this.buf) throw new DisposedError(`tensor '${this.label}' ${fmt(this.shape)} ${this.dtype} was used after dispose()`);
    return this.buf;
  }

  /**
   * A view of rows [r0, r1) of the first dimension, sharing the buffer (never freeing it). Its byte offset must be a
   * multiple of minStorageBufferOffsetAlignment (LimitError otherwise): ops/blocks.ts picks such blocks.
   */
  rows(r0: number, r1: number): Tensor<D> {
    const n = this.shape[0];
    if (!(Number.isInteger(r0) && Number.isInteger(r1) && 0 <= r0 && r0 <= r1 && r1 <= n)) throw new ShapeError(`rows(${this.label}): [${r0}, ${r1}) is not within ${fmt(this.shape)}`);
    const rowBytes = (this.byteLength / Math.max(n, 1)) | 0;
    const start = this.byteOffset + r0 * rowBytes;
    const align = this.device.limits.minStorageBufferOffsetAlignment;
    if (start % align !== 0) throw new LimitError(`rows(${this.label}): row ${r0} of ${fmt(this.shape)} starts at byte ${start}, not a multiple of ${align}`);
    return new Tensor(this.device, [r1 - r0, ...this.shape.slice(1)], this.dtype, this.live(), this.base ?? this, this.label, start);
  }

  write(data: TypedArrayFor<D>): void {
    if (dtypeOf(data) !== this.dtype) throw new DTypeError(`write(${this.label}): got ${dtypeOf(data)} data for a ${this.dtype} tensor`);
    if (data.length !== this.size) throw new ShapeError(`write(${this.label}): ${data.length} values for shape ${fmt(this.shape)}`);
    this.device.writeBuffer(this.live(), data, this.byteOffset);
  }

  async read(): Promise<TypedArrayFor<D>> {
    const bytes = await this.device.readBuffer(this.live(), this.byteLength, this.byteOffset);
    return arrayFor(this.dtype, bytes);
  }

  async toHost(): Promise<HostTensor<D>> {
    return { shape: [...this.shape], dtype: this.dtype, data: await this.read() };
  }

  /** A view with another shape of the same size; it shares the buffer and never frees it. */
  reshape(shape: Shape): Tensor<D> {
    checkValidShape(shape);
    if (numel(shape) !== this.size) throw new ShapeError(`reshape(${this.label}): cannot view ${fmt(this.shape)} as ${fmt(shape)}`);
    return new Tensor(this.device, shape, this.dtype, this.live(), this.base ?? this, this.label, this.start);
  }

  dispose(): void {
    if (this.buf === null) return;
    if (this.base === null && !this.disposed) this.device.pool.release(this.buf);
    this.buf = null;
  }
}

/** Checks that a tensor has the dtype an op needs. */
export function checkDType(op: string, name: string, t: { dtype: DType; shape: Shape }, dtype: DType): void {
  if (t.dtype !== dtype) throw new DTypeError(`${op}: ${name} ${fmt(t.shape)} must be ${dtype}, got ${t.dtype}`);
}

/** Returns `out` after checking its shape/dtype, or a fresh pooled tensor. */
export function output<D extends DType>(op: string, device: Device, shape: Shape, dtype: D, out?: Tensor): Tensor<D> {
  if (!out) return Tensor.empty(device, shape, dtype, op);
  if (out.dtype !== dtype) throw new DTypeError(`${op}: out must be ${dtype}, got ${out.dtype}`);
  if (out.size !== numel(shape) || out.shape.length !== shape.length || out.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`${op}: out has shape ${fmt(out.shape)}, expected ${fmt(shape)}`);
  }
  return out as Tensor<D>;
}

/** All tensors must live on the same device; returns it. */
export function deviceOf(op: string, ...ts: Tensor[]): Device {
  const d = ts[0].device;
  for (const t of ts) {
    void t.binding; // throws DisposedError
    if (t.device !== d) throw new ShapeError(`${op}: tensors live on different devices`);
  }
  return d;
}
