"""Checks, in plain PyTorch, that a generator Refract post-trained reproduces Refract's outputs (issue #15).

    /usr/bin/python3 examples/pytorch-generator/reproduce.py <checkpoint folder> <cases.json>

The folder is what `refract train` writes to <out>/final for a TorchScript generator: config.json naming the archive
(generator.pt, torch.jit.save of the module with the post-trained weights) and model.safetensors (its state_dict). cases.json holds inputs and
Refract's outputs: {"x": [...], "t": [...], "tokens": [...], "xShape": [B, C, H, W], "tokensShape": [B, L],
"output": [...]} — the raw network's forward(x, t, tokens), before any conversion to velocity.

Two checks, printed as JSON: (1) torch.jit.load(generator.pt) reproduces `output`; (2) the safetensors state dict,
read with nothing but json + torch (no safetensors package needed), loaded into that module with
load_state_dict(strict=True), reproduces it too — so the names match the module's state_dict(). Exit 1 on a miss.
"""
import json
import os
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "F64": torch.float64, "I64": torch.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[start:end]), dtype=DTYPES[info["dtype"]]) if end > start else torch.empty(0)
        out[name] = t.reshape(info["shape"]).float()
    return out


def main():
    folder, cases_file = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    with open(cases_file) as f:
        cases = json.load(f)
    x = torch.tensor(cases["x"], dtype=torch.float32).reshape(cases["xShape"])
    t = torch.tensor(cases["t"], dtype=torch.float32)
    tokens = torch.tensor(cases["tokens"], dtype=torch.int64).reshape(cases["tokensShape"])
    want = torch.tensor(cases["output"], dtype=torch.float32).reshape(cases["xShape"])
    tol = float(cases.get("tolerance", 1e-4))

    with open(os.path.join(folder, "config.json")) as f:
        archive = os.path.join(folder, json.load(f)["config"]["file"])
    module = torch.jit.load(archive).eval()
    with torch.no_grad():
        archive_diff = (module(x, t, tokens) - want).abs().max().item()
    weights = os.path.join(folder, "model.safetensors")
    state, state_diff, result = {}, None, "no model.safetensors in the folder (a hand-written base)"
    if os.path.exists(weights):
        state = read_safetensors(weights)
        fresh = torch.jit.load(archive).eval()
        with torch.no_grad():
            for p in fresh.parameters():
                p.zero_()  # so a silently skipped key would show
        result = fresh.load_state_dict(state, strict=True)
        with torch.no_grad():
            state_diff = (fresh(x, t, tokens) - want).abs().max().item()
    ok = archive_diff <= tol and (state_diff is None or state_diff <= tol)
    print(json.dumps({"ok": ok, "archiveMaxAbsDiff": archive_diff, "stateDictMaxAbsDiff": state_diff,
                      "tolerance": tol, "keys": len(state), "loadResult": str(result)}))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
