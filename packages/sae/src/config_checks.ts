// Field checks shared by the config (config.ts) and the architectures' own checks (arch/*/): no imports of either,
// so an architecture can check its fields without importing config.ts.
import { SaeConfigError } from "./errors.ts";

export function positiveInt(value: unknown, field: string, where: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new SaeConfigError(`${where}: field '${field}' must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}
