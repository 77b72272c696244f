// A download's partial file (blobs/{etag}.incomplete) as hub-transfer.ts's Sink: what an earlier run left is resumed,
// and it is kept when the retries fail, so the next run resumes it. For hubDownload (the ./node entry).
import { existsSync, rmSync, statSync } from "node:fs";
import { mkdir, open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Sink } from "./hub-transfer.ts";

export function partialFile(path: string): Sink {
  return {
    kept: `the partial file ${path} is kept, run again to resume`,
    size: async () => (existsSync(path) ? statSync(path).size : 0),
    clear: async () => rmSync(path, { force: true }),
    read: async () => new Uint8Array(await readFile(path)),
    open: async (append: boolean) => {
      await mkdir(dirname(path), { recursive: true });
      const fh = await open(path, append ? "a" : "w");
      return { write: async (chunk: Uint8Array) => void (await fh.write(chunk)), close: () => fh.close() };
    },
  };
}
