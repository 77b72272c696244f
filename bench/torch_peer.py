"""PyTorch peer for the benchmarks: reads {"threads", "reps", "specs": [...]} as JSON on stdin, times each spec
with torch on the CPU and prints {"results": [{"name", "ms"}]} (or {"error"} when torch cannot be imported).
Run by bench/lib.ts as `/usr/bin/python3 bench/torch_peer.py`; a dev tool, never a runtime dependency.
Ops (the TypeScript groups send these):
  matmul: M, K, N, transA, transB, batch (0: plain 2-D) -- times op(a) @ op(b) on tensors stored as our kernels get them.
"""
import json
import sys
import time


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


def main():
    req = json.load(sys.stdin)
    try:
        import torch
    except Exception as e:  # noqa: BLE001 - any import failure means "no peer"
        print(json.dumps({"error": f"torch not importable: {e}"}))
        return
    torch.set_num_threads(int(req.get("threads", 2)))
    torch.manual_seed(0)
    reps = int(req.get("reps", 5))
    results = []
    for spec in req["specs"]:
        make = OPS.get(spec["op"])
        if make is None:
            results.append({"name": spec["name"], "error": f"unknown op {spec['op']}"})
            continue
        with torch.no_grad():
            fn = make(torch, spec)
            fn()  # warm-up
            times = []
            for _ in range(int(spec.get("reps", reps))):
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        results.append({"name": spec["name"], "ms": times[len(times) // 2], "torch": torch.__version__})
    print(json.dumps({"results": results}))


if __name__ == "__main__":
    main()
