"""Eval goldens from SAELens 6.18's own `sae_lens.evals` (run_evals + get_featurewise_weight_based_metrics).

Imports the shared harness (../shared/saelens-harness/run_saelens.py, or $SAELENS_HARNESS), which loads the
unmodified sae_lens package from --src, and runs its `eval_cases` (a standard SAE with token 0 excluded, a TopK SAE
with activation scaling 1.7 and nothing excluded, on the harness's stand-in language model
`logits = tanh(E[tokens]) @ U`) for each seed. Only what the TypeScript test needs to re-run everything is kept:
the SAE config and parameters, E, U, the token batches, and SAELens's metrics (the per-batch activations are
dropped; the test recomputes them through the project's Sae).

Writes packages/train/fixtures/saelens_evals.json. Run from the repo root:
  /usr/bin/python3 packages/train/scripts/saelens_eval_goldens.py --src /work/ref/saelens
"""

import argparse
import importlib.util
import json
import os
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "fixtures" / "saelens_evals.json"
SEEDS = [7, 11]


def load_harness(path: Path):
    spec = importlib.util.spec_from_file_location("run_saelens", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["run_saelens"] = mod
    spec.loader.exec_module(mod)
    return mod


def mixing_case(rs, sl, P, seed: int) -> dict:
    """run_evals on a stand-in model whose logits at position t also read the hook activation at t - 1
    (logits = tanh(resid + 0.5 * shift(resid)) @ U), so the SAE-spliced run depends on the excluded BOS positions
    being kept clean. Standard SAE, token 0 excluded."""
    import torch
    from torch import nn
    from transformer_lens.hook_points import HookedRootModule, HookPoint
    from sae_lens.evals import get_eval_everything_config, run_evals
    from sae_lens.saes.sae import SAE
    from sae_lens.training.activation_scaler import ActivationScaler

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.hook_resid_pre = HookPoint()

    class MixLM(HookedRootModule):
        def __init__(self) -> None:
            super().__init__()
            self.E = nn.Parameter(P["lm_E"].clone(), requires_grad=False)
            self.U = nn.Parameter(P["lm_U"].clone(), requires_grad=False)
            self.blocks = nn.ModuleList([Block()])
            self.setup()

        def forward(self, tokens, return_type="logits", loss_per_token=False, **_):
            resid = self.blocks[0].hook_resid_pre(self.E[tokens])
            prev = torch.cat([torch.zeros_like(resid[:, :1]), resid[:, :-1]], dim=1)
            logits = torch.tanh(resid + 0.5 * prev) @ self.U
            if return_type == "logits":
                return logits
            loss = -torch.log_softmax(logits, dim=-1)[:, :-1].gather(-1, tokens[:, 1:, None])[..., 0]
            if not loss_per_token:
                loss = loss.mean()
            return (logits, loss) if return_type == "both" else loss

        def run_with_hooks(self, tokens, fwd_hooks=(), **kwargs):
            for hname, fn in fwd_hooks:
                self.hook_dict[hname].add_hook(fn)
            try:
                return self(tokens, **kwargs)
            finally:
                self.reset_hooks()

        def run_with_cache(self, tokens, names_filter=None, stop_at_layer=None, prepend_bos=None, **kwargs):
            cache = {}

            def save(t, hook):
                cache[hook.name] = t.detach().clone()

            for hname in names_filter:
                self.hook_dict[hname].add_hook(save)
            try:
                out = self(tokens, **kwargs)
            finally:
                self.reset_hooks()
            return out, cache

    torch.manual_seed(seed)
    cfg = {"d_in": rs.D_IN, "d_sae": rs.D_SAE, "dtype": "float32", "device": "cpu", "architecture": "standard",
           "metadata": {"hook_name": rs.HOOK_NAME, "hook_head_index": None}}
    sae = SAE.from_dict(cfg)
    rs.load_params(sae, P, rs.PARAM_SETS["standard"])
    sae.eval()
    batches = [P["lm_tokens"][i] for i in range(P["lm_tokens"].shape[0])]
    store = rs.FakeActivationsStore(batches, context_size=batches[0].shape[1], store_batch_size_prompts=batches[0].shape[0])
    eval_cfg = get_eval_everything_config(batch_size_prompts=batches[0].shape[0], n_eval_reconstruction_batches=len(batches),
                                          n_eval_sparsity_variance_batches=len(batches))
    metrics, feature_metrics = run_evals(sae, store, MixLM(), ActivationScaler(scaling_factor=None), eval_config=eval_cfg,
                                         exclude_special_tokens=[0])
    return {
        "name": f"standard_ignore_bos_mixing_lm_seed{seed}",
        "architecture": "standard",
        "k": None,
        "hook_name": rs.HOOK_NAME,
        "mixing": 0.5,
        "params": {k: rs.enc(P[k]) for k in rs.PARAM_SETS["standard"]},
        "activation_scaling_factor": None,
        "exclude_special_tokens": [0],
        "E": rs.enc(P["lm_E"]),
        "U": rs.enc(P["lm_U"]),
        "token_batches": [rs.enc(b) for b in batches],
        "metrics": rs.jsonable({g: {k: rs.scalar(v) for k, v in d.items()} for g, d in metrics.items()}),
        "feature_metrics": rs.jsonable({k: [rs._num(float(v)) for v in vals] for k, vals in feature_metrics.items()}),
        "featurewise_weight_based_metrics": None,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default=os.environ.get("SAELENS_SRC", "/work/ref/saelens"))
    default_h = os.environ.get("SAELENS_HARNESS", str(HERE.parents[3] / "shared" / "saelens-harness" / "run_saelens.py"))
    ap.add_argument("--harness", default=default_h if Path(default_h).exists() else "/work/shared/saelens-harness/run_saelens.py")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    rs = load_harness(Path(args.harness))
    sl = rs.import_saelens(Path(args.src))
    import torch

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    cases = []
    for seed in SEEDS:
        rs.SEED = seed
        P = rs.make_params()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for c in rs.eval_cases(sl, P):
                cases.append(
                    {
                        "name": f"{c['name']}_seed{seed}",
                        "architecture": c["sae_config"]["architecture"],
                        "k": c["sae_config"].get("k"),
                        "hook_name": c["stand_in_model"]["hook_name"],
                        "params": c["params"],
                        "activation_scaling_factor": c["activation_scaling_factor"],
                        "exclude_special_tokens": c["exclude_special_tokens"],
                        "E": c["stand_in_model"]["E"],
                        "U": c["stand_in_model"]["U"],
                        "token_batches": [b["tokens"] for b in c["batches"]],
                        "metrics": c["metrics"],
                        "feature_metrics": c["feature_metrics"],
                        "featurewise_weight_based_metrics": c["featurewise_weight_based_metrics"],
                    }
                )
        cases.append(mixing_case(rs, sl, P, seed))
    doc = {
        "about": "sae_lens.evals.run_evals(get_eval_everything_config) on the harness stand-in LM; see "
        "packages/train/scripts/saelens_eval_goldens.py",
        "saelens": {"version": "6.18.0", "provenance": rs.source_provenance(Path(args.src))["commit"]},
        "stand_in_model": "resid = E[tokens] (hook blocks.0.hook_resid_pre); logits = tanh(resid) @ U",
        "cases": cases,
    }
    with open(args.out, "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))
    print(f"wrote {args.out}: {len(cases)} cases")


if __name__ == "__main__":
    main()
