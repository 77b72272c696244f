"""PyTorch peer for the kernel benchmarks: times each spec with torch on the CPU (no autograd), speaking the JSON
protocol of bench/peer.py. Run by bench/lib.ts as `/usr/bin/python3 bench/torch_peer.py`.
Ops (the TypeScript groups send these):
  matmul: M, K, N, transA, transB, batch (0: plain 2-D) -- times op(a) @ op(b) on tensors stored as our kernels get them.
"""
from peer import serve


def stored(torch, shape, trans):
    """A tensor stored as [.., cols, rows] when trans, used through its transpose (no copy), like our op."""
    *lead, r, c = shape
    t = torch.randn(*lead, c, r) if trans else torch.randn(*lead, r, c)
    return t.transpose(-1, -2) if trans else t


def matmul_case(torch, s):
    lead = [s["batch"]] if s.get("batch") else []
    a = stored(torch, lead + [s["M"], s["K"]], s.get("transA", False))
    b = stored(torch, lead + [s["K"], s["N"]], s.get("transB", False))
    out = torch.empty(*lead, s["M"], s["N"])
    return lambda: torch.matmul(a, b, out=out)


OPS = {"matmul": matmul_case}


if __name__ == "__main__":
    # the upper middle of the sorted times, as this peer has always reported
    serve(OPS, "op", reps=5, grad=False, ms=lambda ts: sorted(ts)[len(ts) // 2])
