import { describe, expect, test } from "bun:test";
import { Device, getDevice, params } from "./device.ts";
import { DisposedError, GpuValidationError, LimitError, ShaderCompileError, ShapeError } from "./errors.ts";
import { fill } from "./ops/fill.ts";
import { Tensor } from "./tensor.ts";

describe("device", () => {
  test("finds an adapter and names it", async () => {
    const dev = await getDevice();
    console.log(`adapter: ${dev.describe()}`);
    expect(dev.adapter.name.length).toBeGreaterThan(0);
    expect(dev.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
  });

  test("upload, fill and readback round trip", async () => {
    const dev = await getDevice();
    const t = Tensor.from(dev, [3, 5], new Float32Array(15).map((_, i) => i * 0.5 - 2));
    expect([...(await t.read())]).toEqual([...new Float32Array(15).map((_, i) => i * 0.5 - 2)]);
    fill(t, 7.25);
    expect([...(await t.read())]).toEqual(new Array(15).fill(7.25));
    const u = Tensor.empty(dev, [70001], "i32");
    fill(u, -3);
    const back = await u.read();
    expect(back.length).toBe(70001);
    expect(back.every((v) => v === -3)).toBe(true);
    t.dispose();
    u.dispose();
  });

  test("disposed tensors throw a typed error; buffers are reused", async () => {
    const dev = await getDevice();
    const a = Tensor.empty(dev, [128, 4]);
    const created = dev.memory().created;
    a.dispose();
    expect(() => a.buffer).toThrow(DisposedError);
    const b = Tensor.empty(dev, [4, 128]);
    expect(dev.memory().created).toBe(created);
    expect(() => b.reshape([3, 3])).toThrow(ShapeError);
    b.dispose();
  });

  test("WGSL compile errors surface with line:col and source", async () => {
    const dev = await getDevice();
    const t = Tensor.empty(dev, [4]);
    const bad = { name: "broken", source: "@group(0) @binding(1) var<storage, read_write> o: array<f32>;\n@compute @workgroup_size(1)\nfn main() {\n  o[0] = undefined_thing;\n}\n" };
    dev.run(bad, { buffers: [t.buffer], workgroups: [1] });
    const err = await dev.sync().then(() => null, (e) => e);
    expect(err).toBeInstanceOf(ShaderCompileError);
    expect(String(err.message)).toContain("broken.wgsl:4:");
    expect(String(err.message)).toContain("undefined_thing");
    t.dispose();
  });

  test("validation errors throw instead of returning zeros", async () => {
    const dev = await getDevice();
    const t = Tensor.empty(dev, [4]);
    const k = { name: "needs-two", source: "@group(0) @binding(0) var<uniform> p: vec4<u32>;\n@group(0) @binding(1) var<storage, read_write> o: array<f32>;\n@group(0) @binding(2) var<storage, read_write> q: array<f32>;\n@compute @workgroup_size(1)\nfn main() { o[0] = q[0] + f32(p.x); }\n" };
    dev.run(k, { buffers: [t.buffer], params: params(1), workgroups: [1] });
    await expect(dev.sync()).rejects.toBeInstanceOf(GpuValidationError);
    t.dispose();
  });

  test("a binding over maxBinding throws a LimitError naming kernel, tensor and sizes; views within it bind", async () => {
    const dev = await Device.create({ maxBindingBytes: 4100 }); // rounded down to 4096: bindings are 16-byte units
    expect(dev.maxBinding).toBe(4096);
    const big = Tensor.empty(dev, [16, 80], "f32", "big"); // 5,120 bytes
    const k = { name: "poke", source: "@group(0) @binding(1) var<storage, read_write> o: array<f32>;\n@compute @workgroup_size(1)\nfn main() { o[0] = 3.5; }\n" };
    const err = (() => {
      try {
        dev.run(k, { buffers: [big.buffer], workgroups: [1] });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(LimitError);
    expect(err!.message).toContain("poke: binding 1 'big [16, 80] f32' is 5120 bytes, over one binding of 4096 bytes");
    expect(() => dev.run(k, { buffers: [big.binding], workgroups: [1] })).toThrow(LimitError);
    const part = big.rows(0, 12); // 3,840 bytes at offset 0
    dev.run(k, { buffers: [part.binding], workgroups: [1] });
    expect((await big.read())[0]).toBe(3.5);
    const range = { buffer: big.storage, offset: 256, size: 4352 };
    expect(() => dev.run(k, { buffers: [range], workgroups: [1] })).toThrow(/bytes 256\.\.4608 of its buffer/);
    big.dispose();
    const reused = Tensor.empty(dev, [80, 16], "f32", "again"); // the pool's buffer, named after its new tensor
    expect(() => dev.run(k, { buffers: [reused.buffer], workgroups: [1] })).toThrow("'again [80, 16] f32'");
    reused.dispose();
    dev.destroy();
  });
});
