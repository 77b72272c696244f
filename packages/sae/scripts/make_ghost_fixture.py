"""Golden fixture for ghost grads on the standard SAE (SAELens pre-v3 semantics), written with PyTorch autograd.

Writes packages/sae/fixtures/golden_ghost.safetensors: x, the standard parameters, dead_mask, the forward values
(hidden_pre, sae_out), the ghost-grad loss alone (ghost_grad_loss) and the gradient of that loss alone w.r.t.
every parameter (grad_ghost.<name>), plus the standard loss terms, the total (mse + l1 + ghost) and its gradients
(grad.<name>). Same sizes as make_fixtures.py: batch 37, d_in 29, d_sae 83.

The ghost loss, as SAELens (before v3) defines it for a standard SAE:
  residual r = x - x_hat (a constant: no gradient reaches x_hat through it)
  e = exp(hidden_pre) on the dead latents only; g = e @ W_dec[dead]
  g is rescaled per row to half the residual norm: g * (|r| / (1e-6 + 2 |g|)), the factor a constant
  q = (g_scaled - r)^2 per element; the per-element weight (x_hat - x)^2 / (q + 1e-6) is a constant
  ghost_grad_loss = mean over [batch, d_in] of weight * q
Gradients flow through hidden_pre (W_enc, b_enc, and b_dec via x - b_dec) and W_dec's dead rows.

Run from the repo root: /usr/bin/python3 packages/sae/scripts/make_ghost_fixture.py
Computation is float64 on float32-rounded inputs. Seeds are searched so that no pre-activation sits within MARGIN of
the ReLU kink and no element of g_scaled - r is within DIFF_MARGIN of 0 (where the weight 1 / (q + 1e-6) is steep,
so fp32 rounding would move the gradient).
"""

import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_fixtures import B, D_IN, D_SAE, L1, MARGIN, OUT, base_params, far, write_safetensors  # noqa: E402

DIFF_MARGIN = 5e-3


def dead_mask():
    return torch.tensor([j % 5 == 2 or j % 7 == 0 for j in range(D_SAE)])


def ghost_loss(x, sae_out, pre, W_dec, dead):
    residual = x - sae_out
    r_norm = residual.norm(dim=-1)
    e = torch.exp(pre[:, dead])
    g = e @ W_dec[dead, :]
    factor = (r_norm / (1e-6 + 2 * g.norm(dim=-1))).detach()
    g = g * factor[:, None]
    target = residual.detach()
    q = (g - target).pow(2)
    weight = ((sae_out - x).pow(2) / (q + 1e-6)).detach()
    return (weight * q).mean(), (g - target).detach()


def attempt(seed):
    g = torch.Generator().manual_seed(seed)
    x, p = base_params(g)
    dead = dead_mask()
    # the dead latents fire rarely: their encoder bias is pushed down
    p["b_enc"] = torch.where(dead, p["b_enc"] - 1.0, p["b_enc"])
    P = {k: v.clone().requires_grad_(True) for k, v in p.items()}
    sae_in = x - P["b_dec"]
    pre = sae_in @ P["W_enc"] + P["b_enc"]
    if not far(pre, 0.0):
        return None
    f = torch.relu(pre)
    out = f @ P["W_dec"] + P["b_dec"]
    l_mse = (out - x).pow(2).sum(-1).mean()
    l_l1 = L1 * (f * P["W_dec"].norm(dim=1)).sum(-1).mean()
    l_ghost, diff = ghost_loss(x, out, pre, P["W_dec"], dead)
    if float(diff.abs().min()) < DIFF_MARGIN:
        return None
    return x, P, dead, pre, out, l_mse, l_l1, l_ghost


def main():
    for seed in range(1, 2000):
        r = attempt(seed)
        if r is not None:
            break
    else:
        raise RuntimeError("no seed keeps the values away from the ReLU kink and the steep ghost weight")
    x, P, dead, pre, out, l_mse, l_l1, l_ghost = r
    names = list(P)
    ghost_grads = torch.autograd.grad(l_ghost, [P[n] for n in names], retain_graph=True)
    total = l_mse + l_l1 + l_ghost
    total.backward()
    tensors = {"x": x, "dead_mask": dead.to(torch.int32)}
    for n in names:
        tensors[n] = P[n].detach()
    tensors["hidden_pre"] = pre.detach()
    tensors["sae_out"] = out.detach()
    tensors["mse_loss"] = l_mse.detach().reshape(1)
    tensors["l1_loss"] = l_l1.detach().reshape(1)
    tensors["ghost_grad_loss"] = l_ghost.detach().reshape(1)
    tensors["loss"] = total.detach().reshape(1)
    for n, gr in zip(names, ghost_grads):
        tensors["grad_ghost." + n] = gr
    for n in names:
        tensors["grad." + n] = P[n].grad
    meta = {"architecture": "standard", "seed": seed, "batch": B, "d_in": D_IN, "d_sae": D_SAE, "l1_coefficient": L1,
            "n_dead": int(dead.sum())}
    os.makedirs(OUT, exist_ok=True)
    write_safetensors(os.path.join(OUT, "golden_ghost.safetensors"), tensors, meta)
    print(f"golden_ghost: seed {seed}, dead {int(dead.sum())}, ghost {float(l_ghost):.6f}, mse {float(l_mse):.5f}, "
          f"l1 {float(l_l1):.5f}, total {float(total):.6f}")


if __name__ == "__main__":
    main()
