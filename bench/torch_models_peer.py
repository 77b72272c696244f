"""PyTorch peer for bench/models.ts: each model family at a GPT-2-small-like size (d_model 768, 12 heads of 64,
2 layers, vocab 8192), built and run by Hugging Face transformers 4.44.2's OWN modeling code (eager attention)
through the shared harness (../../shared/hf-harness/run_hf.py: sys.path, stubs, the torch-1.13 shim), so the
architecture it times is the one our loader reads, not a re-implementation. Per spec it also writes the model as an
HF folder (save_pretrained) and hidden_states[1] for the spec's ids, which bench/models.ts checks our activations
against before timing. Speaks the JSON protocol of bench/peer.py; run as `/usr/bin/python3 bench/torch_models_peer.py`.
Spec: kind "hf_family", family, config (class name), kwargs, seed, dir, ids ([contexts][ctx]), hf_src, harness,
warmup, reps. The timed call: the base model (no LM head) over the ids, under no_grad.
"""
import os
import struct
import sys

from peer import serve

_ready = {}


def transformers_from(torch, src, harness):
    if "tf" not in _ready:
        sys.path.insert(0, harness)
        import run_hf  # noqa: E402 - the harness's setup puts transformers' source on sys.path

        run_hf.setup(src, threads=torch.get_num_threads())
        import transformers

        _ready["tf"] = transformers
    return _ready["tf"]


def hf_family(torch, s):
    tf = transformers_from(torch, s["hf_src"], s["harness"])
    torch.manual_seed(int(s["seed"]))
    config = getattr(tf, s["config"])(attn_implementation="eager", **s["kwargs"])
    model = tf.AutoModelForCausalLM.from_config(config).eval()
    os.makedirs(s["dir"], exist_ok=True)
    model.save_pretrained(s["dir"], safe_serialization=True)
    ids = torch.tensor(s["ids"], dtype=torch.long)
    base = model.base_model
    with torch.no_grad():
        h1 = base(ids, output_hidden_states=True).hidden_states[1].contiguous().reshape(-1).tolist()
    with open(os.path.join(s["dir"], "hidden1.f32"), "wb") as f:
        f.write(struct.pack(f"<{len(h1)}f", *h1))
    return lambda: base(ids)


if __name__ == "__main__":
    serve({"hf_family": hf_family}, "kind", reps=3, grad=False)
