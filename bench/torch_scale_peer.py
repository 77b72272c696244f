"""PyTorch peer for bench/scale.ts: one SAE training step at the scale rows' sizes, the way SAELens 6.18 trains them,
with the step's peak memory. Dev tool, never a runtime dependency.
Kinds (spec["kind"]):
  dense:  SAELens's own step: pre = (x - b_dec) @ W_enc + b_enc; topk/batchtopk score pre * ||W_dec[i]|| and decode
          f / ||W_dec[i]|| (rescale_acts_by_decoder_norm, SAELens's training default for both; no renormalisation
          step), topk keeps each row's k largest (ReLU'd), batchtopk the k * batch largest ReLU'd scores of the batch
          and moves its running threshold; standard is ReLU with the L1 term l1 * sum(f * ||W_dec[i]||). Dense f
          [batch, d_sae], autograd, torch.optim.Adam on every parameter.
  sparse: TopK only, bench/torch_topk_sparse.py's strong peer (encoder GEMM + topk, decoder and its gradients through
          the k pairs per row) with the same decoder-norm rescaling as the dense step; checked against dense autograd
          on a small case before its first timing in each process (raises on a mismatch).
Fields: arch, d_in, d_sae, batch, k, l1 (standard), warmup, reps.
Memory: "peak_bytes" is the process's peak RSS (VmHWM, reset through /proc/self/clear_refs before the spec) minus its
RSS before the spec's tensors were made: parameters, Adam state, the batch and the step's transients, plus allocator
slack (not tensor bytes: torch on CPU has no allocator statistics). glibc's mmap threshold is fixed at 128 KiB and
the heap trimmed before each spec, so a freed tensor leaves RSS and the next spec's baseline is not inflated. A spec
whose estimated peak exceeds 80% of MemAvailable is refused with that estimate, not run into the OOM killer.
Protocol as bench/peer.py: {"threads", "specs"} on stdin; {"results": [{"name", "ms", "all", "cpu_ms",
"peak_bytes", "torch"} or {"name", "error"}]} on stdout.
"""
import ctypes
import gc
import json
import sys

from peer import median, start_torch, timed
from torch_topk_sparse import adam_setup, init_params

# Peak RSS above 4x the parameters, in [batch, d_sae] f32 tensors, rounded up from one run at d_in 768, d_sae 4096,
# batch 4096 (topk 9.3, batchtopk 6.3, standard 5.8, sparse 0.65): for the refusal's estimate only.
DENSE_TENSORS = {"topk": 10, "batchtopk": 7, "standard": 6}
SPARSE_TENSORS = 1


def rss_kib(field):
    with open("/proc/self/status") as f:
        for ln in f:
            if ln.startswith(field + ":"):
                return int(ln.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def mem_available():
    with open("/proc/meminfo") as f:
        for ln in f:
            if ln.startswith("MemAvailable:"):
                return int(ln.split()[1]) * 1024
    return None


def refuse_if_too_big(s):
    dense = s["batch"] * s["d_sae"] * 4
    params = (2 * s["d_in"] * s["d_sae"] + s["d_sae"] + s["d_in"]) * 4
    n = SPARSE_TENSORS if s["kind"] == "sparse" else DENSE_TENSORS[s["arch"]]
    need = n * dense + 4 * params  # parameters, gradients, Adam's m and v
    avail = mem_available()
    if avail is not None and need > 0.8 * avail:
        raise MemoryError(f"needs ~{need / 2**30:.1f} GiB by estimate, MemAvailable {avail / 2**30:.1f} GiB: not run")


def dense_step(torch, s):
    arch, batch, k = s["arch"], s["batch"], s.get("k", 32)
    p, opt, x = adam_setup(torch, s["d_in"], s["d_sae"], batch)
    rescale = arch in ("topk", "batchtopk")
    state = {"threshold": torch.tensor(0.0, dtype=torch.float64)}

    def step():
        opt.zero_grad(set_to_none=True)
        pre = (x - p["b_dec"]) @ p["W_enc"] + p["b_enc"]  # [batch, d_sae]
        norms = p["W_dec"].norm(dim=-1) if rescale else None  # [d_sae]
        hp = pre * norms if rescale else pre
        if arch == "standard":
            f = torch.relu(hp)
        elif arch == "topk":
            top = hp.topk(k, dim=-1)
            f = torch.zeros_like(hp).scatter(-1, top.indices, top.values.relu())
        elif arch == "batchtopk":
            flat = hp.relu().flatten()
            top = flat.topk(int(k * batch), dim=-1)
            f = torch.zeros_like(flat).scatter(-1, top.indices, top.values).reshape(hp.shape)
        else:
            raise ValueError(f"unknown arch {arch}")
        out = (f * (1 / norms) if rescale else f) @ p["W_dec"] + p["b_dec"]
        loss = (out - x).pow(2).sum(-1).mean()
        if arch == "standard":
            loss = loss + s.get("l1", 5.0) * (f * p["W_dec"].norm(dim=1)).sum(-1).mean()
        loss.backward()
        opt.step()
        if arch == "batchtopk":  # SAELens's update_topk_threshold
            with torch.no_grad():
                pos = f > 0
                if pos.any():
                    state["threshold"] = 0.99 * state["threshold"] + 0.01 * f[pos].min().double()

    return step


def make_rescaled_encode(torch, k):
    class Encode(torch.autograd.Function):
        """(x, b_dec, W_enc, b_enc, norms) -> relu(topk(((x - b_dec) @ W_enc + b_enc) * norms)) as (acts [batch, k],
        idx [batch, k]); the backward touches the k pairs per row, W_enc's gradient by the dense GEMM on the scattered
        gradient (as autograd through topk does)."""

        @staticmethod
        def forward(ctx, x, b_dec, W_enc, b_enc, norms):
            xc = x - b_dec
            hp = torch.addmm(b_enc, xc, W_enc).mul_(norms)  # [batch, d_sae]
            vals, idx = hp.topk(k, dim=-1, sorted=False)
            del hp
            ctx.save_for_backward(xc, W_enc, norms, idx, vals)
            ctx.mark_non_differentiable(idx)
            return vals.relu(), idx

        @staticmethod
        def backward(ctx, g_acts, _g_idx):
            xc, W_enc, norms, idx, vals = ctx.saved_tensors
            batch, d_sae = xc.shape[0], W_enc.shape[1]
            lat = idx.reshape(-1)
            n_at = norms[lat]
            g = (g_acts * (vals > 0)).reshape(-1)  # d loss / d score at each pair
            g_pre = g * n_at
            g_norms = torch.zeros(d_sae).index_add_(0, lat, g * vals.reshape(-1) / n_at)  # pre = score / norm
            dense = torch.zeros(batch, d_sae).scatter_(1, idx, g_pre.reshape(batch, k))
            gb = torch.zeros(d_sae).index_add_(0, lat, g_pre)
            return None, -(W_enc @ gb), xc.t() @ dense, gb, g_norms

    return Encode


def sparse_loss(torch, p, x, Encode):
    norms = p["W_dec"].norm(dim=-1)
    acts, idx = Encode.apply(x, p["b_dec"], p["W_enc"], p["b_enc"], norms)
    dec = acts / norms[idx]  # [batch, k]
    out = torch.nn.functional.embedding_bag(idx, p["W_dec"], per_sample_weights=dec, mode="sum") + p["b_dec"]
    return (out - x).pow(2).sum(-1).mean()


def dense_loss(torch, p, x, k):
    norms = p["W_dec"].norm(dim=-1)
    hp = ((x - p["b_dec"]) @ p["W_enc"] + p["b_enc"]) * norms
    top = hp.topk(k, dim=-1)
    f = torch.zeros_like(hp).scatter(-1, top.indices, top.values.relu())
    return ((f / norms) @ p["W_dec"] + p["b_dec"] - x).pow(2).sum(-1).mean()


def check_against_dense(torch, d_in=24, d_sae=96, batch=40, k=5):
    """Gradients of the sparse rescaled step equal dense autograd's (random biases, decoder rows of unequal norm)."""
    p, g = init_params(torch, d_in, d_sae, seed=3)
    p["b_dec"] = torch.randn(d_in, generator=g) * 0.1
    p["b_enc"] = torch.randn(d_sae, generator=g) * 0.1
    p["W_dec"] = p["W_dec"] * (0.5 + torch.rand(d_sae, 1, generator=g))
    x = torch.randn(batch, d_in, generator=g)
    grads = []
    for f in (lambda q: sparse_loss(torch, q, x, make_rescaled_encode(torch, k)), lambda q: dense_loss(torch, q, x, k)):
        q = {n: t.clone().requires_grad_(True) for n, t in p.items()}
        f(q).backward()
        grads.append({n: t.grad for n, t in q.items()})
    for n in p:
        err = (grads[0][n] - grads[1][n]).abs().max().item()
        if not err <= 1e-5 * max(1.0, grads[1][n].abs().max().item()):
            raise AssertionError(f"sparse TopK scale peer: d{n} differs from dense autograd by {err}")


CHECKED = []


def sparse_step(torch, s):
    if s["arch"] != "topk":
        raise ValueError(f"the sparse peer is TopK only, not {s['arch']}")
    if not CHECKED:  # once per process: the check does not depend on the spec
        check_against_dense(torch)
        CHECKED.append(True)
    p, opt, x = adam_setup(torch, s["d_in"], s["d_sae"], s["batch"])
    Encode = make_rescaled_encode(torch, s.get("k", 32))

    def step():
        opt.zero_grad(set_to_none=True)
        sparse_loss(torch, p, x, Encode).backward()
        opt.step()

    return step


MAKERS = {"dense": dense_step, "sparse": sparse_step}


def fix_malloc():
    """Every allocation of 128 KiB or more mmapped and unmapped on free (no dynamic threshold): RSS follows tensors."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD
        return libc
    except (OSError, AttributeError):
        return None


LIBC = fix_malloc()


def run_spec(torch, spec):
    refuse_if_too_big(spec)
    gc.collect()
    if LIBC is not None:
        LIBC.malloc_trim(0)
    base = rss_kib("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current RSS
    fn = MAKERS[spec["kind"]](torch, spec)
    wall, cpu = timed(fn, int(spec.get("warmup", 1)), int(spec.get("reps", 3)))
    peak = (rss_kib("VmHWM") - base) * 1024
    del fn
    gc.collect()
    return {"name": spec["name"], "ms": median(wall), "all": wall, "cpu_ms": median(cpu), "peak_bytes": peak,
            "torch": torch.__version__}


def main():
    req = json.load(sys.stdin)
    torch = start_torch(req)
    if torch is None:
        return
    tiny = {"arch": "topk", "d_in": 8, "d_sae": 32, "batch": 16, "k": 4}
    dense_step(torch, tiny)()  # torch's one-time allocations (thread pool, kernels) before any baseline
    results = []
    for spec in req.get("specs", []):
        try:
            results.append(run_spec(torch, spec))
        except Exception as e:  # noqa: BLE001 - report per spec, keep the others
            results.append({"name": spec["name"], "error": f"{type(e).__name__}: {e}"})
    print(json.dumps({"results": results}))


if __name__ == "__main__":
    main()
