// The bundled corpora for dataset_path "bundled:<name>": tiny-shakespeare (the transformer package's, beside its
// bundled model) and tinystories (a TinyStories validation slice in this package's assets/, CDLA-Sharing-1.0,
// SOURCE.md beside it). Plain text, read as one document.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundledModelDir } from "@sae/transformer/node";
import { ConfigError } from "../errors.ts";

const BUNDLED = {
  "tiny-shakespeare": () => join(bundledModelDir(), "input.txt"),
  tinystories: () => fileURLToPath(new URL("../../assets/tinystories/validation.txt", import.meta.url)),
} satisfies Record<string, () => string>;

/** The file behind "bundled:<name>"; a ConfigError listing the bundled names otherwise. */
export function bundledDataset(name: string): string {
  const path = BUNDLED[name as keyof typeof BUNDLED];
  if (!path) {
    const names = Object.keys(BUNDLED).map((n) => `'bundled:${n}'`).join(", ");
    throw new ConfigError(`dataset_path 'bundled:${name}': the bundled datasets are ${names}`);
  }
  return path();
}
