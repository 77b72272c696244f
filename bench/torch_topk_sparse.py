"""The strong PyTorch TopK peer: one TopK SAE training step that works through the k active latents the way
EleutherAI's sparsify does, and further. Encoder forward is the dense GEMM + topk (as everyone does); the decoder is
embedding_bag over the k (latent, activation) pairs per token, whose backward gives W_dec's gradient by rows and the
activations' gradient by k dot products; W_enc's gradient is a sparse [d_sae, batch] @ [batch, d_in] product over the
same pairs (enc_grad="sparse") or the dense GEMM on the gradient scattered into [batch, d_sae] (enc_grad="dense", the
default, as autograd through topk and sparsify do: at d_sae 6144, k 32 torch's COO sparse.mm made the step 2x slower,
1.85 s vs 0.93 s, one loaded run). Loss, Adam (dense, on every parameter) and decoder renormalisation as the dense peer. Before timing, its
gradients are checked against the dense autograd step on a small case (check_against_dense raises on a mismatch).
"""


def init_params(torch, d_in, d_sae, seed=0):
    """The dense peer's initialisation: W_dec rows of norm 0.1, W_enc = W_dec^T, zero biases."""
    g = torch.Generator().manual_seed(seed)
    W_dec = torch.randn(d_sae, d_in, generator=g)
    W_dec = W_dec / W_dec.norm(dim=1, keepdim=True) * 0.1
    return {"W_enc": W_dec.t().clone().contiguous(), "b_enc": torch.zeros(d_sae), "W_dec": W_dec.contiguous(), "b_dec": torch.zeros(d_in)}, g


def adam_setup(torch, d_in, d_sae, batch):
    """The peers' training state: init_params' parameters (requiring grad), Adam at lr 1e-4 on every one, and a batch
    x [batch, d_in] drawn from the same generator after them."""
    p, g = init_params(torch, d_in, d_sae)
    for t in p.values():
        t.requires_grad_(True)
    opt = torch.optim.Adam(list(p.values()), lr=1e-4)
    return p, opt, torch.randn(batch, d_in, generator=g)


def make_encode(torch, k, enc_grad):
    class Encode(torch.autograd.Function):
        """(x, b_dec, W_enc, b_enc) -> relu(topk((x - b_dec) @ W_enc + b_enc)) as (acts [batch, k], idx [batch, k]);
        the backward touches only the k pairs per token."""

        @staticmethod
        def forward(ctx, x, b_dec, W_enc, b_enc):
            xc = x - b_dec
            vals, idx = torch.addmm(b_enc, xc, W_enc).topk(k, dim=-1, sorted=False)
            acts = vals.relu()
            ctx.save_for_backward(xc, W_enc, idx, acts)
            ctx.mark_non_differentiable(idx)
            return acts, idx

        @staticmethod
        def backward(ctx, g_acts, _g_idx):
            xc, W_enc, idx, acts = ctx.saved_tensors
            batch, d_sae = xc.shape[0], W_enc.shape[1]
            g = (g_acts * (acts > 0)).reshape(-1)  # [batch * k]
            lat = idx.reshape(-1)
            if enc_grad == "sparse":
                rows = torch.arange(batch).repeat_interleave(k)
                gT = torch.sparse_coo_tensor(torch.stack([lat, rows]), g, (d_sae, batch))
                gW = torch.sparse.mm(gT, xc).t()  # [d_in, d_sae]
            else:
                dense = torch.zeros(batch, d_sae).scatter_(1, idx, g.reshape(batch, k))
                gW = xc.t() @ dense
            gb = torch.zeros(d_sae).index_add_(0, lat, g)
            return None, -(W_enc @ gb), gW, gb

    return Encode


def sparse_loss(torch, p, x, Encode):
    acts, idx = Encode.apply(x, p["b_dec"], p["W_enc"], p["b_enc"])
    out = torch.nn.functional.embedding_bag(idx, p["W_dec"], per_sample_weights=acts, mode="sum") + p["b_dec"]
    return (out - x).pow(2).sum(-1).mean()


def dense_loss(torch, p, x, k):
    pre = (x - p["b_dec"]) @ p["W_enc"] + p["b_enc"]
    top = pre.topk(k, dim=-1)
    f = torch.zeros_like(pre).scatter(-1, top.indices, top.values.relu())
    return ((f @ p["W_dec"] + p["b_dec"]) - x).pow(2).sum(-1).mean()


def check_against_dense(torch, enc_grad, d_in=24, d_sae=96, batch=40, k=5):
    """Gradients of the sparse step equal the dense autograd step's (random, non-zero b_dec and b_enc)."""
    p, g = init_params(torch, d_in, d_sae, seed=3)
    p["b_dec"] = torch.randn(d_in, generator=g) * 0.1
    p["b_enc"] = torch.randn(d_sae, generator=g) * 0.1
    x = torch.randn(batch, d_in, generator=g)
    grads = []
    for f in (lambda q: sparse_loss(torch, q, x, make_encode(torch, k, enc_grad)), lambda q: dense_loss(torch, q, x, k)):
        q = {n: t.clone().requires_grad_(True) for n, t in p.items()}
        f(q).backward()
        grads.append({n: t.grad.to_dense() if t.grad.is_sparse else t.grad for n, t in q.items()})
    for n in p:
        err = (grads[0][n] - grads[1][n]).abs().max().item()
        if not err <= 1e-5 * max(1.0, grads[1][n].abs().max().item()):
            raise AssertionError(f"sparse TopK peer ({enc_grad} W_enc grad): d{n} differs from dense autograd by {err}")


def topk_sparse_step(torch, s):
    enc_grad = s.get("enc_grad", "dense")
    check_against_dense(torch, enc_grad)
    p, opt, x = adam_setup(torch, s["d_in"], s["d_sae"], s["batch"])
    Encode = make_encode(torch, s.get("k", 32), enc_grad)

    def step():
        opt.zero_grad(set_to_none=True)
        sparse_loss(torch, p, x, Encode).backward()
        opt.step()
        if s.get("normalize_decoder"):
            with torch.no_grad():
                p["W_dec"].data /= p["W_dec"].data.norm(dim=1, keepdim=True)

    step.x = x  # the batch, refilled in place by torch_train_peer.e2e_step
    return step
