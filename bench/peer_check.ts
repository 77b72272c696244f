// The PyTorch peer's credentials, checked once per bench process before any of its times is used: its result for a
// small product against our CPU reference, which BLAS library it loaded (and, for OpenBLAS, which kernel), and its
// own GEMM rate at the SAE encoder's shape. Printed as the `peer GEMM:` header line. A peer whose GEMM runs below
// BENCH_PEER_MIN_GFLOPS (default 150: this class of 2-core machine gives it 175-430; 64-115 is the degraded kernel
// picked under OPENBLAS_CORETYPE) or whose product is wrong is "degraded": the tables then claim no ratio to it.
import { host, Rng } from "@sae/tensor-core";
import { cpu } from "@sae/tensor-core/testing";
import { runPeer } from "./lib.ts";

export interface PeerCheck {
  /** One line for the header and RESULTS.md. */
  line: string;
  /** False: no torch/ours ratio may be claimed (peer missing, wrong or degraded). */
  trusted: boolean;
  gflops?: number;
  /** The BLAS as the peer reported it. */
  blas?: unknown;
}

interface Probe {
  c: number[];
  gemm: [number, number, number];
  gemm_ms: number;
  gflops: number;
  threads: number;
  torch: string;
  blas: { libs: string[]; env: Record<string, string | null>; openblas?: { core: string; config: string }; torch_build?: string };
}

const SMALL = { M: 37, K: 53, N: 29 };
const GEMM: [number, number, number] = [4096, 768, 6144];

function minGflops(): number {
  return Number(process.env.BENCH_PEER_MIN_GFLOPS ?? 150);
}

/** Runs the probe (a fresh peer process: the same environment every timed peer gets). */
export function checkPeer(reps = 3): PeerCheck {
  const rng = new Rng(99);
  const a = host([SMALL.M, SMALL.K], rng.normalArray(SMALL.M * SMALL.K));
  const b = host([SMALL.K, SMALL.N], rng.normalArray(SMALL.K * SMALL.N));
  const reply = runPeer("torch_peer.py", { threads: 2, specs: [], probe: { ...SMALL, a: [...a.data], b: [...b.data], gemm: GEMM, reps } });
  if ("error" in reply) return { line: `peer GEMM: none (${reply.error})`, trusted: false };
  const p = reply.probe as Probe;
  const ref = cpu.matmul(a, b).data;
  let maxErr = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    maxErr = Math.max(maxErr, Math.abs(p.c[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  const ok = p.c.length === ref.length && maxErr <= 1e-5 * Math.max(1, scale);
  const ob = p.blas.openblas;
  const lib = ob ? `OpenBLAS ${ob.config.split(" ")[1]} kernel ${ob.core}` : `${p.blas.libs.join(", ") || "no BLAS library mapped"}`;
  const envs = Object.entries(p.blas.env).filter(([k]) => k.startsWith("OPENBLAS_CORE") || k.startsWith("OPENBLAS_L2"));
  const env = envs.map(([k, v]) => `${k}=${v ?? "unset"}`).join(", ");
  const degraded = p.gflops < minGflops();
  const verdict = !ok ? `WRONG: max error ${maxErr.toExponential(2)} vs CPU reference` : degraded ? `DEGRADED: below ${minGflops()} GFLOP/s, no ratio claimed` : `checked against the CPU reference (max error ${maxErr.toExponential(1)})`;
  const [M, K, N] = p.gemm;
  const line = `peer GEMM: ${p.gflops.toFixed(0)} GFLOP/s (BLAS ${lib}; ${env}; torch ${p.torch}, ${p.threads} threads; ${M}x${K}x${N} in ${p.gemm_ms.toFixed(0)} ms) ${verdict}`;
  return { line, trusted: ok && !degraded, gflops: p.gflops, blas: p.blas };
}

let cached: PeerCheck | undefined;

/** checkPeer() once per process. */
export function peerCheck(): PeerCheck {
  cached ??= checkPeer();
  return cached;
}
