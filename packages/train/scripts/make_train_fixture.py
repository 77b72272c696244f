"""Golden training runs for @sae/train, written with PyTorch autograd (torch 1.13, no sae_lens installed).

For each of standard and topk, writes packages/train/fixtures/train_<arch>.safetensors with
  init.<param>       the initial W_enc [d_in, d_sae], b_enc [d_sae], W_dec [d_sae, d_in], b_dec [d_in]
  batches            [steps, batch, d_in] the activations of every step, in order
  expected.<param>   the parameters after `steps` steps
  loss, mse_loss, lr [steps]   the total loss / MSE before each step's update and the learning rate used
  dead_count         [steps] the number of latents counted dead when each step ran
and metadata "config" (JSON): the hyper-parameters the TypeScript trainer must use.

The algorithm is the trainer's (and SAELens's SAETrainer's) step:
  1. forward + losses as @sae/core defines them (packages/sae/src/cpu/reference.ts):
     standard: mse = sum((x_hat - x)^2) / batch, l1 = l1_coef(step) / batch * sum_b sum_i f_bi * ||W_dec[i]||
     topk:     mse as above, plus the aux-k loss on the latents dead before this step
  2. n_forward_passes_since_fired += 1, reset to 0 where a latent fired; dead = since_fired > dead_feature_window
  3. backward, clip the global gradient norm to max_grad_norm, Adam (bias-corrected) with lr(step)
     lr(step): linear warm-up from lr/W over W steps, then constant, then linear decay to lr_end over the last D steps
     l1_coef(step) = l1 * min(1, (step + 1) / l1_warm_up_steps)
Computation is float64 on float32-rounded inputs; stored as float32.
Run from the repo root: /usr/bin/python3 packages/train/scripts/make_train_fixture.py
"""

import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts", "py"))
from safetensors_io import write_safetensors  # noqa: E402  (shared with the other fixture scripts)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures")
D_IN, D_SAE, BATCH, STEPS = 12, 48, 32, 24


def f32(t):
    return t.to(torch.float32).to(torch.float64)


def lr_at(cfg, step):
    lr, W, D, T = cfg["lr"], cfg["lr_warm_up_steps"], cfg["lr_decay_steps"], STEPS
    lr_end = lr / 10
    if step < W:
        return lr if W <= 1 else lr * (1 / W + (1 - 1 / W) * step / (W - 1))
    M = T - W - D
    t = step - W
    if t < M:
        return lr
    return lr + (lr_end - lr) * min(1, (t - M) / D)


def forward(cfg, p, x, dead, l1):
    arch = cfg["architecture"]
    sae_in = x - p["b_dec"]
    pre = sae_in @ p["W_enc"] + p["b_enc"]
    if arch == "standard":
        f = torch.relu(pre)
    else:
        vals, idx = pre.topk(cfg["k"], dim=-1)
        f = torch.zeros_like(pre).scatter(-1, idx, torch.relu(vals))
    out = f @ p["W_dec"] + p["b_dec"]
    mse = (out - x).pow(2).sum() / x.shape[0]
    loss = mse
    if arch == "standard":
        loss = loss + l1 / x.shape[0] * (f * p["W_dec"].norm(dim=1)).sum()
    elif dead.any():
        num_dead = int(dead.sum())
        k_aux0 = D_IN // 2
        scale = min(num_dead / k_aux0, 1.0)
        k_aux = min(k_aux0, num_dead)
        masked = torch.where(dead[None], pre, torch.full_like(pre, -math.inf))
        v, i = masked.topk(k_aux, dim=-1)
        acts = torch.zeros_like(pre).scatter(-1, i, v)
        resid = (x - out).detach()
        aux = (acts @ p["W_dec"] - resid).pow(2).sum() / x.shape[0]
        loss = loss + cfg["aux_loss_coefficient"] * scale * aux
    return f, mse, loss


def run(cfg, seed):
    g = torch.Generator().manual_seed(seed)
    W_dec = f32(torch.randn(D_SAE, D_IN, generator=g, dtype=torch.float64))
    W_dec = f32(W_dec / W_dec.norm(dim=1, keepdim=True) * 0.1)
    init = {
        "W_enc": f32(W_dec.t().clone()),
        "b_enc": f32(0.02 * torch.randn(D_SAE, generator=g, dtype=torch.float64) - torch.linspace(0, 0.3, D_SAE, dtype=torch.float64)),
        "W_dec": W_dec,
        "b_dec": f32(0.1 * torch.randn(D_IN, generator=g, dtype=torch.float64)),
    }
    true_dirs = torch.randn(24, D_IN, generator=g, dtype=torch.float64)
    coeffs = torch.relu(torch.randn(STEPS, BATCH, 24, generator=g, dtype=torch.float64) - 1.0)
    batches = f32(coeffs @ true_dirs + 0.05 * torch.randn(STEPS, BATCH, D_IN, generator=g, dtype=torch.float64))

    p = {k: v.clone().requires_grad_(True) for k, v in init.items()}
    opt = torch.optim.Adam(p.values(), lr=cfg["lr"], betas=(cfg["adam_beta1"], cfg["adam_beta2"]), eps=cfg["adam_eps"])
    since_fired = torch.zeros(D_SAE, dtype=torch.float64)
    curves = {"loss": [], "mse_loss": [], "lr": [], "dead_count": []}
    for step in range(STEPS):
        dead = since_fired > cfg["dead_feature_window"]
        l1 = cfg["l1_coefficient"] * min(1.0, (step + 1) / cfg["l1_warm_up_steps"]) if cfg["l1_warm_up_steps"] > 0 else cfg["l1_coefficient"]
        lr = lr_at(cfg, step)
        for group in opt.param_groups:
            group["lr"] = lr
        opt.zero_grad()
        f, mse, loss = forward(cfg, p, batches[step], dead, l1)
        with torch.no_grad():
            fired = (f > 0).any(dim=0)
            since_fired += 1
            since_fired[fired] = 0
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(p.values()), cfg["max_grad_norm"])
        opt.step()
        curves["loss"].append(loss.item())
        curves["mse_loss"].append(mse.item())
        curves["lr"].append(lr)
        curves["dead_count"].append(float(dead.sum()))
    tensors = {f"init.{k}": v for k, v in init.items()}
    tensors["batches"] = batches
    tensors.update({f"expected.{k}": v.detach() for k, v in p.items()})
    tensors.update({k: torch.tensor(v, dtype=torch.float64) for k, v in curves.items()})
    return tensors


BASE = {
    "d_in": D_IN,
    "d_sae": D_SAE,
    "train_batch_size_tokens": BATCH,
    "steps": STEPS,
    "lr": 3e-3,
    "lr_warm_up_steps": 4,
    "lr_decay_steps": 6,
    "adam_beta1": 0.9,
    "adam_beta2": 0.999,
    "adam_eps": 1e-8,
    "max_grad_norm": 1.0,
    "dead_feature_window": 3,
    "apply_b_dec_to_input": True,
    "aux_loss_coefficient": 1 / 32,
}
CONFIGS = {
    "standard": {**BASE, "architecture": "standard", "l1_coefficient": 0.5, "l1_warm_up_steps": 8, "k": 4},
    "topk": {**BASE, "architecture": "topk", "l1_coefficient": 0.0, "l1_warm_up_steps": 0, "k": 4},
}

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for i, (arch, cfg) in enumerate(CONFIGS.items()):
        t = run({**cfg}, seed=100 + i)
        path = os.path.join(OUT, f"train_{arch}.safetensors")
        write_safetensors(path, t, {"config": json.dumps(cfg)})
        print(f"wrote {path}: loss {t['loss'][0]:.4f} -> {t['loss'][-1]:.4f}, dead at end {int(t['dead_count'][-1])}")
