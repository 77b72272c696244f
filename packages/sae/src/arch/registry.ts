// The architecture registry: one entry per SAELens architecture name, checked with `satisfies`. Adding an
// architecture is a folder arch/<name>/ implementing the contract (contract.ts) and one line here; the names, the
// config's architecture field and `sae train --architecture` follow from this list.
import { SaeConfigError } from "../errors.ts";
import { batchtopk } from "./batchtopk/batchtopk.ts";
import type { Architecture } from "./contract.ts";
import { gated } from "./gated/gated.ts";
import { jumprelu } from "./jumprelu/jumprelu.ts";
import { matryoshkaBatchtopk } from "./matryoshka_batchtopk/matryoshka.ts";
import { standard } from "./standard/standard.ts";
import { topkArch } from "./topk/topk.ts";

export const ARCHITECTURES = {
  standard,
  gated,
  jumprelu,
  topk: topkArch,
  batchtopk,
  matryoshka_batchtopk: matryoshkaBatchtopk,
} as const satisfies Record<string, Architecture>;

export type ArchitectureName = keyof typeof ARCHITECTURES;
export const ARCHITECTURE_NAMES = Object.keys(ARCHITECTURES) as readonly ArchitectureName[];

/** The architectures that keep k latents (per row or per batch) and share the aux-k loss. */
export function isTopkFamily(a: ArchitectureName): boolean {
  return ARCHITECTURES[a].topkFamily;
}

export function architecture(name: string): Architecture {
  const a = (ARCHITECTURES as Record<string, Architecture>)[name];
  if (!a) throw new SaeConfigError(`unknown architecture '${name}'; valid: ${ARCHITECTURE_NAMES.join(", ")}`);
  return a;
}
