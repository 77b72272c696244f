// A file on disk as a conversion reads it (a SourceFile named by its path): the disk readers' one step from a path
// to the bytes the conversions take (@sae/core/node: pretrained_files.ts, sparsify_dir.ts).
import { readFileSync } from "node:fs";
import type { SourceFile } from "./types.ts";

export function localFile(path: string): SourceFile {
  return { name: path, bytes: new Uint8Array(readFileSync(path)) };
}
