// Runs the bundled tensor core under plain Node (no Bun): device, upload, a kernel, readback.
import { getDevice, Tensor, fill } from "../.cache/index.mjs";
const dev = await getDevice();
const t = Tensor.from(dev, [2, 3], new Float32Array([1, 2, 3, 4, 5, 6]));
const before = Array.from(await t.read());
fill(t, 2.5);
const after = Array.from(await t.read());
const ok = before.join() === "1,2,3,4,5,6" && after.every((v) => v === 2.5);
console.log(`node ${process.version}: ${dev.describe()}: ${ok ? "ok" : "MISMATCH " + before + " / " + after}`);
process.exit(ok ? 0 : 1);
