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
