"""Hand-written safetensors reader/writer for the PyTorch dev scripts (golden fixtures, the bundled model's
training, benchmark peers). torch 1.13 from Debian has no safetensors module. Dev tool only, never a runtime
dependency. Scripts import it with: sys.path.insert(0, <repo>/scripts/py).

Writing: float64/float32 -> F32, float16 -> F16, int64/int32/bool -> I32; tensors in insertion order, the header
8-byte aligned with spaces, metadata values as strings."""
import json
import struct

import numpy as np
import torch

_WRITE = {
    torch.float64: (torch.float32, "F32"),
    torch.float32: (torch.float32, "F32"),
    torch.float16: (torch.float16, "F16"),
    torch.int64: (torch.int32, "I32"),
    torch.int32: (torch.int32, "I32"),
    torch.bool: (torch.int32, "I32"),
}
_READ = {"F32": np.float32, "F16": np.float16, "I32": np.int32, "I64": np.int64}


def write_safetensors(path, tensors, metadata=None):
    """tensors: dict name -> torch tensor."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        if t.dtype not in _WRITE:
            raise ValueError(f"{path}: tensor {name} has dtype {t.dtype}, not writable")
        to, dt = _WRITE[t.dtype]
        raw = t.detach().to(to).contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def read_safetensors(path):
    """-> dict name -> torch tensor (F32, F16, I32, I64)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if e["dtype"] not in _READ:
            raise ValueError(f"{path}: tensor {name} has dtype {e['dtype']}, not readable here")
        a, b = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=_READ[e["dtype"]]).copy()).reshape(e["shape"])
    return out
