"""A tiny attention-output (hook_z) SAE in the original layout of the Kissane & Krzyzanowski release
ckkissane/attn-saes-gpt2-small-all-layers, for @sae/core's connor_rob_hook_z conversion test (torch 1.13).

That release stores, per layer, `<run>.pt` (torch.save of the SAE's state_dict: W_enc [act_size, dict_size],
W_dec [dict_size, act_size], b_enc [dict_size], b_dec [act_size]) and `<run>_cfg.json` (the training config:
act_size = n_heads * d_head, dict_size, act_name = blocks.L.attn.hook_z, layer, ...). The SAE reads hook_z
[batch, pos, n_heads, d_head] flattened to [batch * pos, n_heads * d_head]:
  acts = relu((x - b_dec) @ W_enc + b_enc),  x_hat = acts @ W_dec + b_dec.

Writes packages/sae/fixtures/hook_z_kk/:
  tiny_L0_Hcat_z.pt        the state_dict (W_enc saved as a transposed, non-contiguous view to exercise strides)
  tiny_L0_Hcat_z_cfg.json  the original config keys
  expected.safetensors     z [2, 5, 3, 4], acts [10, 20] and x_hat [10, 12] computed in float64

Run from the repo root: /usr/bin/python3 packages/sae/scripts/make_hook_z_fixture.py
"""

import json
import os
import sys
from collections import OrderedDict

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts", "py"))
from safetensors_io import write_safetensors  # noqa: E402  (shared with the other fixture scripts)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "hook_z_kk")
BATCH, POS, N_HEADS, D_HEAD, D_SAE = 2, 5, 3, 4, 20
D_IN = N_HEADS * D_HEAD


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(14)
    w_enc_t = torch.randn(D_SAE, D_IN, generator=g) * 0.4
    state = OrderedDict(
        W_enc=w_enc_t.t(),  # [D_IN, D_SAE], strides (1, D_IN)
        W_dec=torch.randn(D_SAE, D_IN, generator=g) * 0.3,
        b_enc=torch.randn(D_SAE, generator=g) * 0.2,
        b_dec=torch.randn(D_IN, generator=g) * 0.1,
    )
    assert not state["W_enc"].is_contiguous()
    torch.save(state, os.path.join(OUT, "tiny_L0_Hcat_z.pt"))
    cfg = {
        "seed": 49, "batch_size": 4096, "lr": 0.0012, "l1_coeff": 1.8, "dict_mult": D_SAE // D_IN, "seq_len": 128,
        "enc_dtype": "fp32", "model_name": "gpt2-small", "site": "z", "layer": 0, "head": "cat",
        "concat_heads": True, "act_name": "blocks.0.attn.hook_z", "act_size": D_IN, "dict_size": D_SAE,
        "name": "gpt2-small_0_20_z",
    }
    with open(os.path.join(OUT, "tiny_L0_Hcat_z_cfg.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    z = torch.randn(BATCH, POS, N_HEADS, D_HEAD, generator=g)
    p = {k: v.double() for k, v in state.items()}
    x = z.double().reshape(BATCH * POS, D_IN)  # "... n_heads d_head -> ... (n_heads d_head)"
    acts = torch.relu((x - p["b_dec"]) @ p["W_enc"] + p["b_enc"])
    recon = acts @ p["W_dec"] + p["b_dec"]
    assert (acts > 0).any() and ((x - p["b_dec"]) @ p["W_enc"] + p["b_enc"]).abs().min() > 1e-4
    write_safetensors(os.path.join(OUT, "expected.safetensors"), {"z": z, "acts": acts, "recon": recon})


if __name__ == "__main__":
    main()
