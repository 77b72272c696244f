# Writes packages/tensor-core/src/ops/adam.golden.json: torch.optim.Adam/AdamW, 3 float32 steps (dev tool, not a dependency).
# Run: /usr/bin/python3 packages/tensor-core/scripts/adam_golden.py > packages/tensor-core/src/ops/adam.golden.json
import torch, json
torch.manual_seed(0)
out = {}
for name, wd in [("adam", 0.0), ("adamw", 0.1)]:
    p0 = torch.tensor([0.5, -1.25, 2.0, 0.0, 3.5, -0.75, 1e-3], dtype=torch.float32)
    p = torch.nn.Parameter(p0.clone())
    opt = torch.optim.Adam([p], lr=0.01, betas=(0.9, 0.999), eps=1e-8) if wd == 0 else torch.optim.AdamW([p], lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=wd)
    grads = [[0.1, -0.2, 0.3, 0.0, 5.0, -1e-4, 0.7], [-0.3, 0.1, 0.2, 1.0, -2.0, 2e-4, 0.7], [0.05, 0.05, -0.5, -1.0, 1.0, 0.0, -0.7]]
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float32)
        opt.step()
    out[name] = {"p0": p0.tolist(), "grads": grads, "p": p.detach().tolist(), "m": opt.state[p]["exp_avg"].tolist(), "v": opt.state[p]["exp_avg_sq"].tolist()}
print(json.dumps(out))
