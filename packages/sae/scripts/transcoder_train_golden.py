"""Golden values for plain Transcoder training (this project's extension: SAELens 6.18 has only inference
transcoders). The objective is SAELens's StandardTrainingSAE one with the output hook as the target:
    f = ReLU(x W_enc + b_enc)            (no b_dec on the input: apply_b_dec_to_input false, as Transcoder)
    y_hat = f W_dec + b_dec
    loss = mean_b sum_d (y_hat - y)^2 + c * mean_b sum_i f_bi ||W_dec[i]||     (lp_norm 1)
Loss terms and every parameter gradient by PyTorch autograd (float64), written to fixtures/transcoder_train.json.
Run: /usr/bin/python3 packages/sae/scripts/transcoder_train_golden.py
"""
import json
import os

import torch

torch.manual_seed(7)
B, D_IN, D_SAE, C = 10, 8, 12, 0.3
dt = torch.float64
p = {
    "W_enc": torch.randn(D_IN, D_SAE, dtype=dt) * 0.5,
    "b_enc": torch.randn(D_SAE, dtype=dt) * 0.1,
    "W_dec": torch.randn(D_SAE, D_IN, dtype=dt) * 0.5,
    "b_dec": torch.randn(D_IN, dtype=dt) * 0.1,
}
# round to float32 first so the TypeScript side starts from exactly these values
p = {k: v.float().double().requires_grad_(True) for k, v in p.items()}
x = torch.randn(B, D_IN, dtype=dt).float().double()
y = (torch.tanh(x @ torch.randn(D_IN, D_IN, dtype=dt)) + 0.1).float().double()  # an "MLP output" target

f = torch.relu(x @ p["W_enc"] + p["b_enc"])
y_hat = f @ p["W_dec"] + p["b_dec"]
mse_loss = ((y_hat - y) ** 2).sum(-1).mean()
l1_loss = (C * (f * p["W_dec"].norm(dim=1)).norm(p=1, dim=-1)).mean()
loss = mse_loss + l1_loss
loss.backward()

flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
out = {
    "about": "scripts/transcoder_train_golden.py: torch autograd, float64 from float32 inputs",
    "batch": B, "d_in": D_IN, "d_sae": D_SAE, "l1_coefficient": C,
    "params": {k: flat(v) for k, v in p.items()},
    "x": flat(x), "y": flat(y),
    "feature_acts": flat(f), "sae_out": flat(y_hat),
    "losses": {"mse_loss": float(mse_loss), "l1_loss": float(l1_loss), "loss": float(loss)},
    "grads": {k: flat(v.grad) for k, v in p.items()},
}
path = os.path.join(os.path.dirname(__file__), "..", "fixtures", "transcoder_train.json")
with open(path, "w") as fh:
    json.dump(out, fh)
print(f"wrote {path}: loss {float(loss):.6f}")
