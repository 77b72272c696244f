// CPU references of the tensor-core ops, by name (exported from the package as the namespace `cpu`).
export { matmul } from "./matmul.ts";
