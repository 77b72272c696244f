// CPU reference for klRows: KL(softmax(p) || softmax(q)) per row = sum p_j (log p_j - log q_j), float64.
import { host, type HostTensor } from "../tensor.ts";
import { hostLogitShape, lseRow } from "./logsumexp.ts";

/** p, q [..., V] -> [...]. */
export function klRows(p: HostTensor, q: HostTensor): HostTensor<"f32"> {
  const { rows, V, lead } = hostLogitShape("klRows", p);
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * V;
    const [lp, lq] = [lseRow(p.data, o, V), lseRow(q.data, o, V)];
    let kl = 0;
    for (let j = 0; j < V; j++) {
      const a = p.data[o + j] - lp;
      if (a > -Infinity) kl += Math.exp(a) * (a - (q.data[o + j] - lq));
    }
    out[r] = kl;
  }
  return host(lead, out);
}
