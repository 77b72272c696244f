"""PyTorch peer for bench/train.ts: one SAE training step per architecture, dense, the way SAELens computes it
(encode, dense f [batch, d_sae], decode, loss, autograd backward, torch.optim.Adam, decoder renormalisation when
the architecture does it), and the bundled GPT-2's activations at blocks.1.hook_resid_pre.
Speaks the JSON protocol of bench/peer.py; run as `/usr/bin/python3 bench/torch_train_peer.py` by bench/train.ts.
Specs:
  sae:   arch (standard | topk | jumprelu), d_in, d_sae, batch, k, warmup, reps, normalize_decoder,
         dead_fraction (topk: every 1/f-th latent counts as dead, adding SAELens's aux-k loss)
  sae_topk_sparse: the strong TopK peer (bench/torch_topk_sparse.py): d_in, d_sae, batch, k, normalize_decoder,
         enc_grad (sparse | dense), warmup, reps
  model: weights (path to model.safetensors), n_embd, n_head, layers (blocks run), contexts, ctx, warmup, reps
  e2e:   the model fields + d_sae, batch, k, sae_peer (dense | sparse): model forwards and one SAE step per batch
"""
import math
import os
import sys

from peer import serve
from torch_topk_sparse import topk_sparse_step


def sae_step(torch, s):
    d_in, d_sae, batch, arch = s["d_in"], s["d_sae"], s["batch"], s["arch"]
    g = torch.Generator().manual_seed(0)
    W_dec = torch.randn(d_sae, d_in, generator=g)
    W_dec = W_dec / W_dec.norm(dim=1, keepdim=True) * 0.1
    p = {
        "W_enc": W_dec.t().clone().contiguous(),
        "b_enc": torch.zeros(d_sae),
        "W_dec": W_dec.contiguous(),
        "b_dec": torch.zeros(d_in),
    }
    if arch == "jumprelu":
        p["log_threshold"] = torch.full((d_sae,), math.log(0.001))
    for t in p.values():
        t.requires_grad_(True)
    opt = torch.optim.Adam(list(p.values()), lr=1e-4)
    x = torch.randn(batch, d_in, generator=g)
    k = s.get("k", 32)
    dead = None
    if s.get("dead_fraction"):
        dead = torch.zeros(d_sae, dtype=torch.bool)
        dead[:: round(1 / s["dead_fraction"])] = True
    bw = 0.001

    class Step(torch.autograd.Function):  # JumpReLU's Heaviside with the rectangle straight-through gradient
        @staticmethod
        def forward(ctx, pre, thr):
            ctx.save_for_backward(pre, thr)
            return (pre > thr).to(pre.dtype)

        @staticmethod
        def backward(ctx, g_out):
            pre, thr = ctx.saved_tensors
            rect = ((pre - thr).abs() < bw / 2).to(pre.dtype)
            return torch.zeros_like(pre), (-(1.0 / bw) * rect * g_out).sum(0)

    class Jump(torch.autograd.Function):
        @staticmethod
        def forward(ctx, pre, thr):
            ctx.save_for_backward(pre, thr)
            return pre * (pre > thr).to(pre.dtype)

        @staticmethod
        def backward(ctx, g_out):
            pre, thr = ctx.saved_tensors
            rect = ((pre - thr).abs() < bw / 2).to(pre.dtype)
            return (pre > thr).to(pre.dtype) * g_out, (-(thr / bw) * rect * g_out).sum(0)

    def step():
        opt.zero_grad(set_to_none=True)
        pre = (x - p["b_dec"]) @ p["W_enc"] + p["b_enc"]
        if arch == "standard":
            f = torch.relu(pre)
        elif arch == "topk":
            top = torch.topk(pre, k, dim=-1)
            f = torch.zeros_like(pre).scatter(-1, top.indices, torch.relu(top.values))
        else:
            thr = p["log_threshold"].exp()
            f = Jump.apply(pre, thr)
        out = f @ p["W_dec"] + p["b_dec"]
        loss = (out - x).pow(2).sum(-1).mean()
        if dead is not None:  # aux-k as SAELens: dead latents' top k_aux reconstruct the detached residual
            k_aux0 = d_in // 2
            n_dead = int(dead.sum())
            k_aux = min(k_aux0, n_dead)
            aux_top = torch.where(dead[None], pre, torch.full_like(pre, -math.inf)).topk(k_aux, sorted=False)
            aux_acts = torch.zeros_like(pre).scatter(-1, aux_top.indices, aux_top.values)
            aux = (aux_acts @ p["W_dec"] - (x - out).detach()).pow(2).sum(-1).mean()
            loss = loss + (1 / 32) * min(n_dead / k_aux0, 1) * aux
        if arch == "standard":
            loss = loss + 5.0 * (f * p["W_dec"].norm(dim=1)).sum(-1).mean()
        elif arch == "jumprelu":
            loss = loss + 1.0 * Step.apply(pre, thr).sum(-1).mean()
        loss.backward()
        opt.step()
        if s.get("normalize_decoder"):
            with torch.no_grad():
                p["W_dec"].data /= p["W_dec"].data.norm(dim=1, keepdim=True)

    step.x = x  # the batch, refilled in place by e2e_step
    return step


def gpt2_to_hook(torch, s):
    """The bundled GPT-2's forward up to the hook (the residual stream after `layers` blocks), as a function."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "py"))
    from safetensors_io import read_safetensors

    w = read_safetensors(s["weights"])
    pre = "transformer." if "transformer.wte.weight" in w else ""
    D, H, T, B = s["n_embd"], s["n_head"], s["ctx"], s["contexts"]
    ids = torch.randint(0, w[pre + "wte.weight"].shape[0], (B, T), generator=torch.Generator().manual_seed(1))
    mask = torch.full((T, T), float("-inf")).triu(1)

    def ln(h, n):
        return torch.nn.functional.layer_norm(h, (D,), w[n + ".weight"], w[n + ".bias"], 1e-5)

    def run():
        h = w[pre + "wte.weight"][ids] + w[pre + "wpe.weight"][:T]
        for L in range(s["layers"]):
            b = f"{pre}h.{L}."
            qkv = ln(h, b + "ln_1") @ w[b + "attn.c_attn.weight"] + w[b + "attn.c_attn.bias"]
            q, k, v = (t.reshape(B, T, H, D // H).transpose(1, 2) for t in qkv.split(D, dim=-1))
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D // H) + mask, dim=-1)
            z = (att @ v).transpose(1, 2).reshape(B, T, D)
            h = h + z @ w[b + "attn.c_proj.weight"] + w[b + "attn.c_proj.bias"]
            m = torch.nn.functional.gelu(ln(h, b + "ln_2") @ w[b + "mlp.c_fc.weight"] + w[b + "mlp.c_fc.bias"], approximate="tanh")
            h = h + m @ w[b + "mlp.c_proj.weight"] + w[b + "mlp.c_proj.bias"]
        return h

    return run


def model_step(torch, s):
    run = gpt2_to_hook(torch, s)

    def step():
        with torch.no_grad():
            run()

    return step


def e2e_step(torch, s):
    """`sae train` in PyTorch: model forwards to the hook for the rows of one training batch (each activation is
    trained on once, as in the store), shuffled into the batch, then one TopK SAE step (dense as SAELens, or the
    strong sparse one: s["sae_peer"] == "sparse"). One call = one training batch."""
    run = gpt2_to_hook(torch, s)
    sae = dict(s, kind="sae", arch="topk", d_in=s["n_embd"])
    step = topk_sparse_step(torch, sae) if s.get("sae_peer") == "sparse" else sae_step(torch, sae)
    forwards = math.ceil(s["batch"] / (s["contexts"] * s["ctx"]))

    def pipeline():
        with torch.no_grad():
            acts = torch.cat([run().reshape(-1, s["n_embd"]) for _ in range(forwards)])
            step.x.copy_(acts[torch.randperm(acts.shape[0])[: s["batch"]]])
        step()

    return pipeline


MAKERS = {"sae": sae_step, "sae_topk_sparse": topk_sparse_step, "model": model_step, "e2e": e2e_step}


if __name__ == "__main__":
    serve(MAKERS, "kind")
