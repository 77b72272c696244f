"""Golden values for @sae/core's training side, computed by SAELens 6.18's own (unmodified) source.

Imports the shared harness (/work/shared/saelens-harness/run_saelens.py, or $SAELENS_HARNESS): its SAELens import
(stand-ins for third-party packages, the documented torch-1.13 patches), deterministic parameters, tensor encoding
and provenance; then records, at the project's own small sizes and seeds:

  training_cases  TrainingSAE.training_forward_pass(TrainStepInput) per architecture and variant: feature_acts,
                  hidden_pre, sae_out, every loss term, the total loss, buffers after (BatchTopK topk_threshold)
                  and the gradient of every parameter after loss.backward(); then the inference checkpoint SAELens
                  exports from it (save_inference_model -> SAE.load_from_disk: BatchTopK / Matryoshka as JumpReLU,
                  rescale_acts_by_decoder_norm folded) with its architecture, state_dict and encode / decode of sae_in;
  lr_schedules    sae_lens.training.optim.get_lr_scheduler's lr per step (each scheduler, with and without warm-up
                  and decay) and CoefficientScheduler's value per step;
  trainer_cases   N steps of the real SAETrainer.fit() (Adam, clip_grad_norm_, lr and coefficient schedulers,
                  dead-latent tracking): per step the lr, coefficients, dead mask, losses, the clip's total norm
                  and the parameters after the optimiser step.
  fit_runs        SAETrainer.fit() run lengths, per-step lr and coefficients, and checkpoint names for budgets that
                  are not a multiple of the batch (ceil steps run, floor-long schedulers) and for n_checkpoints.

Writes packages/sae/fixtures/saelens/training.json (float32 values as shortest round-trip decimals).
Run from the repo root: /usr/bin/python3 packages/sae/scripts/saelens_goldens.py --src /work/ref/saelens
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "fixtures" / "saelens" / "training.json"
HARNESS = Path(os.environ.get("SAELENS_HARNESS", "/work/shared/saelens-harness/run_saelens.py"))

# The project's sizes and seed (small, so the committed JSON stays small).
D_IN, D_SAE, BATCH, K, SEED = 8, 24, 12, 3, 11
WIDTHS = [6, 12, 24]
TRAINER_STEPS = 3


def load_harness() -> Any:
    spec = importlib.util.spec_from_file_location("run_saelens", HARNESS)
    rs = importlib.util.module_from_spec(spec)
    sys.modules["run_saelens"] = rs
    spec.loader.exec_module(rs)
    rs.D_IN, rs.D_SAE, rs.BATCH, rs.K, rs.SEED, rs.TRAINER_STEPS = D_IN, D_SAE, BATCH, K, SEED, TRAINER_STEPS
    rs.MATRYOSHKA_WIDTHS = list(WIDTHS)
    return rs


def training_specs(sl: Any) -> list[tuple]:
    """name, config class, overrides, param set, dead mask (None = none dead), param edits, notes."""
    every4 = [i % 4 == 0 for i in range(D_SAE)]
    two = [i in (5, 17) for i in range(D_SAE)]
    mk = {"k": K, "matryoshka_widths": list(WIDTHS)}
    return [
        ("standard", sl.StandardTrainingSAEConfig, {}, "standard", every4, {}, "defaults"),
        ("standard_l1_5_lp2_nobdec", sl.StandardTrainingSAEConfig,
         {"lp_norm": 2.0, "l1_coefficient": 5.0, "apply_b_dec_to_input": False}, "standard", every4, {}, "lp_norm 2"),
        ("gated", sl.GatedTrainingSAEConfig, {}, "gated", every4, {}, "defaults"),
        ("gated_l1_3_nobdec", sl.GatedTrainingSAEConfig, {"l1_coefficient": 3.0, "apply_b_dec_to_input": False},
         "gated", every4, {}, "l1 3, no b_dec on input"),
        ("jumprelu", sl.JumpReLUTrainingSAEConfig, {}, "jumprelu_training", every4, {}, "defaults (step, bw 0.05)"),
        ("jumprelu_l0_3_bw_0.1", sl.JumpReLUTrainingSAEConfig, {"l0_coefficient": 3.0, "jumprelu_bandwidth": 0.1},
         "jumprelu_training", every4, {}, "l0 3, bandwidth 0.1"),
        ("jumprelu_tanh_preact", sl.JumpReLUTrainingSAEConfig,
         {"jumprelu_sparsity_loss_mode": "tanh", "pre_act_loss_coefficient": 0.5, "l0_coefficient": 2.0},
         "jumprelu_training", every4, {}, "tanh (scale 4), pre_act 0.5, l0 2"),
        ("jumprelu_step_preact", sl.JumpReLUTrainingSAEConfig,
         {"pre_act_loss_coefficient": 0.3, "jumprelu_tanh_scale": 2.0}, "jumprelu_training", every4, {},
         "step mode with pre_act 0.3"),
        ("topk", sl.TopKTrainingSAEConfig, {"k": K}, "topk", every4, {}, "k 3 (rescale true, aux 1)"),
        ("topk_no_rescale", sl.TopKTrainingSAEConfig, {"k": K, "rescale_acts_by_decoder_norm": False}, "topk",
         every4, {}, "rescale false"),
        ("topk_two_dead_aux_0.5", sl.TopKTrainingSAEConfig, {"k": K, "aux_loss_coefficient": 0.5}, "topk", two, {},
         "2 dead < k_aux 4: scale 0.5"),
        ("topk_no_dead", sl.TopKTrainingSAEConfig, {"k": K}, "topk", None, {}, "no dead: aux 0"),
        ("batchtopk", sl.BatchTopKTrainingSAEConfig, {"k": K}, "batchtopk", every4, {}, "k 3"),
        ("batchtopk_no_rescale_few_positive", sl.BatchTopKTrainingSAEConfig,
         {"k": K, "rescale_acts_by_decoder_norm": False, "topk_threshold_lr": 0.2}, "batchtopk", every4,
         {"b_enc": -1.6}, "b_enc - 1.6: fewer than k * batch positive; threshold lr 0.2"),
        ("batchtopk_none_positive", sl.BatchTopKTrainingSAEConfig, {"k": K}, "batchtopk", every4, {"b_enc": -20.0},
         "b_enc - 20: no positive score (threshold unchanged, f = 0)"),
        ("matryoshka_batchtopk", sl.MatryoshkaBatchTopKTrainingSAEConfig, dict(mk), "matryoshka_batchtopk", every4,
         {}, "widths 6, 12, 24"),
        ("matryoshka_batchtopk_no_rescale", sl.MatryoshkaBatchTopKTrainingSAEConfig,
         {**mk, "rescale_acts_by_decoder_norm": False}, "matryoshka_batchtopk", None, {}, "rescale false, none dead"),
    ]


def export_case(rs: Any, sae: Any, x: Any, tmp: Path) -> dict[str, Any]:
    """What SAELens exports from a training SAE, loaded back as its inference class."""
    import torch
    from safetensors.torch import load_file

    from sae_lens.saes.sae import SAE

    sae.save_inference_model(tmp)
    with open(tmp / "cfg.json") as f:
        cfg = json.load(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inf = SAE.load_from_disk(tmp)
    with torch.no_grad():
        acts = inf.encode(x)
        out = inf.decode(acts)
    return {
        "architecture": cfg["architecture"],
        "rescale_acts_by_decoder_norm": cfg.get("rescale_acts_by_decoder_norm"),
        "state_dict": {k: rs.enc(v) for k, v in sorted(load_file(tmp / "sae_weights.safetensors").items())},
        "encode": rs.enc(acts),
        "decode": rs.enc(out),
    }


def training_cases(rs: Any, sl: Any, P: dict[str, Any], tmp: Path) -> list[dict[str, Any]]:
    import torch

    from sae_lens.saes.sae import TrainCoefficientConfig, TrainingSAE, TrainStepInput
    from sae_lens.training.optim import CoefficientScheduler

    out = []
    for name, cfg_cls, overrides, pset, dead, edits, notes in training_specs(sl):
        torch.manual_seed(SEED)
        cfg = cfg_cls(d_in=D_IN, d_sae=D_SAE, **overrides)
        sae = TrainingSAE.get_sae_class_for_architecture(cfg.architecture())(cfg)
        params = {k: P[k].clone() for k in rs.PARAM_SETS[pset]}
        for k, shift in edits.items():
            params[k] = params[k] + shift
        rs.load_params(sae, params, rs.PARAM_SETS[pset])
        buffers_before = {k: rs.enc(v) for k, v in sae.named_buffers()}
        coeffs = {}
        for cname, c in sae.get_coefficients().items():
            if not isinstance(c, TrainCoefficientConfig):
                c = TrainCoefficientConfig(value=c, warm_up_steps=0)
            coeffs[cname] = CoefficientScheduler(warm_up_steps=c.warm_up_steps, final_value=c.value).value
        mask = torch.tensor(dead if dead is not None else [False] * D_SAE, dtype=torch.bool)
        x = P["x"].clone()
        sae.train()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            res = sae.training_forward_pass(TrainStepInput(sae_in=x, coefficients=coeffs, dead_neuron_mask=mask,
                                                           n_training_steps=0))
        sae.zero_grad()
        res.loss.backward()
        export = export_case(rs, sae, x, tmp / name)
        out.append({
            "name": name,
            "architecture": cfg.architecture(),
            "config": rs.jsonable(cfg.to_dict()),
            "notes": notes,
            "params": {k: rs.enc(v) for k, v in params.items()},
            "buffers_before": buffers_before,
            "input": {"sae_in": rs.enc(x), "coefficients": coeffs, "dead_neuron_mask": rs.enc(mask)},
            "output": {
                "feature_acts": rs.enc(res.feature_acts),
                "hidden_pre": rs.enc(res.hidden_pre),
                "sae_out": rs.enc(res.sae_out),
                "losses": {k: rs.scalar(v) for k, v in res.losses.items()},
                "loss": rs.scalar(res.loss),
                "buffers_after": {k: rs.enc(v) for k, v in sae.named_buffers()},
            },
            "grads": {n: rs.enc(p.grad) if p.grad is not None else None for n, p in sae.named_parameters()},
            "export": export,
        })
        print(f"training {name:36s} loss={res.loss.item():.6f}", file=sys.stderr)
    return out


def trainer_specs(sl: Any) -> list[tuple]:
    """name, config class, overrides, param set, trainer overrides, notes[, param shifts]."""
    mk = {"k": K, "matryoshka_widths": list(WIDTHS)}
    return [
        ("standard", sl.StandardTrainingSAEConfig, {"l1_warm_up_steps": 2}, "standard", {}, "l1 warm-up 2"),
        ("standard_cosine_warmup_decay", sl.StandardTrainingSAEConfig, {"l1_coefficient": 2.0}, "standard",
         {"lr_scheduler_name": "cosineannealing", "lr_warm_up_steps": 1, "lr_decay_steps": 1, "lr": 1e-3},
         "cosine with 1 warm-up and 1 decay step, lr 1e-3"),
        ("gated", sl.GatedTrainingSAEConfig, {}, "gated", {}, "defaults"),
        ("jumprelu", sl.JumpReLUTrainingSAEConfig, {"l0_coefficient": 3.0, "l0_warm_up_steps": 2},
         "jumprelu_training", {}, "l0 3 with warm-up 2"),
        ("jumprelu_tanh_preact", sl.JumpReLUTrainingSAEConfig,
         {"jumprelu_sparsity_loss_mode": "tanh", "pre_act_loss_coefficient": 0.5}, "jumprelu_training", {},
         "tanh + pre_act; b_enc - 1.5 so latents die (dead_feature_window 1: at step 2)", {"b_enc": -1.5}),
        ("topk", sl.TopKTrainingSAEConfig, {"k": K}, "topk", {}, "k 3"),
        ("batchtopk", sl.BatchTopKTrainingSAEConfig, {"k": K}, "batchtopk", {"lr_warm_up_steps": 2}, "lr warm-up 2"),
        ("matryoshka_batchtopk", sl.MatryoshkaBatchTopKTrainingSAEConfig, dict(mk), "matryoshka_batchtopk", {},
         "widths 6, 12, 24"),
    ]


def trainer_cases(rs: Any, sl: Any, P: dict[str, Any]) -> list[dict[str, Any]]:
    """The harness's trainer_cases with the project's specs (same recording)."""
    import torch

    from sae_lens.config import LanguageModelSAERunnerConfig, LoggingConfig, SAETrainerConfig
    from sae_lens.saes.sae import TrainingSAE
    from sae_lens.training.sae_trainer import SAETrainer

    defaults = {f.name: f.default for f in dataclasses.fields(LanguageModelSAERunnerConfig)
                if f.default is not dataclasses.MISSING}
    out = []
    for name, cfg_cls, overrides, pset, tover, notes, *shifts in trainer_specs(sl):
        lr = tover.get("lr", defaults["lr"])
        tk = dict(
            n_checkpoints=0, checkpoint_path=None, save_final_checkpoint=False,
            total_training_samples=TRAINER_STEPS * BATCH, device="cpu", autocast=False, lr=lr, lr_end=lr / 10,
            lr_scheduler_name=defaults["lr_scheduler_name"], lr_warm_up_steps=defaults["lr_warm_up_steps"],
            adam_beta1=defaults["adam_beta1"], adam_beta2=defaults["adam_beta2"],
            lr_decay_steps=defaults["lr_decay_steps"], n_restart_cycles=defaults["n_restart_cycles"],
            train_batch_size_samples=BATCH, dead_feature_window=1,
            feature_sampling_window=defaults["feature_sampling_window"],
        )
        tk.update(tover)
        torch.manual_seed(SEED)
        cfg = cfg_cls(d_in=D_IN, d_sae=D_SAE, **overrides)
        sae = TrainingSAE.get_sae_class_for_architecture(cfg.architecture())(cfg)
        params = {k: P[k].clone() for k in rs.PARAM_SETS[pset]}
        for k, shift in (shifts[0] if shifts else {}).items():
            params[k] = params[k] + shift
        rs.load_params(sae, params, rs.PARAM_SETS[pset])
        trainer = SAETrainer(cfg=SAETrainerConfig(**tk, logger=LoggingConfig(log_to_wandb=False)), sae=sae,
                             data_provider=iter([b.clone() for b in P["trainer_batches"]]), evaluator=None)
        steps: list[dict[str, Any]] = []
        orig_step = trainer._train_step

        def recording_step(sae: Any, sae_in: Any, _orig: Any = orig_step, _t: Any = trainer) -> Any:
            dead_before = _t.dead_neurons.clone()
            coeffs = _t.get_coefficients()
            lr_before = _t.optimizer.param_groups[0]["lr"]
            output = _orig(sae=sae, sae_in=sae_in)
            steps.append({
                "lr": lr_before,
                "coefficients": coeffs,
                "dead_neuron_mask": rs.enc(dead_before),
                "losses": {k: rs.scalar(v) for k, v in output.losses.items()},
                "loss": rs.scalar(output.loss),
                "buffers_after": {k: rs.enc(v) for k, v in sae.named_buffers()},
                "params_after": {k: rs.enc(v) for k, v in sae.named_parameters()},
                "n_forward_passes_since_fired_after": rs.enc(_t.n_forward_passes_since_fired),
            })
            return output

        trainer._train_step = recording_step
        norms: list[Any] = []
        orig_clip = torch.nn.utils.clip_grad_norm_

        def observing_clip(parameters: Any, max_norm: float, *a: Any, **kw: Any) -> Any:
            total = orig_clip(parameters, max_norm, *a, **kw)
            norms.append(rs.scalar(total))
            return total

        torch.nn.utils.clip_grad_norm_ = observing_clip
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                trainer.fit()
        finally:
            torch.nn.utils.clip_grad_norm_ = orig_clip
        for st, n in zip(steps, norms):
            st["grad_norm_before_clip"] = n
        out.append({
            "name": name,
            "architecture": cfg.architecture(),
            "config": rs.jsonable(cfg.to_dict()),
            "notes": notes,
            "trainer_config": rs.jsonable(tk),
            "params": {k: rs.enc(v) for k, v in params.items()},
            "batches": [rs.enc(b) for b in P["trainer_batches"]],
            "steps": steps,
        })
        print(f"trainer  {name:36s} losses " + ", ".join(str(s["loss"]) for s in steps), file=sys.stderr)
    return out


def fit_runs(rs: Any, sl: Any, P: dict[str, Any]) -> list[dict[str, Any]]:
    """SAETrainer.fit() run lengths and checkpoint names: budgets that are not a multiple of the batch run
    ceil(samples / batch) steps while the schedulers last floor(samples / batch); intermediate checkpoints fall where
    the samples seen first exceed a threshold (one per step). save_checkpoint records names instead of writing."""
    import itertools

    from sae_lens.config import LoggingConfig, SAETrainerConfig
    from sae_lens.saes.sae import TrainingSAE
    from sae_lens.training.sae_trainer import SAETrainer

    lr = 3e-4
    # name, total_training_samples, trainer overrides, coefficient warm-up steps, notes
    specs = [
        ("constant_3.5_batches", BATCH * 7 // 2, {}, 2, "4 steps run, schedules 3; l1 warm-up 2"),
        ("cosine_lr_end_3.5_batches", BATCH * 7 // 2, {"lr_scheduler_name": "cosineannealing", "lr_end": 1e-5}, 0,
         "cosine to lr_end 1e-5 over 3; the 4th step one past its end"),
        ("cosine_warmup_decay_7.5_batches", BATCH * 15 // 2,
         {"lr_scheduler_name": "cosineannealing", "lr_warm_up_steps": 2, "lr_decay_steps": 2}, 5,
         "8 steps run, schedules 7: 2 warm-up, cosine 3, 2 decay; l1 warm-up 5"),
        ("constant_warmup_decay_7.5_batches", BATCH * 15 // 2, {"lr_warm_up_steps": 1, "lr_decay_steps": 3}, 0,
         "constant with 1 warm-up and 3 decay steps, 8 steps run"),
        ("warmrestarts_7.5_batches", BATCH * 15 // 2,
         {"lr_scheduler_name": "cosineannealingwarmrestarts", "lr_warm_up_steps": 1, "n_restart_cycles": 2}, 0,
         "restarts T_0 3 after 1 warm-up; the 8th step one past the end restarts at lr"),
        ("checkpoints_3_of_9_batches", BATCH * 9, {"n_checkpoints": 3}, 0, "n_checkpoints 3, 9 steps"),
        ("checkpoints_3_of_7.5_batches", BATCH * 15 // 2, {"n_checkpoints": 3}, 0, "n_checkpoints 3, 8 steps"),
        ("checkpoints_5_of_3_batches", BATCH * 3, {"n_checkpoints": 5}, 0, "n_checkpoints 5 > 3 steps"),
        ("checkpoints_20_of_10_batches", BATCH * 10, {"n_checkpoints": 20}, 0, "n_checkpoints 20 > 10 steps"),
    ]
    out = []
    for name, total, tover, l1_warm, notes in specs:
        tk = dict(
            n_checkpoints=0, checkpoint_path=None, save_final_checkpoint=True, total_training_samples=total,
            device="cpu", autocast=False, lr=lr, lr_end=lr / 10, lr_scheduler_name="constant", lr_warm_up_steps=0,
            adam_beta1=0.9, adam_beta2=0.999, lr_decay_steps=0, n_restart_cycles=1, train_batch_size_samples=BATCH,
            dead_feature_window=1, feature_sampling_window=2000,
        )
        tk.update(tover)
        cfg = sl.StandardTrainingSAEConfig(d_in=D_IN, d_sae=D_SAE, l1_warm_up_steps=l1_warm)
        sae = TrainingSAE.get_sae_class_for_architecture(cfg.architecture())(cfg)
        rs.load_params(sae, {k: P[k].clone() for k in rs.PARAM_SETS["standard"]}, rs.PARAM_SETS["standard"])
        batches = itertools.cycle(P["trainer_batches"])
        trainer = SAETrainer(cfg=SAETrainerConfig(**tk, logger=LoggingConfig(log_to_wandb=False)), sae=sae,
                             data_provider=(b.clone() for b in batches), evaluator=None)
        names: list[str] = []
        trainer.save_checkpoint = lambda checkpoint_name, *a, _n=names, **kw: _n.append(checkpoint_name)
        steps: list[dict[str, Any]] = []
        orig_step = trainer._train_step

        def recording_step(sae: Any, sae_in: Any, _orig: Any = orig_step, _t: Any = trainer, _s: Any = steps) -> Any:
            _s.append({"lr": _t.optimizer.param_groups[0]["lr"], "coefficients": _t.get_coefficients(),
                       "n_training_samples": _t.n_training_samples})
            return _orig(sae=sae, sae_in=sae_in)

        trainer._train_step = recording_step
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trainer.fit()
        out.append({"name": name, "notes": notes, "trainer_config": rs.jsonable(tk),
                    "l1_coefficient": cfg.l1_coefficient, "l1_warm_up_steps": l1_warm,
                    "total_training_steps": trainer.cfg.total_training_steps, "steps_run": trainer.n_training_steps,
                    "checkpoints": names, "steps": steps})
        print(f"fit      {name:36s} {len(steps)} steps, checkpoints {names}", file=sys.stderr)
    return out


def lr_schedules() -> list[dict[str, Any]]:
    """The lr SAELens's scheduler gives at each step (read before scheduler.step(), as SAETrainer uses it)."""
    import torch

    from sae_lens.training.optim import CoefficientScheduler, get_lr_scheduler

    out = []
    specs = [
        ("constant", 20, 0, 0, 1), ("constant", 20, 5, 0, 1), ("constant", 20, 4, 6, 1), ("constant", 20, 1, 0, 1),
        ("cosineannealing", 20, 0, 0, 1), ("cosineannealing", 24, 3, 5, 1),
        ("cosineannealingwarmrestarts", 30, 0, 0, 3), ("cosineannealingwarmrestarts", 30, 4, 2, 2),
    ]
    for name, total, warm, decay, cycles in specs:
        lr, lr_end = 3e-4, 3e-5
        opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=lr)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched = get_lr_scheduler(name, opt, training_steps=total, lr=lr, warm_up_steps=warm, decay_steps=decay,
                                     lr_end=lr_end, num_cycles=cycles)
            lrs = []
            for _ in range(total):
                lrs.append(opt.param_groups[0]["lr"])
                opt.step()
                sched.step()
        out.append({"scheduler": name, "total_steps": total, "warm_up_steps": warm, "decay_steps": decay,
                    "n_restart_cycles": cycles, "lr": lr, "lr_end": lr_end, "lrs": lrs})
    for warm in (0, 1, 3):
        cs = CoefficientScheduler(warm_up_steps=warm, final_value=2.0)
        vals = []
        for _ in range(6):
            vals.append(cs.value)
            cs.step()
        out.append({"coefficient_warm_up_steps": warm, "final_value": 2.0, "values": vals})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", default=os.environ.get("SAELENS_SRC", "/work/ref/saelens"))
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    rs = load_harness()
    src = Path(args.src)
    sl = rs.import_saelens(src)
    import torch

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    P = rs.make_params()
    import tempfile

    with tempfile.TemporaryDirectory(prefix="saelens-goldens-") as td:
        training = training_cases(rs, sl, P, Path(td))
    doc = {
        "meta": {
            "what": "SAELens 6.18 training_forward_pass and SAETrainer.fit() outputs; see scripts/saelens_goldens.py",
            "saelens_version": sl.__version__,
            "saelens_commit": rs.source_provenance(src)["commit"],
            "torch": torch.__version__,
            "compat_patches": rs.TORCH_COMPAT_PATCHES,
            "sizes": {"d_in": D_IN, "d_sae": D_SAE, "batch": BATCH, "k": K, "matryoshka_widths": WIDTHS},
            "seed": SEED,
            "tensor_encoding": "{shape, dtype, data}: flat row-major; float32 as shortest round-trip decimals",
        },
        "training_cases": training,
        "lr_schedules": lr_schedules(),
        "trainer_cases": trainer_cases(rs, sl, P),
        "fit_runs": fit_runs(rs, sl, P),
    }
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n")
    print(f"wrote {args.out}: {len(text) // 1024} KiB", file=sys.stderr)


if __name__ == "__main__":
    main()
