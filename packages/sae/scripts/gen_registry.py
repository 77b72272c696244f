#!/usr/bin/env python3
"""Generates packages/sae/src/pretrained.json from SAELens's pretrained_saes.yaml (the registry is never hand-edited).

Usage: /usr/bin/python3 packages/sae/scripts/gen_registry.py [--src /work/ref/saelens] [--out packages/sae/src/pretrained.json]

Reads the YAML the way SAELens 6.18's loading/pretrained_saes_directory.py does (releases in file order, per SAE only
`id`, `path` (as strings), `neuronpedia`, `l0`, `variance_explained`, `norm_scaling_factor`; other keys on an SAE entry, such as
the stray nested release inside gpt2-small-res_scefr-ajt, are ignored as SAELens ignores them) and writes, per
release: repo_id, model, conversion (SAELens's conversion_func; "sae_lens" when the YAML has none), config_overrides,
links and the SAEs. `hook_name` is what can be known without downloading anything: derived from the repo id and path
by the same rules as SAELens's config getters (gemma_2, gemma_2_transcoder, deepseek_r1, mwhanna_transcoder), else
the SAE id when it is itself a hook name, else null (the downloaded config decides).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml

HOOK_ID = re.compile(r"^(blocks\.\d+\.[A-Za-z_.]*hook_[A-Za-z_]+|hook_[A-Za-z_]+)$")
GEMMA_MODELS = ["2b-it", "9b-it", "27b-it", "2b", "9b", "27b"]


def gemma_2_hook(repo: str, path: str) -> str | None:
    m = re.search(r"layer_(\d+)", path)
    layer = int(m.group(1)) if m else (0 if "embedding" in path else None)
    if layer is None:
        return None
    if "res" in repo:
        return "hook_embed" if "embedding" in path else f"blocks.{layer}.hook_resid_post"
    if "mlp" in repo:
        return f"blocks.{layer}.hook_mlp_out"
    if "att" in repo:
        return f"blocks.{layer}.attn.hook_z"
    return None


def derived_hook(conversion: str, repo: str, sae_id: str, path: str) -> str | None:
    if conversion == "gemma_2":
        return gemma_2_hook(repo, path)
    if conversion == "gemma_2_transcoder":
        m = re.search(r"layer_(\d+)", path) or re.search(r"layer_(\d+)", repo)
        return f"blocks.{int(m.group(1))}.ln2.hook_normalized" if m else None
    if conversion == "deepseek_r1":
        m = re.search(r"l(\d+)", path)
        return f"blocks.{int(m.group(1))}.hook_resid_post" if m else None
    if conversion == "mwhanna_transcoder":
        return f"blocks.{int(path.replace('.safetensors', '').split('_')[-1])}.mlp.hook_in"
    return sae_id if HOOK_ID.match(sae_id) else None


def sae_entry(conversion: str, repo: str, info: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(info["id"]),
        "path": str(info["path"]),  # mntss's paths are YAML ints; SAELens only ever formats them into strings
        "hook_name": derived_hook(conversion, repo, str(info["id"]), str(info["path"])),
        "neuronpedia": info.get("neuronpedia"),
        "l0": info.get("l0"),
        "variance_explained": info.get("variance_explained"),
    }
    if info.get("norm_scaling_factor") is not None:
        out["norm_scaling_factor"] = info["norm_scaling_factor"]
    return out


def dump(doc: dict[str, Any]) -> str:
    """JSON with one line per SAE (readable diffs when SAELens's YAML changes)."""
    j = lambda v: json.dumps(v, separators=(",", ":"), ensure_ascii=False)  # noqa: E731
    out = ['{"source":' + j(doc["source"]) + ',"releases":{']
    names = list(doc["releases"])
    for i, name in enumerate(names):
        rel = doc["releases"][name]
        head = j({k: v for k, v in rel.items() if k != "saes"})[:-1]
        out.append(f"{j(name)}:{head},\"saes\":[")
        out.extend(j(s) + ("," if n + 1 < len(rel["saes"]) else "") for n, s in enumerate(rel["saes"]))
        out.append("]}" + ("," if i + 1 < len(names) else ""))
    return "\n".join(out) + "\n}}\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default="/work/ref/saelens")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "src" / "pretrained.json"))
    args = ap.parse_args()
    src = Path(args.src)
    yaml_path = src / "sae_lens" / "pretrained_saes.yaml"
    raw = yaml_path.read_bytes()
    data = yaml.safe_load(raw)
    commit = (src / "SAELENS_COMMIT").read_text().strip() if (src / "SAELENS_COMMIT").exists() else None
    releases: dict[str, Any] = {}
    for name, rel in data.items():
        if "saes" not in rel:
            raise KeyError(f"Missing 'saes' key in {name}")
        conversion = rel.get("conversion_func") or "sae_lens"
        releases[name] = {
            "repo_id": rel["repo_id"],
            "model": rel["model"],
            "conversion": conversion,
            "config_overrides": rel.get("config_overrides") or {},
            "links": rel.get("links") or {},
            "saes": [sae_entry(conversion, rel["repo_id"], s) for s in rel["saes"]],
        }
    doc = {
        "source": {
            "file": "sae_lens/pretrained_saes.yaml",
            "saelens_version": "6.18.0",
            "saelens_commit": commit,
            "yaml_sha256": hashlib.sha256(raw).hexdigest(),
            "releases": len(releases),
            "saes": sum(len(r["saes"]) for r in releases.values()),
            "generated_by": "packages/sae/scripts/gen_registry.py",
        },
        "releases": releases,
    }
    Path(args.out).write_text(dump(doc))
    print(f"wrote {args.out}: {doc['source']['releases']} releases, {doc['source']['saes']} SAEs")


if __name__ == "__main__":
    main()
