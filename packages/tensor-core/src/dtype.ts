// Element types a Tensor can hold: f32 for values, i32/u32 for indices and counts.

export type DType = "f32" | "i32" | "u32";

export type TypedArrayFor<D extends DType> = D extends "f32"
  ? Float32Array
  : D extends "i32"
    ? Int32Array
    : Uint32Array;

export type AnyTypedArray = Float32Array | Int32Array | Uint32Array;

export const BYTES_PER_ELEMENT = { f32: 4, i32: 4, u32: 4 } as const satisfies Record<DType, number>;

export function arrayFor<D extends DType>(dtype: D, length: number | ArrayBuffer): TypedArrayFor<D> {
  const dt: DType = dtype;
  switch (dt) {
    case "f32":
      return new Float32Array(length as number) as TypedArrayFor<D>;
    case "i32":
      return new Int32Array(length as number) as TypedArrayFor<D>;
    case "u32":
      return new Uint32Array(length as number) as TypedArrayFor<D>;
    default:
      throw new Error(`unknown dtype ${dt satisfies never}`);
  }
}

export function dtypeOf(data: AnyTypedArray): DType {
  if (data instanceof Float32Array) return "f32";
  if (data instanceof Int32Array) return "i32";
  return "u32";
}
