"""Golden fixtures for @sae/core, written with PyTorch autograd (torch 1.13, no sae_lens installed).

Writes, under packages/sae/fixtures/:
  golden_<arch>.safetensors  inputs, parameters, forward values, every loss term and the gradient of the total
                             loss w.r.t. every parameter (grad.<name>), for standard, gated, jumprelu, topk, batchtopk
  ckpt_v5_standard/          a SAELens 3-5 style checkpoint (flat cfg keys, old hook_point spellings)
  ckpt_v6_jumprelu/          a SAELens 6 style checkpoint (cfg with a nested `metadata` object)
Each checkpoint folder also holds expected.safetensors: x and the feature acts / reconstruction SAELens computes.

Run from the repo root: /usr/bin/python3 packages/sae/scripts/make_fixtures.py
Safetensors bytes are written by hand (struct + json) per the format: u64 LE header length, JSON header, data.
Computation is float64 on float32-rounded inputs; outputs are stored as float32. Seeds are searched so that no
value sits within MARGIN of a discontinuity (ReLU at 0, a threshold, a rectangle-window edge, a top-k tie), so an
fp32 implementation lands on the same side of every branch.
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
B, D_IN, D_SAE, K = 37, 29, 83, 5
MARGIN = 2e-4
L1 = 0.7
L0 = 0.3
BANDWIDTH = 0.1
AUX_COEF = 1.0 / 32.0
THR_LR = 0.01
THR0 = 0.1


def f32(t):
    return t.to(torch.float32).to(torch.float64)


def base_params(g):
    W_enc = f32(torch.randn(D_IN, D_SAE, generator=g, dtype=torch.float64) / math.sqrt(D_IN))
    W_dec = f32(torch.randn(D_SAE, D_IN, generator=g, dtype=torch.float64) * (0.5 + torch.rand(D_SAE, 1, generator=g, dtype=torch.float64)) / math.sqrt(D_IN))
    b_dec = f32(0.1 * torch.randn(D_IN, generator=g, dtype=torch.float64))
    b_enc = f32(0.1 * torch.randn(D_SAE, generator=g, dtype=torch.float64))
    x = f32(torch.randn(B, D_IN, generator=g, dtype=torch.float64))
    return x, {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec}


def far(t, *points):
    return all(bool((t - p).abs().min() > MARGIN) for p in points)


def rect(u):
    return ((u > -0.5) & (u < 0.5)).to(u.dtype)


class StepFn(torch.autograd.Function):
    """Heaviside(x - thr) with the rectangle-kernel pseudo-derivative w.r.t. thr (none w.r.t. x)."""

    @staticmethod
    def forward(ctx, x, thr):
        ctx.save_for_backward(x, thr)
        return (x > thr).to(x.dtype)

    @staticmethod
    def backward(ctx, g):
        x, thr = ctx.saved_tensors
        return None, (-(1.0 / BANDWIDTH) * rect((x - thr) / BANDWIDTH) * g).sum(0)


class JumpReLUFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, thr):
        ctx.save_for_backward(x, thr)
        return x * (x > thr).to(x.dtype)

    @staticmethod
    def backward(ctx, g):
        x, thr = ctx.saved_tensors
        gx = (x > thr).to(x.dtype) * g
        gthr = (-(thr / BANDWIDTH) * rect((x - thr) / BANDWIDTH) * g).sum(0)
        return gx, gthr


def mse(sae_out, x):
    return (sae_out - x).pow(2).sum(-1).mean()


def standard(seed):
    g = torch.Generator().manual_seed(seed)
    x, p = base_params(g)
    P = {k: v.clone().requires_grad_(True) for k, v in p.items()}
    sae_in = x - P["b_dec"]
    pre = sae_in @ P["W_enc"] + P["b_enc"]
    if not far(pre, 0.0):
        return None
    f = torch.relu(pre)
    out = f @ P["W_dec"] + P["b_dec"]
    l_mse = mse(out, x)
    l_l1 = L1 * (f * P["W_dec"].norm(dim=1)).sum(-1).mean()
    return x, P, {"hidden_pre": pre, "feature_acts": f, "sae_out": out}, {"mse_loss": l_mse, "l1_loss": l_l1}, {"l1_coefficient": L1}


def gated(seed):
    g = torch.Generator().manual_seed(seed)
    x, p = base_params(g)
    del p["b_enc"]
    p["b_gate"] = f32(0.1 * torch.randn(D_SAE, generator=g, dtype=torch.float64))
    p["b_mag"] = f32(0.1 * torch.randn(D_SAE, generator=g, dtype=torch.float64))
    p["r_mag"] = f32(0.2 * torch.randn(D_SAE, generator=g, dtype=torch.float64))
    P = {k: v.clone().requires_grad_(True) for k, v in p.items()}
    sae_in = x - P["b_dec"]
    pi_gate = sae_in @ P["W_enc"] + P["b_gate"]
    pi_mag = sae_in @ (P["W_enc"] * P["r_mag"].exp()) + P["b_mag"]
    if not (far(pi_gate, 0.0) and far(pi_mag, 0.0)):
        return None
    f = (pi_gate > 0).to(x.dtype) * torch.relu(pi_mag)
    out = f @ P["W_dec"] + P["b_dec"]
    l_mse = mse(out, x)
    gate_act = torch.relu(pi_gate)
    l_l1 = L1 * (gate_act * P["W_dec"].norm(dim=1)).sum(-1).mean()
    via_gate = gate_act @ P["W_dec"].detach() + P["b_dec"].detach()
    l_aux = (via_gate - x).pow(2).sum(-1).mean()
    return (x, P, {"hidden_pre": pi_mag, "gate_pre": pi_gate, "feature_acts": f, "sae_out": out},
            {"mse_loss": l_mse, "l1_loss": l_l1, "auxiliary_reconstruction_loss": l_aux}, {"l1_coefficient": L1})


def jumprelu(seed):
    g = torch.Generator().manual_seed(seed)
    x, p = base_params(g)
    p["log_threshold"] = f32(torch.log(0.05 + 0.25 * torch.rand(D_SAE, generator=g, dtype=torch.float64)))
    P = {k: v.clone().requires_grad_(True) for k, v in p.items()}
    thr = P["log_threshold"].exp()
    sae_in = x - P["b_dec"]
    pre = sae_in @ P["W_enc"] + P["b_enc"]
    t = thr.detach()
    if not (far(pre - t, 0.0, BANDWIDTH / 2, -BANDWIDTH / 2)):
        return None
    hits = int((((pre - t) / BANDWIDTH).abs() < 0.5).sum())
    if hits < 20:
        return None
    f = JumpReLUFn.apply(pre, thr)
    out = f @ P["W_dec"] + P["b_dec"]
    l_mse = mse(out, x)
    l_l0 = L0 * StepFn.apply(pre, thr).sum(-1).mean()
    return (x, P, {"hidden_pre": pre, "feature_acts": f, "sae_out": out, "threshold": thr},
            {"mse_loss": l_mse, "l0_loss": l_l0}, {"l0_coefficient": L0, "bandwidth": BANDWIDTH})


def dead_mask():
    return torch.tensor([j % 3 == 0 for j in range(D_SAE)])


def topk_aux(pre, out, x, W_dec, dead):
    num_dead = int(dead.sum())
    k_aux = D_IN // 2
    scale = min(num_dead / k_aux, 1.0)
    k_aux = min(k_aux, num_dead)
    masked = torch.where(dead[None], pre, torch.tensor(-math.inf, dtype=pre.dtype))
    s = masked.detach().sort(dim=-1, descending=True).values
    if not bool((s[:, k_aux - 1] - s[:, k_aux]).min() > MARGIN):
        return None
    top = masked.topk(k_aux, dim=-1)
    acts = torch.zeros_like(pre).scatter(-1, top.indices, top.values)
    residual = (x - out).detach()
    recons = acts @ W_dec
    return AUX_COEF * scale * (recons - residual).pow(2).sum(-1).mean()


def topk(seed):
    g = torch.Generator().manual_seed(seed)
    x, p = base_params(g)
    P = {k: v.clone().requires_grad_(True) for k, v in p.items()}
    sae_in = x - P["b_dec"]
    pre = sae_in @ P["W_enc"] + P["b_enc"]
    s = pre.detach().sort(dim=-1, descending=True).values
    if not (bool((s[:, K - 1] - s[:, K]).min() > MARGIN) and far(s[:, :K], 0.0)):
        return None
    top = pre.topk(K, dim=-1)
    f = torch.zeros_like(pre).scatter(-1, top.indices, torch.relu(top.values))
    out = f @ P["W_dec"] + P["b_dec"]
    l_mse = mse(out, x)
    dead = dead_mask()
    l_aux = topk_aux(pre, out, x, P["W_dec"], dead)
    if l_aux is None:
        return None
    return (x, P, {"hidden_pre": pre, "feature_acts": f, "sae_out": out, "dead_mask": dead},
            {"mse_loss": l_mse, "auxiliary_reconstruction_loss": l_aux}, {"k": K, "aux_coefficient": AUX_COEF})


def batchtopk(seed):
    g = torch.Generator().manual_seed(seed)
    x, p = base_params(g)
    P = {k: v.clone().requires_grad_(True) for k, v in p.items()}
    sae_in = x - P["b_dec"]
    pre = sae_in @ P["W_enc"] + P["b_enc"]
    acts = torch.relu(pre)
    n = K * B
    s = acts.detach().flatten().sort(descending=True).values
    if not (bool(s[n - 1] - s[n] > MARGIN) and float(s[n - 1]) > MARGIN and far(pre, 0.0)):
        return None
    top = acts.flatten().topk(n)
    f = torch.zeros_like(acts).flatten().scatter(-1, top.indices, top.values).reshape(acts.shape)
    out = f @ P["W_dec"] + P["b_dec"]
    l_mse = mse(out, x)
    dead = dead_mask()
    l_aux = topk_aux(pre, out, x, P["W_dec"], dead)
    if l_aux is None:
        return None
    min_pos = float(f[f > 0].min())
    new_thr = (1 - THR_LR) * THR0 + THR_LR * min_pos
    return (x, P, {"hidden_pre": pre, "feature_acts": f, "sae_out": out, "dead_mask": dead,
                   "topk_threshold": torch.tensor([new_thr], dtype=torch.float64)},
            {"mse_loss": l_mse, "auxiliary_reconstruction_loss": l_aux},
            {"k": K, "aux_coefficient": AUX_COEF, "topk_threshold_lr": THR_LR, "topk_threshold_init": THR0})


def golden(name, fn):
    for seed in range(1, 500):
        r = fn(seed)
        if r is not None:
            break
    else:
        raise RuntimeError(f"{name}: no seed keeps every value {MARGIN} away from a branch")
    x, P, fwd, losses, meta = r
    total = sum(losses.values())
    total.backward()
    tensors = {"x": x}
    for k, v in P.items():
        tensors[k] = v.detach()
    for k, v in fwd.items():
        tensors[k] = v.detach() if v.dtype != torch.bool else v.to(torch.int32)
    for k, v in losses.items():
        tensors[k] = v.detach().reshape(1)
    tensors["loss"] = total.detach().reshape(1)
    for k, v in P.items():
        tensors["grad." + k] = v.grad
    meta = {**meta, "architecture": name, "seed": seed, "batch": B, "d_in": D_IN, "d_sae": D_SAE}
    write_safetensors(os.path.join(OUT, f"golden_{name}.safetensors"), tensors, meta)
    print(f"golden_{name}: seed {seed}, loss {float(total):.6f} ({', '.join(f'{k} {float(v):.5f}' for k, v in losses.items())})")


def checkpoint(folder, cfg, params, sparsity, encode):
    d = os.path.join(OUT, folder)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "cfg.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    write_safetensors(os.path.join(d, "sae_weights.safetensors"), params)
    write_safetensors(os.path.join(d, "sparsity.safetensors"), {"sparsity": sparsity})
    g = torch.Generator().manual_seed(99)
    x = f32(torch.randn(7, cfg["d_in"], generator=g, dtype=torch.float64))
    P = {k: v.to(torch.float64) for k, v in params.items()}
    f = encode(x, P)
    out = f @ P["W_dec"] + P["b_dec"]
    write_safetensors(os.path.join(d, "expected.safetensors"), {"x": x, "feature_acts": f, "sae_out": out})
    print(f"{folder}: {sorted(params)}")


def checkpoints():
    g = torch.Generator().manual_seed(7)
    d_in, d_sae = 16, 40
    W_enc = f32(torch.randn(d_in, d_sae, generator=g, dtype=torch.float64) / 4)
    W_dec = f32(torch.randn(d_sae, d_in, generator=g, dtype=torch.float64) / 4)
    b_enc = f32(0.1 * torch.randn(d_sae, generator=g, dtype=torch.float64))
    b_dec = f32(0.1 * torch.randn(d_in, generator=g, dtype=torch.float64))
    thr = f32(0.05 + 0.1 * torch.rand(d_sae, generator=g, dtype=torch.float64))
    sparsity = f32(-1 - 3 * torch.rand(d_sae, generator=g, dtype=torch.float64))
    v5 = {
        "architecture": "standard", "d_in": d_in, "d_sae": d_sae, "dtype": "torch.float32", "device": "cpu",
        "model_name": "gpt2-small", "hook_point": "blocks.3.hook_resid_pre", "hook_point_layer": 3,
        "hook_point_head_index": None, "activation_fn_str": "relu", "activation_fn_kwargs": {},
        "apply_b_dec_to_input": True, "finetuning_scaling_factor": False, "sae_lens_training_version": "3.5.0",
        "prepend_bos": True, "dataset_path": "Skylion007/openwebtext", "dataset_trust_remote_code": True,
        "context_size": 128, "normalize_activations": "none", "neuronpedia_id": "gpt2-small/3-res-jb",
    }
    checkpoint("ckpt_v5_standard", v5, {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec}, sparsity,
               lambda x, P: torch.relu((x - P["b_dec"]) @ P["W_enc"] + P["b_enc"]))
    v6 = {
        "architecture": "jumprelu", "d_in": d_in, "d_sae": d_sae, "dtype": "float32", "device": "cpu",
        "apply_b_dec_to_input": False, "normalize_activations": "none", "reshape_activations": "none",
        "metadata": {
            "sae_lens_version": "6.5.1", "sae_lens_training_version": "6.5.1", "model_name": "gemma-2-2b",
            "hook_name": "blocks.5.hook_resid_post", "hook_head_index": None, "context_size": 1024,
            "prepend_bos": True, "dataset_path": "monology/pile-uncopyrighted", "neuronpedia_id": None,
            "model_from_pretrained_kwargs": {},
        },
    }

    def jr(x, P):
        pre = x @ P["W_enc"] + P["b_enc"]
        return torch.relu(pre) * (pre > P["threshold"]).to(pre.dtype)

    checkpoint("ckpt_v6_jumprelu", v6, {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec, "threshold": thr},
               sparsity, jr)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for name, fn in [("standard", standard), ("gated", gated), ("jumprelu", jumprelu), ("topk", topk), ("batchtopk", batchtopk)]:
        golden(name, fn)
    checkpoints()
