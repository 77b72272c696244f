"""What the PyTorch peers (bench/torch_peer.py, bench/torch_train_peer.py) share: the stdin/stdout JSON protocol and
the timing. A peer reads {"threads", "reps"?, "specs": [...]} on stdin and prints {"results": [{"name", "ms", "all",
"cpu_ms", "torch"} or {"name", "error"}]}, or {"error"} when torch cannot be imported. Dev tools, never runtime
dependencies.
"""
import json
import sys
import time


def median(xs):
    s = sorted(xs)
    return s[len(s) // 2] if len(s) % 2 else 0.5 * (s[len(s) // 2 - 1] + s[len(s) // 2])


def timed(fn, warmup, reps):
    """Wall ms and process CPU ms (all threads) of each timed call."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(reps):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu


def serve(makers, key, reps=3, grad=True, ms=median):
    """Times each spec: makers[spec[key]](torch, spec) gives the function to time (built and run under no_grad
    unless `grad`); `ms` picks the reported time from the timed calls."""
    req = json.load(sys.stdin)
    try:
        import torch
    except Exception as e:  # noqa: BLE001 - any import failure means "no peer"
        print(json.dumps({"error": f"torch not importable: {e}"}))
        return
    torch.set_num_threads(int(req.get("threads", 2)))
    torch.manual_seed(0)
    default_reps = int(req.get("reps", reps))
    results = []
    for spec in req["specs"]:
        make = makers.get(spec[key])
        if make is None:
            results.append({"name": spec["name"], "error": f"unknown {key} {spec[key]}"})
            continue
        try:
            with torch.set_grad_enabled(grad):
                fn = make(torch, spec)
                wall, cpu = timed(fn, int(spec.get("warmup", 1)), int(spec.get("reps", default_reps)))
            results.append({"name": spec["name"], "ms": ms(wall), "all": wall, "cpu_ms": median(cpu), "torch": torch.__version__})
        except Exception as e:  # noqa: BLE001 - report per spec, keep the others
            results.append({"name": spec["name"], "error": f"{type(e).__name__}: {e}"})
    print(json.dumps({"results": results}))
