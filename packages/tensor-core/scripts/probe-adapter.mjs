// Prints the WebGPU adapter Dawn finds (exit 0), or why there is none (exit 1). Used by scripts/setup.sh.
import { create, globals } from "webgpu";
Object.assign(globalThis, globals);
process.env.XDG_RUNTIME_DIR ??= "/tmp";
const gpu = create([]);
const adapter = await gpu.requestAdapter();
if (!adapter) {
  console.log("no adapter");
  process.exit(1);
}
const info = adapter.info ?? {};
console.log(`${info.description || info.device || "unknown"} (${info.vendor || "?"}, ${info.architecture || "?"})`);
process.exit(0);
