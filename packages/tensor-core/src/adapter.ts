// Finding a WebGPU adapter and device: a host-provided GPUDevice, navigator.gpu (Deno, browsers),
// or Dawn's Node bindings (npm `webgpu`) under Node and Bun. Not the Device wrapper itself (see device.ts).
import { NoAdapterError } from "./errors.ts";

export interface AdapterSummary {
  /** e.g. "llvmpipe (LLVM 19.1.7, 256 bits)" */
  name: string;
  vendor: string;
  architecture: string;
  /** "vulkan", "opengles", "metal", "d3d12" or "navigator.gpu" */
  backend: string;
  features: string[];
  /** True for CPU rasterisers such as lavapipe/llvmpipe/SwiftShader. */
  isCpu: boolean;
}

export interface AcquireOptions {
  /** Dawn backend for Node/Bun: "vulkan" (default) or "opengles" (needs EGL_PLATFORM=surfaceless). */
  backend?: "vulkan" | "opengles";
  powerPreference?: GPUPowerPreference;
}

const INSTALL_HINT = [
  "No WebGPU adapter was found.",
  "On Debian 12 install Mesa's lavapipe Vulkan driver from bookworm-backports:",
  "  bash scripts/setup.sh        (does it for you), or by hand:",
  "  add a deb822 source with 'Suites: bookworm-backports', apt-get update,",
  "  apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1",
  "Debian 12's own mesa-vulkan-drivers (22.3) is too old for Dawn.",
  "Elsewhere: install your GPU's Vulkan/Metal/D3D12 driver, or pass a GPUDevice you already have.",
].join("\n");

// npm `webgpu` is an optional peer dependency of @sae/tensor-core: only Node and Bun need it.
const NO_DAWN = [
  "WebGPU under Node and Bun needs Dawn's Node bindings, npm package 'webgpu' (an optional peer dependency of",
  "@sae/tensor-core), which is not installed. Install it beside @sae/*: npm install webgpu@0.6.2 (or bun add",
  "webgpu@0.6.2). Deno and browsers need nothing: they use navigator.gpu.",
].join("\n");

function dawnMissing(e: unknown): boolean {
  const { code, message } = e as { code?: string; message?: string };
  return /MODULE_NOT_FOUND/.test(code ?? "") || /Cannot find (package|module) .?webgpu/.test(message ?? "");
}

type GpuLike = { requestAdapter(o?: GPURequestAdapterOptions): Promise<GPUAdapter | null> };

async function dawnGpu(backend: string): Promise<GpuLike> {
  const g = globalThis as { process?: { env: Record<string, string | undefined> } };
  if (g.process?.env && !g.process.env.XDG_RUNTIME_DIR) g.process.env.XDG_RUNTIME_DIR = "/tmp";
  const mod = (await import("webgpu")) as unknown as { create(o: string[]): GpuLike; globals: object };
  Object.assign(globalThis, mod.globals);
  const gpu = mod.create(backend === "vulkan" ? [] : [`backend=${backend}`]);
  instances.push(gpu);
  return gpu;
}

// Dawn's instances, held for the life of the process: nothing else in JS references one after requestAdapter, and
// when Bun's GC collected it, Dawn's event polling (mapAsync) crashed in InstanceBase::ProcessEvents.
const instances: GpuLike[] = [];

export async function acquireAdapter(opts: AcquireOptions = {}): Promise<{ adapter: GPUAdapter; backend: string }> {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  const isNodeLike = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";
  const isDeno = "Deno" in globalThis;
  let gpu: GpuLike | undefined;
  let backend = "navigator.gpu";
  if (nav?.gpu && (isDeno || !isNodeLike)) {
    gpu = nav.gpu;
  } else {
    backend = opts.backend ?? "vulkan";
    try {
      gpu = await dawnGpu(backend);
    } catch (e) {
      if (dawnMissing(e)) throw new NoAdapterError(NO_DAWN);
      throw new NoAdapterError(`${INSTALL_HINT}\n(loading Dawn's Node bindings from npm 'webgpu' failed: ${(e as Error).message})`);
    }
  }
  const adapter = await gpu.requestAdapter({
    powerPreference: opts.powerPreference ?? "high-performance",
    ...(backend === "opengles" ? { featureLevel: "compatibility" } : {}),
  } as GPURequestAdapterOptions);
  if (!adapter) throw new NoAdapterError(`${INSTALL_HINT}\n(backend tried: ${backend})`);
  return { adapter, backend };
}

export function summarize(adapter: GPUAdapter, backend: string): AdapterSummary {
  const info = (adapter as { info?: GPUAdapterInfo }).info;
  const name = info?.description || info?.device || "unknown adapter";
  const lower = `${name} ${info?.vendor ?? ""}`.toLowerCase();
  return {
    name,
    vendor: info?.vendor ?? "",
    architecture: info?.architecture ?? "",
    backend,
    features: [...adapter.features].map(String).sort(),
    isCpu: /llvmpipe|lavapipe|swiftshader|software/.test(lower),
  };
}
