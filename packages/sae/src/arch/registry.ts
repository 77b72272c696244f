// The architecture registry: one entry per SAELens architecture name, checked with `satisfies`.
import { ARCHITECTURE_NAMES, type ArchitectureName } from "../config.ts";
import { SaeConfigError } from "../errors.ts";
import { batchtopk } from "./batchtopk.ts";
import type { Architecture } from "./contract.ts";
import { gated } from "./gated.ts";
import { jumprelu } from "./jumprelu.ts";
import { matryoshkaBatchtopk } from "./matryoshka.ts";
import { standard } from "./standard.ts";
import { topkArch } from "./topk.ts";

export const ARCHITECTURES = {
  standard,
  gated,
  jumprelu,
  topk: topkArch,
  batchtopk,
  matryoshka_batchtopk: matryoshkaBatchtopk,
} as const satisfies Record<ArchitectureName, Architecture>;

export function architecture(name: string): Architecture {
  const a = (ARCHITECTURES as Record<string, Architecture>)[name];
  if (!a) throw new SaeConfigError(`unknown architecture '${name}'; valid: ${ARCHITECTURE_NAMES.join(", ")}`);
  return a;
}
