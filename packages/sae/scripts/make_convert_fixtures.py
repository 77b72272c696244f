#!/usr/bin/env python3
"""Writes packages/sae/fixtures/convert/<case>/: a tiny SAE in each format SAELens 6.18 converts (repo/ holds the files
at their repo-relative paths), and what SAELens's own loader makes of it (expected.json: the cfg after
handle_config_defaulting plus the case's inputs; expected.safetensors: every parameter as SAELens holds it, an input x
and SAELens's encode(x)).

The loaders are SAELens's (sae_lens/loading/pretrained_sae_loaders.py, unmodified), imported through the harness in
/work/shared/saelens-harness (stand-ins for packages not installed here). Their only network calls are redirected to
this folder: hf_hub_download(repo_id, filename, subfolder=...) -> repo/<subfolder>/<filename>, and for the mntss
loader's HTTP range reads of a safetensors header, requests.head/get -> the local file's bytes. After the loader, the
steps of SAE.from_pretrained_with_cfg_and_sparsity run as SAELens writes them: handle_config_defaulting, the SAE class
for cfg.architecture, process_state_dict_for_loading, load_state_dict, and fold_activation_norm_scaling_factor when
normalize_activations is expected_average_only_in; for cases that take a registry release's repo id and path, the whole
of SAE.from_pretrained_with_cfg_and_sparsity(release, sae_id) runs instead (the YAML's overrides, Neuronpedia id and
norm_scaling_factor included). Gemma Scope and DeepSeek take d_in / d_sae from names (2304 x
16384 and up); their cases pass cfg_overrides {d_in, d_sae} (the loaders apply overrides last) to stay small.
For bfloat16 SAEs, encode is computed by a float32 twin holding the same (bf16-exact) values.

Usage: /usr/bin/python3 packages/sae/scripts/make_convert_fixtures.py [--src /work/ref/saelens]
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import warnings
from pathlib import Path
from typing import Any

HARNESS = Path("/work/shared/saelens-harness")
OUT = Path(__file__).resolve().parents[1] / "fixtures" / "convert"
BATCH = 5


class Case:
    def __init__(self, name: str, conversion: str, repo_id: str, path: str, overrides: dict[str, Any] | None = None,
                 norm_scaling_factor: float | None = None, release: tuple[str, str] | None = None) -> None:
        self.name, self.conversion, self.repo_id, self.path = name, conversion, repo_id, path
        self.overrides = overrides or {}
        self.nsf = norm_scaling_factor
        self.release = release  # (release, sae_id) of SAELens's registry whose repo_id and path these files take
        self.dir = OUT / name
        self.repo = self.dir / "repo"

    def file(self, rel: str) -> Path:
        p = self.repo / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        return p


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default="/work/ref/saelens")
    args = ap.parse_args()
    sys.path.insert(0, str(HARNESS))
    import run_saelens  # noqa: E402

    run_saelens.import_saelens(Path(args.src))
    import numpy as np
    import torch
    from safetensors.torch import save_file

    import sae_lens.loading.pretrained_sae_loaders as L
    from sae_lens.loading.pretrained_saes_directory import get_norm_scaling_factor
    from sae_lens.saes.sae import SAE

    torch.manual_seed(11)
    g = torch.Generator().manual_seed(11)

    def randn(*shape: int, scale: float = 0.5) -> torch.Tensor:
        return (torch.randn(*shape, generator=g) * scale).float()

    current: dict[str, Case] = {}

    def hf_hub_download(repo_id: str, filename: str, subfolder: str | None = None, **_: Any) -> str:
        case = current["case"]
        assert repo_id == case.repo_id, (repo_id, case.repo_id)
        rel = f"{subfolder}/{filename}" if subfolder else filename
        p = case.repo / rel
        if not p.exists():
            raise L.EntryNotFoundError(f"{repo_id}/{rel}")
        return str(p)

    class Resp:
        def __init__(self, status: int, content: bytes, headers: dict[str, str]) -> None:
            self.status_code, self.content, self.headers = status, content, headers

        def raise_for_status(self) -> None:
            pass

    class FakeRequests:
        @staticmethod
        def head(url: str, timeout: int = 10) -> Resp:
            return Resp(200, b"", {"Accept-Ranges": "bytes"})

        @staticmethod
        def get(url: str, headers: dict[str, str], timeout: int = 10) -> Resp:
            a, b = headers["Range"].removeprefix("bytes=").split("-")
            return Resp(206, Path(url).read_bytes()[int(a) : int(b) + 1], {})

    class EntryNotFound(Exception):
        pass

    if not isinstance(getattr(L, "EntryNotFoundError", None), type):
        L.EntryNotFoundError = EntryNotFound
    L.hf_hub_download = hf_hub_download
    L.hf_hub_url = lambda repo_id, filename: str(current["case"].repo / filename)
    L.requests = FakeRequests

    def run(case: Case, write: Any) -> None:
        if case.dir.exists():
            shutil.rmtree(case.dir)
        case.repo.mkdir(parents=True)
        write(case)
        current["case"] = case
        if case.release is not None:
            # The whole of SAE.from_pretrained on a registry release: its repo, path, overrides, norm factor.
            release, sae_id = case.release
            repo_id, folder = L.get_repo_id_and_folder_name(release, sae_id)
            assert (repo_id, str(folder)) == (case.repo_id, case.path), (repo_id, folder)
            assert L.get_conversion_loader_name(release) == case.conversion
            case.overrides = L.get_config_overrides(release, sae_id)
            case.nsf = get_norm_scaling_factor(release, sae_id)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sae, cfg_dict, sparsity = SAE.from_pretrained_with_cfg_and_sparsity(release, sae_id, device="cpu")
            folded = case.nsf is not None and cfg_dict["normalize_activations"] == "none"
        else:
            loader = L.NAMED_PRETRAINED_SAE_LOADERS[case.conversion]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cfg_dict, state_dict, sparsity = loader(repo_id=case.repo_id, folder_name=case.path, device="cpu",
                                                        force_download=False, cfg_overrides=dict(case.overrides))
            cfg_dict = L.handle_config_defaulting(cfg_dict)
            sae_cfg = SAE.get_sae_config_class_for_architecture(cfg_dict["architecture"]).from_dict(cfg_dict)
            sae = SAE.get_sae_class_for_architecture(sae_cfg.architecture())(sae_cfg)
            sae.process_state_dict_for_loading(state_dict)
            sae.load_state_dict(state_dict)
            folded = False
            if cfg_dict.get("normalize_activations") == "expected_average_only_in" and case.nsf is not None:
                sae.fold_activation_norm_scaling_factor(case.nsf)
                cfg_dict["normalize_activations"] = "none"
                folded = True
        params = {k: v.detach().float().contiguous() for k, v in sae.state_dict().items()}
        twin = sae
        if sae.dtype != torch.float32:
            d32 = {**cfg_dict, "dtype": "float32"}
            c32 = SAE.get_sae_config_class_for_architecture(d32["architecture"]).from_dict(d32)
            twin = SAE.get_sae_class_for_architecture(c32.architecture())(c32)
            twin.load_state_dict(params)
        x = randn(BATCH, sae.cfg.d_in, scale=1.0)
        with torch.no_grad():
            acts = twin.encode(x).float()
        tensors = {f"param.{k}": v for k, v in params.items()}
        tensors.update({"x": x, "acts": acts.contiguous()})
        if sparsity is not None:
            tensors["sparsity"] = sparsity.float()
        save_file(tensors, str(case.dir / "expected.safetensors"))
        meta = sae.cfg.metadata
        cfg = {
            "architecture": sae.cfg.architecture(),
            "d_in": sae.cfg.d_in,
            "d_sae": sae.cfg.d_sae,
            "dtype": sae.cfg.dtype,
            "apply_b_dec_to_input": sae.cfg.apply_b_dec_to_input,
            "normalize_activations": sae.cfg.normalize_activations,
            "k": getattr(sae.cfg, "k", None),
            "model_name": meta.model_name,
            "hook_name": meta.hook_name,
            "hook_name_out": getattr(meta, "hook_name_out", None),
            "d_out": getattr(sae.cfg, "d_out", None),
            "context_size": meta.context_size,
            "dataset_path": meta.dataset_path,
            "prepend_bos": meta.prepend_bos,
            "neuronpedia_id": meta.neuronpedia_id,
        }
        doc = {
            "generated_by": "packages/sae/scripts/make_convert_fixtures.py (SAELens 6.18 loaders, unmodified)",
            "release": case.release[0] if case.release else None, "sae_id": case.release[1] if case.release else None,
            "conversion": case.conversion, "repo_id": case.repo_id, "path": case.path,
            "overrides": case.overrides, "norm_scaling_factor": case.nsf, "folded": folded, "cfg": cfg,
        }
        (case.dir / "expected.json").write_text(json.dumps(doc, indent=1) + "\n")
        print(f"{case.name}: {cfg['architecture']} d_in {cfg['d_in']} d_sae {cfg['d_sae']} {cfg['hook_name']}")

    D_IN, D_SAE = 6, 10

    # ---- gemma_2: params.npz, a residual layer SAE and an embedding SAE (rescaled by sqrt(d_in)) -------------------
    def gemma(case: Case, compressed: bool) -> None:
        arr = {"W_enc": randn(D_IN, D_SAE).numpy(), "W_dec": randn(D_SAE, D_IN).numpy(),
               "b_enc": randn(D_SAE, scale=0.1).numpy(), "b_dec": randn(D_IN, scale=0.1).numpy(),
               "threshold": (torch.rand(D_SAE, generator=g) * 0.3).numpy()}
        if not compressed:
            arr["w_enc"] = arr.pop("W_enc")  # the loader renames w_* -> W_*
            arr["W_dec"] = np.asfortranarray(arr["W_dec"].astype(np.float64))  # a Fortran-ordered <f8 .npy
        (np.savez_compressed if compressed else np.savez)(case.file(f"{case.path}/params.npz"), **arr)

    ov = {"d_in": D_IN, "d_sae": D_SAE}
    run(Case("gemma_2_res", "gemma_2", "google/gemma-scope-2b-pt-res", "layer_3/width_16k/average_l0_5", ov),
        lambda c: gemma(c, True))
    run(Case("gemma_2_embedding", "gemma_2", "google/gemma-scope-2b-pt-res", "embedding/width_4k/average_l0_6", ov),
        lambda c: gemma(c, False))

    # ---- gemma_2_transcoder ----------------------------------------------------------------------------------------
    def gemma_tc(case: Case) -> None:
        np.savez(case.file(f"{case.path}/params.npz"), w_e=randn(D_IN, D_SAE).numpy(), W_dec=randn(D_SAE, D_IN).numpy(),
                 b_enc=randn(D_SAE, scale=0.1).numpy(), b_dec=randn(D_IN, scale=0.1).numpy(),
                 threshold=(torch.rand(D_SAE, generator=g) * 0.3).numpy())

    run(Case("gemma_2_transcoder", "gemma_2_transcoder", "google/gemma-scope-2b-pt-transcoders",
             "layer_4/width_16k/average_l0_76", {**ov, "d_out": D_IN}), gemma_tc)

    # ---- llama_scope: hyperparams.json + checkpoints/final.safetensors, bfloat16, folded norm ---------------------
    def llama(case: Case) -> None:
        hp = {"d_model": D_IN, "d_sae": D_SAE, "hook_point_in": "blocks.7.hook_resid_post",
              "hook_point_out": "blocks.7.hook_resid_post", "jump_relu_threshold": 0.05,
              "dataset_average_activation_norm": {"in": 3.5, "out": 3.5}}
        case.file(f"{case.path}/hyperparams.json").write_text(json.dumps(hp))
        save_file({"encoder.weight": randn(D_SAE, D_IN), "decoder.weight": randn(D_IN, D_SAE),
                   "encoder.bias": randn(D_SAE, scale=0.1), "decoder.bias": randn(D_IN, scale=0.1)},
                  str(case.file(f"{case.path}/checkpoints/final.safetensors")))

    run(Case("llama_scope", "llama_scope", "fnlp/Llama3_1-8B-Base-LXR-8x", "Llama3_1-8B-Base-L7R-8x",
             release=("llama_scope_lxr_8x", "l7r_8x")), llama)

    # ---- llama_scope_r1_distill: config.json + sae_weights.safetensors with log_jumprelu_threshold -----------------
    def r1(case: Case) -> None:
        case.file(f"{case.path}/config.json").write_text(json.dumps(
            {"d_model": D_IN, "expansion_factor": 2, "hook_point_in": "blocks.5.hook_resid_post"}))
        save_file({"encoder.weight": randn(2 * D_IN, D_IN), "decoder.weight": randn(D_IN, 2 * D_IN),
                   "encoder.bias": randn(2 * D_IN, scale=0.1), "decoder.bias": randn(D_IN, scale=0.1),
                   "log_jumprelu_threshold": randn(2 * D_IN, scale=0.3) - 2.0},
                  str(case.file(f"{case.path}/sae_weights.safetensors")))

    run(Case("llama_scope_r1_distill", "llama_scope_r1_distill", "fnlp/Llama-Scope-R1-Distill",
             "800M-Slimpajama-0-OpenR1-Math-220k/L5R", release=("llama_scope_r1_distill", "l5r_800m_slimpajama")), r1)

    # ---- dictionary_learning_1: config.json + ae.pt (standard, gated, topk) ---------------------------------------
    def dl(kind: str) -> Any:
        def write(case: Case) -> None:
            cls = {"standard": "AutoEncoder", "gated": "GatedAutoEncoder", "topk": "AutoEncoderTopK"}[kind]
            trainer = {"dict_class": cls, "activation_dim": D_IN, "dict_size": D_SAE, "layer": 3,
                       "lm_name": "EleutherAI/pythia-70m-deduped", "k": 3}
            case.file(f"{case.path}/config.json").write_text(json.dumps({"trainer": trainer, "buffer": {"ctx_len": 128}}))
            sd = {"encoder.weight": randn(D_SAE, D_IN), "decoder.weight": randn(D_IN, D_SAE)}
            if kind == "standard":
                sd.update({"encoder.bias": randn(D_SAE, scale=0.1), "bias": randn(D_IN, scale=0.1)})
            elif kind == "gated":
                sd.update({"decoder_bias": randn(D_IN, scale=0.1), "mag_bias": randn(D_SAE, scale=0.1),
                           "gate_bias": randn(D_SAE, scale=0.1), "r_mag": randn(D_SAE, scale=0.2)})
            else:
                sd.update({"encoder.bias": randn(D_SAE, scale=0.1), "b_dec": randn(D_IN, scale=0.1)})
            torch.save(sd, case.file(f"{case.path}/ae.pt"))
        return write

    for kind, date, trainer in [("standard", "0712", 10), ("gated", "0730", 0), ("topk", "0730", 0)]:
        release = (f"sae_bench_pythia70m_sweep_{kind}_ctx128_{date}", f"blocks.3.hook_resid_post__trainer_{trainer}")
        run(Case(f"dictionary_learning_{kind}", "dictionary_learning_1", "canrager/lm_sae",
                 f"pythia70m_sweep_{kind}_ctx128_{date}/resid_post_layer_3/trainer_{trainer}", release=release), dl(kind))

    # ---- deepseek_r1: one .pt --------------------------------------------------------------------------------------
    def deepseek(case: Case) -> None:
        torch.save({"encoder.weight": randn(D_SAE, D_IN), "decoder.weight": randn(D_IN, D_SAE),
                    "encoder.bias": randn(D_SAE, scale=0.1), "decoder.bias": randn(D_IN, scale=0.1)},
                   case.file(case.path))

    run(Case("deepseek_r1", "deepseek_r1", "qresearch/DeepSeek-R1-Distill-Llama-8B-SAE-l19",
             "DeepSeek-R1-Distill-Llama-8B-SAE-l19.pt", ov), deepseek)

    # ---- sparsify: <layer>/cfg.json + <layer>/sae.safetensors (W_dec stored [d_in, d_sae]: SAELens transposes it) --
    def sparsify(case: Case) -> None:
        case.file(f"{case.path}/cfg.json").write_text(json.dumps(
            {"d_in": D_IN, "num_latents": D_SAE, "k": 3, "normalize_decoder": True, "signed": False}))
        save_file({"encoder.weight": randn(D_SAE, D_IN), "encoder.bias": randn(D_SAE, scale=0.1),
                   "W_dec": randn(D_IN, D_SAE), "b_dec": randn(D_IN, scale=0.1)},
                  str(case.file(f"{case.path}/sae.safetensors")))

    run(Case("sparsify", "sparsify", "EleutherAI/sae-pythia-70m-32k", "layers.3"), sparsify)

    # ---- mwhanna_transcoder: layer_N.safetensors + wanb-config.yaml (the misspelt name) + config.yaml -------------
    def mwhanna(case: Case) -> None:
        case.file("wanb-config.yaml").write_text(
            "_wandb:\n  desc: null\n  value:\n    cli_version: 0.19.1\n"
            f"d_model:\n  desc: null\n  value: {D_IN}\nd_feature:\n  desc: null\n  value: {D_SAE}\n"
            "batch_size:\n  desc: null\n  value: 256\nlr:\n  value: 0.0004  # learning rate\n")
        case.file("config.yaml").write_text("model_name: Qwen/Qwen3-0.6B\nmodel_kind: transcoder_set\n")
        save_file({"W_enc": randn(D_SAE, D_IN), "W_dec": randn(D_SAE, D_IN), "b_enc": randn(D_SAE, scale=0.1),
                   "b_dec": randn(D_IN, scale=0.1)}, str(case.file(case.path)))

    run(Case("mwhanna_transcoder", "mwhanna_transcoder", "mwhanna/qwen3-0.6b-transcoders-lowl0", "layer_9.safetensors",
             release=("mwhanna-qwen3-0.6b-transcoders-lowl0", "layer_9")), mwhanna)

    # ---- mntss_clt_layer_transcoder: config.yaml + W_enc_N / W_dec_N safetensors ---------------------------------
    def mntss(case: Case) -> None:
        case.file("config.yaml").write_text(
            "model_name: google/gemma-2-2b\nfeature_input_hook: hook_resid_mid\nfeature_output_hook: hook_mlp_out\n")
        n = case.path
        save_file({f"W_enc_{n}": randn(D_SAE, D_IN), f"b_enc_{n}": randn(D_SAE, scale=0.1),
                   f"b_dec_{n}": randn(D_IN, scale=0.1)}, str(case.file(f"W_enc_{n}.safetensors")))
        save_file({f"W_dec_{n}": randn(D_SAE, 3, D_IN)}, str(case.file(f"W_dec_{n}.safetensors")))

    run(Case("mntss_clt_layer_transcoder", "mntss_clt_layer_transcoder", "mntss/clt-gemma-2-2b-2.5M", "2",
             release=("mntss-gemma-2-2b-2.5m-clt-as-per-layer", "layer_2")), mntss)


if __name__ == "__main__":
    main()
