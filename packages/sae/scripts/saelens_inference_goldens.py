"""Inference goldens from SAELens 6.18's own classes, through the shared harness (run_saelens.py):

  * inference SAEs built with SAE.from_dict (standard and its normalisation / apply_b_dec_to_input variants, gated,
    jumprelu, topk with rescale_acts_by_decoder_norm false / true): their cfg (to_dict, what cfg.json holds),
    parameters, encode / decode of x, and fold_W_dec_norm (state after, encode / decode, or the error it raises);
  * transcoders (Transcoder, SkipTranscoder, JumpReLUTranscoder; d_out 6): SAE.from_dict, random parameters,
    save_model -> the cfg.json and weights SAELens writes -> SAE.load_from_disk -> encode / decode / forward of x,
    and again after fold_W_dec_norm;
  * every training architecture's inference export (TrainingSAE.save_inference_model -> cfg.json +
    sae_weights.safetensors -> SAE.load_from_disk): BatchTopK and Matryoshka BatchTopK export as JumpReLU.

Sizes are reduced from the harness defaults (d_in 8, d_sae 24, batch 6, k 3) to keep the fixture small.
Writes packages/sae/fixtures/saelens_inference.json. Run from the repo root:
  /usr/bin/python3 packages/sae/scripts/saelens_inference_goldens.py --src /work/ref/saelens
"""

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "fixtures" / "saelens_inference.json"


def load_harness(path: str):
    spec = importlib.util.spec_from_file_location("run_saelens", path)
    rs = importlib.util.module_from_spec(spec)
    sys.modules["run_saelens"] = rs
    spec.loader.exec_module(rs)
    return rs


def transcoder_cases(rs, P, seed: int) -> list:
    import torch
    from safetensors.torch import load_file
    from sae_lens.saes.sae import SAE

    g = torch.Generator().manual_seed(seed + 100)
    d_in, d_sae, d_out = rs.D_IN, rs.D_SAE, 6
    out = []
    for arch in ["transcoder", "skip_transcoder", "jumprelu_transcoder"]:
        cfg = {"architecture": arch, "d_in": d_in, "d_sae": d_sae, "d_out": d_out, "dtype": "float32", "device": "cpu",
               "apply_b_dec_to_input": False,
               "metadata": {"hook_name": "blocks.0.ln2.hook_normalized", "hook_name_out": "blocks.0.hook_mlp_out"}}
        tc = SAE.from_dict(cfg)
        with torch.no_grad():
            for name, prm in tc.named_parameters():
                scale = 0.1 if name.startswith("b_") or name == "W_skip" else 1.0 / prm.shape[0] ** 0.5
                prm.copy_(torch.randn(*prm.shape, generator=g) * scale)
                if name == "threshold":
                    prm.copy_(0.1 + 0.3 * torch.rand(*prm.shape, generator=g))
        with tempfile.TemporaryDirectory() as td:
            tc.save_model(td)
            with open(Path(td) / "cfg.json") as fh:
                cfg_json = json.load(fh)
            state = load_file(str(Path(td) / "sae_weights.safetensors"))
            loaded = SAE.load_from_disk(td)
        x = P["x"][:, :d_in].clone()
        with torch.no_grad():
            acts = loaded.encode(x)
            out.append({
                "name": arch,
                "loaded_class": f"{type(loaded).__module__}.{type(loaded).__qualname__}",
                "cfg_json": rs.jsonable(cfg_json),
                "state_dict": {k: rs.enc(v) for k, v in sorted(state.items())},
                "x": rs.enc(x),
                "encode": rs.enc(acts),
                "decode": rs.enc(loaded.decode(acts)),
                "forward": rs.enc(loaded(x)),
            })
            loaded.fold_W_dec_norm()
            fa = loaded.encode(x)
            out[-1]["fold_W_dec_norm"] = {"state_dict_after": rs.state(loaded), "encode": rs.enc(fa),
                                          "forward": rs.enc(loaded(x))}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default=os.environ.get("SAELENS_SRC", "/work/ref/saelens"))
    ap.add_argument("--harness", default=os.environ.get("SAELENS_HARNESS", "/work/shared/saelens-harness/run_saelens.py"))
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    rs = load_harness(args.harness)
    sl = rs.import_saelens(Path(args.src))
    import torch

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    rs.SEED, rs.D_IN, rs.D_SAE, rs.BATCH, rs.K = args.seed, 8, 24, 6, 3
    rs.MATRYOSHKA_WIDTHS = [4, 12, 24]
    P = rs.make_params()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inference = rs.inference_cases(sl, P)
        with tempfile.TemporaryDirectory() as td:
            training = rs.training_cases(sl, P, Path(td))
    transcoders = transcoder_cases(rs, P, args.seed)
    doc = {
        "about": "SAELens 6.18 inference classes and inference exports; scripts/saelens_inference_goldens.py",
        "saelens_commit": rs.source_provenance(Path(args.src))["commit"],
        "inference": [
            {k: c[k] for k in ("name", "config", "params", "input", "output", "fold_W_dec_norm")} for c in inference
        ],
        "exports": [
            {
                "name": c["name"],
                "sae_in": c["input"]["sae_in"],
                "cfg_json": c["inference_export"]["cfg_json"],
                "state_dict": c["inference_export"]["state_dict"],
                "loaded_class": c["inference_export"]["loaded_class"],
                "encode": c["inference_export"]["encode"],
                "decode": c["inference_export"]["decode"],
            }
            for c in training
        ],
        "transcoders": transcoders,
    }
    OUT.parent.mkdir(exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))
    print(f"wrote {OUT}: {len(doc['inference'])} inference, {len(doc['exports'])} exports")


if __name__ == "__main__":
    main()
