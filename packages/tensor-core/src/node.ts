// @sae/tensor-core/node: what reads or writes the file system (Node, Bun, Deno). The main entry works from bytes only
// (readSafetensors, writeSafetensors; files by URL: @sae/hub's fetchBytes) and imports no `node:` module, so browsers
// can load it.
export { loadSafetensorsFile, saveSafetensorsFile, readSafetensorsHeaderFile } from "./io/safetensors-fs.ts";
