// Shape helpers shared by ops and their CPU references.
import { ShapeError } from "./errors.ts";

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function fmt(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkShape(op: string, name: string, actual: Shape, expected: Shape): void {
  if (!sameShape(actual, expected)) {
    throw new ShapeError(`${op}: ${name} has shape ${fmt(actual)}, expected ${fmt(expected)}`);
  }
}

export function checkValidShape(shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`invalid shape ${fmt(shape)}: dimensions must be non-negative integers`);
  }
}

/** Last dimension and the product of the others: [..., cols] -> rows x cols. */
export function rowsCols(shape: Shape): { rows: number; cols: number } {
  const cols = shape.length === 0 ? 1 : shape[shape.length - 1];
  return { rows: cols === 0 ? 0 : numel(shape) / cols, cols };
}
