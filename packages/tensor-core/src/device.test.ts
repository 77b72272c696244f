import { describe, expect, test } from "bun:test";
import { getDevice, params } from "./device.ts";
import { DisposedError, GpuValidationError, ShaderCompileError, ShapeError } from "./errors.ts";
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
});
