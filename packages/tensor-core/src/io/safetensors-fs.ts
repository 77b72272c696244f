// safetensors file helpers on node:fs (Node, Bun, Deno). Loading reads the header first, then only the byte ranges
// of the requested tensors; saving writes to a temporary file and renames it so readers never see half a file.
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { FormatError } from "../errors.ts";
import {
  decodeTensor,
  parseSafetensorsHeader,
  writeSafetensors,
  type SafeTensor,
  type Safetensors,
  type SafetensorsHeader,
  type WritableTensor,
} from "./safetensors.ts";

function readRange(fd: number, start: number, length: number, path: string): Uint8Array {
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, out, got, length - got, start + got);
    if (n === 0) throw new FormatError(`safetensors ${path}: truncated: wanted ${length} bytes at offset ${start}, file ended after ${got}`);
    got += n;
  }
  return out;
}

function withHeader<T>(path: string, use: (fd: number, header: SafetensorsHeader) => T): T {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size < 8) throw new FormatError(`safetensors ${path}: truncated: ${size} bytes, need at least 8 for the header length`);
    const lenBytes = readRange(fd, 0, 8, path);
    const n = Number(new DataView(lenBytes.buffer).getBigUint64(0, true));
    const headerBytes = 8 + n <= size ? readRange(fd, 0, 8 + n, path) : lenBytes; // short: the parser names the problem
    return use(fd, parseSafetensorsHeader(headerBytes, size, path));
  } finally {
    closeSync(fd);
  }
}

/** The validated header (names, dtypes, shapes, offsets, metadata) without reading tensor data. */
export function readSafetensorsHeaderFile(path: string): SafetensorsHeader {
  return withHeader(path, (_fd, header) => header);
}

/** Loads all tensors, or only the named ones, from a .safetensors file. */
export function loadSafetensorsFile(path: string, options: { only?: readonly string[] } = {}): Safetensors {
  return withHeader(path, (fd, header) => {
    const byName = new Map(header.entries.map((e) => [e.name, e]));
    const tensors = new Map<string, SafeTensor>();
    for (const name of options.only ?? header.entries.map((e) => e.name)) {
      const e = byName.get(name);
      if (!e) throw new FormatError(`safetensors ${path}: no tensor named '${name}' (has: ${[...byName.keys()].join(", ")})`);
      const raw = readRange(fd, header.dataStart + e.begin, e.end - e.begin, path);
      tensors.set(name, { dtype: e.dtype, shape: e.shape, data: decodeTensor(e, raw, path) });
    }
    return { tensors, metadata: header.metadata };
  });
}

/** Writes tensors and metadata to `path` (parent folders created), atomically via a temporary file. */
export function saveSafetensorsFile(
  path: string,
  tensors: Record<string, WritableTensor> | Map<string, WritableTensor>,
  metadata?: Record<string, string>,
): void {
  const bytes = writeSafetensors(tensors, metadata);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}
