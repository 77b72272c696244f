"""Plain-torch GPT-2 (the math of Hugging Face's GPT2Model + a tied LM head) with TransformerLens hook names,
re-exporting the shared safetensors reader/writer (scripts/py). Shared by make_fixtures.py and train_tiny.py. Dev tool only."""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts", "py"))
from safetensors_io import read_safetensors, write_safetensors  # noqa: E402,F401  (re-exported)


def hf_config(n_layer, n_embd, n_head, vocab_size, n_positions, eps=1e-5):
    return {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "activation_function": "gelu_new",
        "n_layer": n_layer,
        "n_embd": n_embd,
        "n_head": n_head,
        "n_inner": None,
        "vocab_size": vocab_size,
        "n_positions": n_positions,
        "n_ctx": n_positions,
        "layer_norm_epsilon": eps,
        "bos_token_id": vocab_size - 1,
        "eos_token_id": vocab_size - 1,
        "resid_pdrop": 0.0,
        "embd_pdrop": 0.0,
        "attn_pdrop": 0.0,
        "initializer_range": 0.02,
        "tie_word_embeddings": True,
    }


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def forward(p, cfg, tokens, attention_mask=None, cache=None):
    """p: HF names without prefix. tokens [batch, pos] long; attention_mask [batch, pos] (1 = real, 0 = pad).
    Fills `cache` (dict) with TransformerLens-named activations when given. Returns logits [batch, pos, vocab]."""
    put = (lambda k, v: cache.__setitem__(k, v)) if cache is not None else (lambda k, v: None)
    B, P = tokens.shape
    D, H, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
    Dh = D // H
    embed = p["wte.weight"][tokens]
    pos_embed = p["wpe.weight"][torch.arange(P)].unsqueeze(0).expand(B, P, D)
    put("hook_embed", embed)
    put("hook_pos_embed", pos_embed)
    x = embed + pos_embed
    causal = torch.tril(torch.ones(P, P, dtype=torch.bool))
    allowed = causal.view(1, 1, P, P)
    if attention_mask is not None:
        allowed = allowed & attention_mask.bool().view(B, 1, 1, P)
    for L in range(cfg["n_layer"]):
        g = lambda n: p[f"h.{L}.{n}"]
        put(f"blocks.{L}.hook_resid_pre", x)
        h = layer_norm(x, g("ln_1.weight"), g("ln_1.bias"), eps)
        put(f"blocks.{L}.ln1.hook_normalized", h)
        qkv = h @ g("attn.c_attn.weight") + g("attn.c_attn.bias")
        q, k, v = (t.reshape(B, P, H, Dh) for t in qkv.split(D, dim=-1))
        put(f"blocks.{L}.attn.hook_q", q)
        put(f"blocks.{L}.attn.hook_k", k)
        put(f"blocks.{L}.attn.hook_v", v)
        scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(Dh)
        scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
        pattern = torch.softmax(scores, dim=-1)
        put(f"blocks.{L}.attn.hook_pattern", pattern)
        z = torch.einsum("bhqk,bkhd->bqhd", pattern, v)
        put(f"blocks.{L}.attn.hook_z", z)
        attn_out = z.reshape(B, P, D) @ g("attn.c_proj.weight") + g("attn.c_proj.bias")
        put(f"blocks.{L}.hook_attn_out", attn_out)
        x = x + attn_out
        put(f"blocks.{L}.hook_resid_mid", x)
        h = layer_norm(x, g("ln_2.weight"), g("ln_2.bias"), eps)
        put(f"blocks.{L}.ln2.hook_normalized", h)
        pre = h @ g("mlp.c_fc.weight") + g("mlp.c_fc.bias")
        put(f"blocks.{L}.mlp.hook_pre", pre)
        post = gelu_new(pre)
        put(f"blocks.{L}.mlp.hook_post", post)
        mlp_out = post @ g("mlp.c_proj.weight") + g("mlp.c_proj.bias")
        put(f"blocks.{L}.hook_mlp_out", mlp_out)
        x = x + mlp_out
        put(f"blocks.{L}.hook_resid_post", x)
    xf = layer_norm(x, p["ln_f.weight"], p["ln_f.bias"], eps)
    put("ln_final.hook_normalized", xf)
    return xf @ p["wte.weight"].T
