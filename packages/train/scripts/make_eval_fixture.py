"""Golden values for @sae/train's downstream metrics (CE, KL and their scores), computed with PyTorch.

The reconstruction values here (mse, explained_variance, ...) use textbook reductions, not SAELens's; the tests
check those against SAELens itself instead (scripts/saelens_eval_goldens.py -> fixtures/saelens_evals.json).

Writes packages/train/fixtures/eval_metrics.json: inputs (x, x_hat, feature acts, logits for clean / SAE / zero
ablation runs, tokens) and the expected l0, l1, mse, explained_variance, cossim, l2_ratio, feature density,
CE per run, CE loss score, KL with SAE / ablation and the KL score.
Run from the repo root: /usr/bin/python3 packages/train/scripts/make_eval_fixture.py
"""

import json
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "eval_metrics.json")
g = torch.Generator().manual_seed(1234)
N, D_IN, D_SAE, B, P, V = 23, 7, 19, 3, 5, 11

x = torch.randn(N, D_IN, generator=g, dtype=torch.float64) + 0.3
x_hat = x + 0.4 * torch.randn(N, D_IN, generator=g, dtype=torch.float64)
f = torch.relu(torch.randn(N, D_SAE, generator=g, dtype=torch.float64) - 0.8)
f[:, 3] = 0  # a dead latent
f[:, 5] = 1.5  # a dense latent

resid = (x - x_hat).pow(2).sum(-1)
total = (x - x.mean(0)).pow(2).sum(-1)
cos = F.cosine_similarity(x, x_hat, dim=-1)
density = (f > 0).double().mean(0)
metrics = {
    "l0": (f > 0).double().sum(-1).mean().item(),
    "l1": f.sum(-1).mean().item(),
    "mse": F.mse_loss(x_hat, x).item(),
    "explained_variance": (1 - resid.sum() / total.sum()).item(),
    "cossim": cos.mean().item(),
    "l2_ratio": (x_hat.norm(dim=-1) / x.norm(dim=-1)).mean().item(),
    "dead_fraction": (density <= 1e-8).double().mean().item(),
    "dense_fraction": (density > 0.1).double().mean().item(),
    "log_density": torch.log10(density + 1e-10).tolist(),
}

tokens = torch.randint(0, V, (B, P), generator=g)
clean = torch.randn(B, P, V, generator=g, dtype=torch.float64) * 2
sae = clean + 0.5 * torch.randn(B, P, V, generator=g, dtype=torch.float64)
zero = torch.randn(B, P, V, generator=g, dtype=torch.float64)


def ce(logits):
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), tokens[:, 1:].reshape(-1), reduction="none")


def kl(p_logits, q_logits):
    p = F.softmax(p_logits, -1)
    return (p * (F.log_softmax(p_logits, -1) - F.log_softmax(q_logits, -1))).sum(-1)


ce_clean, ce_sae, ce_zero = ce(clean), ce(sae), ce(zero)
kl_sae, kl_zero = kl(clean, sae).mean().item(), kl(clean, zero).mean().item()
metrics.update(
    {
        "ce_clean_per_token": ce_clean.tolist(),
        "ce_loss_without_sae": ce_clean.mean().item(),
        "ce_loss_with_sae": ce_sae.mean().item(),
        "ce_loss_with_ablation": ce_zero.mean().item(),
        "ce_loss_score": ((ce_zero.mean() - ce_sae.mean()) / (ce_zero.mean() - ce_clean.mean())).item(),
        "kl_div_with_sae": kl_sae,
        "kl_div_with_ablation": kl_zero,
        "kl_div_score": (kl_zero - kl_sae) / kl_zero,
    }
)
fixture = {
    "shape": {"n": N, "d_in": D_IN, "d_sae": D_SAE, "batch": B, "pos": P, "vocab": V},
    "x": x.flatten().tolist(),
    "x_hat": x_hat.flatten().tolist(),
    "f": f.flatten().tolist(),
    "tokens": tokens.flatten().tolist(),
    "logits_clean": clean.flatten().tolist(),
    "logits_sae": sae.flatten().tolist(),
    "logits_zero": zero.flatten().tolist(),
    "expected": metrics,
}
with open(OUT, "w") as fh:
    json.dump(fixture, fh)
print(f"wrote {OUT}")
