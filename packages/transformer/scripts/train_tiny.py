"""Trains the bundled tiny GPT-2 on Tiny Shakespeare (dev tool; run with /usr/bin/python3, see TRAINING.md).
  /usr/bin/python3 train_tiny.py <tokens.bin (u16, from train_bpe.ts)> <asset-dir> [seconds=600]
Writes <asset-dir>/config.json, model.safetensors (fp32, HF GPT-2 names, tied wte) and TRAINING.md.
Every training window starts with <|endoftext|> (the BOS that toTokens prepends by default) followed by 255 corpus
tokens; the last 5% of the token stream is held out for validation."""
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_ref import forward, hf_config, write_safetensors  # noqa: E402

torch.set_num_threads(2)
torch.manual_seed(0)
HP = dict(n_layer=4, n_embd=128, n_head=4, n_positions=256, vocab_size=2048, batch=16, seq=256, lr=3e-3,
          min_lr=3e-4, warmup=50, weight_decay=0.1, betas=(0.9, 0.95), grad_clip=1.0, eval_every=100, eval_batches=16)


def init_params(cfg):
    D, L = cfg["n_embd"], cfg["n_layer"]
    n = lambda *s, std=0.02: (torch.randn(*s) * std)
    p = {"wte.weight": n(cfg["vocab_size"], D), "wpe.weight": n(cfg["n_positions"], D, std=0.01)}
    for i in range(L):
        h = f"h.{i}."
        p[h + "ln_1.weight"], p[h + "ln_1.bias"] = torch.ones(D), torch.zeros(D)
        p[h + "attn.c_attn.weight"], p[h + "attn.c_attn.bias"] = n(D, 3 * D), torch.zeros(3 * D)
        p[h + "attn.c_proj.weight"], p[h + "attn.c_proj.bias"] = n(D, D, std=0.02 / math.sqrt(2 * L)), torch.zeros(D)
        p[h + "ln_2.weight"], p[h + "ln_2.bias"] = torch.ones(D), torch.zeros(D)
        p[h + "mlp.c_fc.weight"], p[h + "mlp.c_fc.bias"] = n(D, 4 * D), torch.zeros(4 * D)
        p[h + "mlp.c_proj.weight"], p[h + "mlp.c_proj.bias"] = n(4 * D, D, std=0.02 / math.sqrt(2 * L)), torch.zeros(D)
    p["ln_f.weight"], p["ln_f.bias"] = torch.ones(D), torch.zeros(D)
    for v in p.values():
        v.requires_grad_(True)
    return p


def batch(data, bos, B, T, gen):
    ix = torch.randint(0, len(data) - T, (B,), generator=gen)
    y = torch.stack([data[i : i + T] for i in ix.tolist()])
    x = torch.cat([torch.full((B, 1), bos, dtype=torch.long), y[:, :-1]], dim=1)
    return x, y


def loss_of(p, cfg, x, y):
    return F.cross_entropy(forward(p, cfg, x).reshape(-1, cfg["vocab_size"]), y.reshape(-1))


@torch.no_grad()
def sample(p, cfg, bos, n, temperature=0.8, top_k=40, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = [bos]
    for _ in range(n):
        logits = forward(p, cfg, torch.tensor([ids[-cfg["n_positions"] :]]))[0, -1] / temperature
        v, i = torch.topk(logits, top_k)
        ids.append(int(i[torch.multinomial(torch.softmax(v, -1), 1, generator=g)]))
    return ids[1:]


def decoder(asset_dir):
    vocab = json.load(open(os.path.join(asset_dir, "vocab.json"), encoding="utf8"))
    order = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    chars = {b: chr(b) for b in order}
    extra = 0
    for b in range(256):
        if b not in chars:
            chars[b] = chr(256 + extra)
            extra += 1
    to_byte = {c: b for b, c in chars.items()}
    inv = {i: t for t, i in vocab.items()}
    return lambda ids: bytes(to_byte[c] for i in ids if not inv[i].startswith("<|") for c in inv[i]).decode("utf8", "replace")


def main():
    tokens_path, asset_dir = sys.argv[1], sys.argv[2]
    budget = float(sys.argv[3]) if len(sys.argv) > 3 else 600.0
    data = torch.from_numpy(np.fromfile(tokens_path, dtype=np.uint16).astype(np.int64))
    n_val = len(data) // 20
    train, val = data[:-n_val], data[-n_val:]
    cfg = hf_config(HP["n_layer"], HP["n_embd"], HP["n_head"], HP["vocab_size"], HP["n_positions"])
    bos = cfg["vocab_size"] - 1
    p = init_params(cfg)
    decay = [v for k, v in p.items() if v.dim() == 2]
    no_decay = [v for k, v in p.items() if v.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": HP["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=HP["lr"], betas=HP["betas"])
    gen = torch.Generator().manual_seed(1)
    val_gen = torch.Generator().manual_seed(2)
    val_batches = [batch(val, bos, HP["batch"], HP["seq"], val_gen) for _ in range(HP["eval_batches"])]
    evaluate = lambda: sum(float(loss_of(p, cfg, x, y)) for x, y in val_batches) / len(val_batches)
    print(f"tokens: train {len(train)}, val {len(val)}; params {sum(v.numel() for v in p.values())}", flush=True)
    t0 = time.time()
    fixed_steps = int(sys.argv[4]) if len(sys.argv) > 4 else 0  # optional: a fixed step count instead of a time budget
    max_steps, step, history, train_loss = fixed_steps or 10**9, 0, [], float("nan")
    while step < max_steps:
        if step == 10 and not fixed_steps:  # fix the schedule length from the measured speed (evals cost ~10%)
            max_steps = int(budget / ((time.time() - t0) / 10) * 0.9)
            print(f"schedule: {max_steps} steps", flush=True)
        lr = HP["lr"] * min(1.0, (step + 1) / HP["warmup"])
        if step >= HP["warmup"] and max_steps < 10**9:
            frac = (step - HP["warmup"]) / max(1, max_steps - HP["warmup"])
            lr = HP["min_lr"] + 0.5 * (HP["lr"] - HP["min_lr"]) * (1 + math.cos(math.pi * min(1.0, frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = batch(train, bos, HP["batch"], HP["seq"], gen)
        loss = loss_of(p, cfg, x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(p.values()), HP["grad_clip"])
        opt.step()
        train_loss = 0.9 * train_loss + 0.1 * float(loss) if step > 0 else float(loss)
        step += 1
        if step % HP["eval_every"] == 0 or step == max_steps:
            with torch.no_grad():
                v = evaluate()
            history.append((step, round(train_loss, 4), round(v, 4), round(time.time() - t0)))
            print(f"step {step}/{max_steps} lr {lr:.2e} train {train_loss:.4f} val {v:.4f} t {time.time() - t0:.0f}s", flush=True)
    cfg["bos_token_id"] = cfg["eos_token_id"] = bos
    json.dump(cfg, open(os.path.join(asset_dir, "config.json"), "w"), indent=2)
    write_safetensors(os.path.join(asset_dir, "model.safetensors"), {k: v.detach().float() for k, v in p.items()}, {"format": "pt"})
    text = decoder(asset_dir)(sample(p, cfg, bos, 200))
    print(text, flush=True)
    write_notes(asset_dir, len(train), len(val), step, history, text, time.time() - t0)


def write_notes(asset_dir, n_train, n_val, steps, history, text, seconds):
    rows = "\n".join(f"| {s} | {t} | {v} | {sec} |" for s, t, v, sec in history)
    hp = ", ".join(f"{k}={v}" for k, v in HP.items())
    with open(os.path.join(asset_dir, "TRAINING.md"), "w") as f:
        f.write(f"""# How the bundled tiny Shakespeare GPT-2 was made

- Data: `input.txt` (Tiny Shakespeare, public domain; see SOURCE.md), 1,115,394 bytes.
- Tokenizer: byte-level BPE, 2048 ids (256 bytes + 1791 merges + `<|endoftext|>` = 2047, used as BOS), trained by
  `scripts/train_bpe.ts` with GPT-2's pre-token regex; written as `vocab.json` + `merges.txt` (Hugging Face format).
- Tokens: {n_train + n_val} in all; the last 5% ({n_val}) held out for validation, the rest ({n_train}) for training.
  Each training window is `<|endoftext|>` followed by 255 corpus tokens at a random offset.
- Model: GPT-2 architecture (pre-LN, gelu_new, tied unembedding), n_layer 4, n_embd 128, n_head 4, n_positions 256,
  vocab 2048; one file `model.safetensors` (fp32, HF names) + `config.json`.
- Optimiser: AdamW, linear warm-up then cosine decay to min_lr, no dropout. Hyperparameters: {hp}.
- Ran {steps} steps in {seconds:.0f} s on 2 CPU threads (PyTorch 1.13, shared 2-core machine).

| step | train loss (EMA) | val loss | seconds |
|---|---|---|---|
{rows}

Sample (200 tokens after `<|endoftext|>`, temperature 0.8, top-k 40, PyTorch):

```
{text}
```

Rerun (from the repository root; about 10 minutes):

```
B=.tools/node_modules/.bin/bun; A=packages/transformer/assets/tiny-shakespeare
$B packages/transformer/scripts/train_bpe.ts $A/input.txt $A 2048 /tmp/tiny_tokens.bin
/usr/bin/python3 packages/transformer/scripts/train_tiny.py /tmp/tiny_tokens.bin $A 600
```
""")


if __name__ == "__main__":
    main()
