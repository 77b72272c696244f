"""SAELens-layout checkpoint fixtures for @sae/core, written with PyTorch (torch 1.13, no sae_lens installed).

Writes, under packages/sae/fixtures/:
  ckpt_v5_standard/          a SAELens 3-5 style checkpoint (flat cfg keys, old hook_point spellings)
  ckpt_v6_jumprelu/          a SAELens 6 style checkpoint (cfg with a nested `metadata` object)
Each checkpoint folder also holds expected.safetensors: x and the feature acts / reconstruction SAELens computes.
The training goldens (every architecture's forward, losses and gradients, and SAETrainer steps) come from SAELens
6.18 itself: scripts/saelens_goldens.py -> fixtures/saelens/training.json.

Run from the repo root: /usr/bin/python3 packages/sae/scripts/make_fixtures.py
Safetensors bytes are written by hand (struct + json) per the format: u64 LE header length, JSON header, data.
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


def f32(t):
    return t.to(torch.float32).to(torch.float64)


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
    checkpoints()
