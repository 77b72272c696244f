// CPU reference for crossEntropyRows: lse(row) - row[target] per row, float64; NaN for a target outside [0, V).
import { checkDType, host, type HostTensor } from "../tensor.ts";
import { hostLogitShape, lseRow } from "./logsumexp.ts";

/** logits [..., V], targets i32 [...] -> [...]. */
export function crossEntropyRows(x: HostTensor, targets: HostTensor): HostTensor<"f32"> {
  const { rows, V, lead } = hostLogitShape("crossEntropyRows", x);
  checkDType("crossEntropyRows", "targets", targets, "i32");
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const t = targets.data[r];
    out[r] = t >= 0 && t < V ? lseRow(x.data, r * V, V) - x.data[r * V + t] : NaN;
  }
  return host(lead, out);
}
