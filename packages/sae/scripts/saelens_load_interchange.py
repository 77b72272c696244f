"""Loads checkpoints written by this project with SAELens 6.18 (SAE.load_from_disk, unmodified source through the
shared harness's stubs, safetensors included) and records encode / decode of x.

  python3 saelens_load_interchange.py [--dir packages/sae/fixtures/interchange] [--out DIR/expected.json]
      [--case NAME ...]

Every sub-folder with a cfg.json is loaded; x comes from DIR/x.json. Output: {case: {"loaded_class", "encode",
"decode"}} with float32 values as the shortest round-tripping decimals (the harness's encoding).
Run from the repo root with /usr/bin/python3 (torch); SAELENS_SRC / SAELENS_HARNESS override the default paths.
"""

import argparse
import importlib.util
import json
import os
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=str(HERE.parent / "fixtures" / "interchange"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--src", default=os.environ.get("SAELENS_SRC", "/work/ref/saelens"))
    ap.add_argument("--harness", default=os.environ.get("SAELENS_HARNESS", "/work/shared/saelens-harness/run_saelens.py"))
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("run_saelens", args.harness)
    rs = importlib.util.module_from_spec(spec)
    sys.modules["run_saelens"] = rs
    spec.loader.exec_module(rs)
    rs.import_saelens(Path(args.src))
    import torch
    from sae_lens.saes.sae import SAE

    torch.set_num_threads(1)
    root = Path(args.dir)
    xj = json.loads((root / "x.json").read_text())
    x = torch.tensor(xj["data"], dtype=torch.float32).reshape(xj["shape"])
    out = {}
    for d in sorted(p for p in root.iterdir() if (p / "cfg.json").exists()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sae = SAE.load_from_disk(str(d))
        sae.eval()
        with torch.no_grad():
            acts = sae.encode(x)
            recon = sae.decode(acts)
        out[d.name] = {"loaded_class": f"{type(sae).__module__}.{type(sae).__qualname__}",
                       "encode": rs.enc(acts), "decode": rs.enc(recon)}
    text = json.dumps(out, separators=(",", ":"))
    if args.out == "-":
        print(text)
    else:
        Path(args.out or root / "expected.json").write_text(text)
        print(f"loaded {len(out)} checkpoints with SAELens", file=sys.stderr)


if __name__ == "__main__":
    main()
