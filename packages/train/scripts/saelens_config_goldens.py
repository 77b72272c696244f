"""SAELens 6.18 runner configs written by SAELens itself (LanguageModelSAERunnerConfig(...).to_dict()), for the
test that `sae train --config` reads them with SAELens's values (defaults included).

Writes packages/train/fixtures/saelens6_runner_configs.json: {name: {"config": to_dict(), "resolved": {...}}}
where "resolved" holds what SAELens derives (lr_end, total steps, the SAE config class's defaults).
Run from the repo root: /usr/bin/python3 packages/train/scripts/saelens_config_goldens.py --src /work/ref/saelens
"""

import argparse
import importlib.util
import json
import os
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "fixtures" / "saelens6_runner_configs.json"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default=os.environ.get("SAELENS_SRC", "/work/ref/saelens"))
    ap.add_argument("--harness", default=os.environ.get("SAELENS_HARNESS", "/work/shared/saelens-harness/run_saelens.py"))
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("run_saelens", args.harness)
    rs = importlib.util.module_from_spec(spec)
    sys.modules["run_saelens"] = rs
    spec.loader.exec_module(rs)
    sl = rs.import_saelens(Path(args.src))
    from sae_lens.config import LanguageModelSAERunnerConfig, LoggingConfig

    def runner(sae_cfg, **kw):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c = LanguageModelSAERunnerConfig(sae=sae_cfg, logger=LoggingConfig(log_to_wandb=False, wandb_id="x"),
                                             verbose=False, **kw)
        d = c.to_dict()
        d["checkpoint_path"] = "checkpoints"  # __post_init__ appends the wandb id
        return {"config": rs.jsonable(d), "resolved": {"lr_end": c.lr_end, "total_training_steps": c.total_training_steps}}

    out = {
        "topk_defaults": runner(sl.TopKTrainingSAEConfig(d_in=64, d_sae=256), model_name="tiny-shakespeare",
                                hook_name="blocks.1.hook_resid_pre", dataset_path="bundled:tiny-shakespeare"),
        "jumprelu_set": runner(
            sl.JumpReLUTrainingSAEConfig(d_in=64, d_sae=128, l0_coefficient=2.5, jumprelu_bandwidth=0.02,
                                         jumprelu_init_threshold=0.03, decoder_init_norm=0.2),
            model_name="tiny-shakespeare", hook_name="blocks.0.hook_resid_post", lr=1e-3, lr_warm_up_steps=5,
            context_size=32, training_tokens=10_000, train_batch_size_tokens=512, exclude_special_tokens=True,
            dataset_path="bundled:tiny-shakespeare", is_dataset_tokenized=False),
        "standard_l1": runner(sl.StandardTrainingSAEConfig(d_in=64, d_sae=512, l1_coefficient=3.0, l1_warm_up_steps=7),
                              model_name="tiny-shakespeare", hook_name="blocks.1.hook_resid_pre",
                              lr_scheduler_name="cosineannealing", lr_decay_steps=3, adam_beta1=0.0),
    }
    with open(OUT, "w") as fh:
        json.dump(out, fh, indent=1)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
