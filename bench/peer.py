"""What the PyTorch peers (bench/torch_peer.py, bench/torch_train_peer.py) share: the stdin/stdout JSON protocol and
the timing. A peer reads {"threads", "reps"?, "specs": [...]} on stdin and prints {"results": [{"name", "ms", "all",
"cpu_ms", "torch"} or {"name", "error"}]}, or {"error"} when torch cannot be imported. A request with "probe":
{"M", "K", "N", "a", "b", "gemm"} also gets {"probe": {"c", "blas", "gemm_ms", ...}}: the product of the small a @ b
(the bench checks it against its CPU reference before trusting any time), which BLAS library the process loaded, and
its own GEMM rate at gemm = [M, K, N]. Dev tools, never runtime dependencies.
"""
import ctypes
import json
import os
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


def blas_info(torch):
    """Which BLAS this process loaded: the shared objects mapped into it, OpenBLAS's core name and config when it is
    OpenBLAS (the kernel it picked: OPENBLAS_CORETYPE overrides that choice), threadpoolctl's view when installed."""
    with open("/proc/self/maps") as f:
        libs = sorted({ln.split()[-1] for ln in f if "blas" in ln.lower() and ln.split()[-1].startswith("/")})
    info = {"libs": libs, "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}}
    for lib in libs:
        try:
            so = ctypes.CDLL(lib)
            so.openblas_get_corename.restype = ctypes.c_char_p
            so.openblas_get_config.restype = ctypes.c_char_p
            info["openblas"] = {"core": so.openblas_get_corename().decode(), "config": so.openblas_get_config().decode(), "lib": lib}
            break
        except (OSError, AttributeError):
            continue
    blas_lines = [ln.strip() for ln in torch.__config__.show().splitlines() if "BLAS_INFO" in ln]
    info["torch_build"] = blas_lines[0].split("BLAS_INFO=")[1].split(",")[0] if blas_lines else None
    try:
        import threadpoolctl  # optional

        info["threadpoolctl"] = threadpoolctl.threadpool_info()
    except ImportError:
        pass
    return info


def probe(torch, p):
    """The small product for the correctness check, the BLAS in use and this process's GEMM rate."""
    a = torch.tensor(p["a"], dtype=torch.float32).reshape(p["M"], p["K"])
    b = torch.tensor(p["b"], dtype=torch.float32).reshape(p["K"], p["N"])
    c = (a @ b).reshape(-1).tolist()
    M, K, N = p["gemm"]
    x, w, out = torch.randn(M, K), torch.randn(K, N), torch.empty(M, N)
    wall, _ = timed(lambda: torch.matmul(x, w, out=out), 1, int(p.get("reps", 3)))
    ms = median(wall)
    return {"c": c, "blas": blas_info(torch), "gemm": [M, K, N], "gemm_ms": ms, "gemm_all": wall, "gflops": 2 * M * K * N / ms / 1e6,
            "threads": torch.get_num_threads(), "torch": torch.__version__}


def start_torch(req):
    """torch on req["threads"] threads (default 2), seeded 0; None after printing the "no peer" reply when torch
    does not import."""
    try:
        import torch
    except Exception as e:  # noqa: BLE001 - any import failure means "no peer"
        print(json.dumps({"error": f"torch not importable: {e}"}))
        return None
    torch.set_num_threads(int(req.get("threads", 2)))
    torch.manual_seed(0)
    return torch


def serve(makers, key, reps=3, grad=True, ms=median):
    """Times each spec: makers[spec[key]](torch, spec) gives the function to time (built and run under no_grad
    unless `grad`); `ms` picks the reported time from the timed calls."""
    req = json.load(sys.stdin)
    torch = start_torch(req)
    if torch is None:
        return
    default_reps = int(req.get("reps", reps))
    results = []
    reply = {"results": results}
    if req.get("probe"):
        reply["probe"] = probe(torch, req["probe"])
    for spec in req.get("specs", []):
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
    print(json.dumps(reply))
