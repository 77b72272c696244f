"""Writes the golden fixtures for the GPT-2 model tests (run from anywhere with /usr/bin/python3):
  fixtures/gpt2-tiny/{config.json, model.safetensors}        random GPT-2, HF names, fp32
  fixtures/gpt2-tiny-fp16/{config.json, model.safetensors}   the same weights in fp16, with the `transformer.` prefix
  fixtures/gpt2-tiny-golden.safetensors                      tokens, attention_mask, logits and every hook (float64
                                                             math rounded to f32), plus logits_fp16 from the fp16 weights
Random weights are larger than GPT-2's init (std 0.2) so every activation is far from zero and errors show."""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from gpt2_ref import forward, hf_config, write_safetensors  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures")


def random_params(cfg, gen):
    D, V, P, L = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"], cfg["n_layer"]
    r = lambda *s, std=0.2: torch.randn(*s, generator=gen) * std
    p = {"wte.weight": r(V, D, std=0.5), "wpe.weight": r(P, D, std=0.3)}
    for i in range(L):
        h = f"h.{i}."
        p[h + "ln_1.weight"] = 1 + r(D, std=0.1)
        p[h + "ln_1.bias"] = r(D, std=0.1)
        p[h + "attn.c_attn.weight"] = r(D, 3 * D)
        p[h + "attn.c_attn.bias"] = r(3 * D, std=0.1)
        p[h + "attn.c_proj.weight"] = r(D, D)
        p[h + "attn.c_proj.bias"] = r(D, std=0.1)
        p[h + "ln_2.weight"] = 1 + r(D, std=0.1)
        p[h + "ln_2.bias"] = r(D, std=0.1)
        p[h + "mlp.c_fc.weight"] = r(D, 4 * D)
        p[h + "mlp.c_fc.bias"] = r(4 * D, std=0.1)
        p[h + "mlp.c_proj.weight"] = r(4 * D, D, std=0.1)
        p[h + "mlp.c_proj.bias"] = r(D, std=0.1)
    p["ln_f.weight"] = 1 + r(D, std=0.1)
    p["ln_f.bias"] = r(D, std=0.1)
    return p


def save_model(dirname, cfg, params, dtype, prefix=""):
    d = os.path.join(OUT, dirname)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    write_safetensors(os.path.join(d, "model.safetensors"), {prefix + k: v.to(dtype) for k, v in params.items()}, {"format": "pt"})


def main():
    gen = torch.Generator().manual_seed(1234)
    cfg = hf_config(n_layer=2, n_embd=48, n_head=3, vocab_size=101, n_positions=32)
    params = random_params(cfg, gen)
    save_model("gpt2-tiny", cfg, params, torch.float32)
    save_model("gpt2-tiny-fp16", cfg, params, torch.float16, prefix="transformer.")

    # Batch of 2, right-padded: row 1 has 4 pad tokens (id 0) masked out.
    P = 9
    tokens = torch.randint(0, cfg["vocab_size"], (2, P), generator=gen)
    mask = torch.ones(2, P, dtype=torch.int32)
    mask[1, P - 4 :] = 0
    tokens[1, P - 4 :] = 0

    p64 = {k: v.double() for k, v in params.items()}
    cache = {}
    with torch.no_grad():
        logits = forward(p64, cfg, tokens, mask, cache)
        p16 = {k: v.half().double() for k, v in params.items()}
        logits16 = forward(p16, cfg, tokens, mask)
    golden = {"tokens": tokens.to(torch.int32), "attention_mask": mask, "logits": logits.float(), "logits_fp16": logits16.float()}
    for k, v in cache.items():
        golden[k] = v.float()
    write_safetensors(os.path.join(OUT, "gpt2-tiny-golden.safetensors"), golden, {"batch": "2", "pos": str(P)})
    print("hooks:", len(cache), "logits", tuple(logits.shape), "max |logit|", float(logits.abs().max()))


if __name__ == "__main__":
    main()
