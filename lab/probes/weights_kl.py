#!/usr/bin/python3
"""weights_kl.py DIR N: mean KL(f32 || format) and top-1 agreement over the answer logits that
weights-kl.sh wrote as DIR/<i>-<format>.safetensors (read with numpy; no torch needed)."""
import json
import struct
import sys

import numpy as np


def read(path, name):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        info = header[name]
        a, b = info["data_offsets"]
        f.seek(8 + n + a)
        return np.frombuffer(f.read(b - a), dtype=np.float32).reshape(info["shape"])


def log_softmax(x):
    x = x.astype(np.float64)
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def main():
    d, n = sys.argv[1], int(sys.argv[2])
    print("| weights | mean KL(f32 ‖ w) nats | max KL | top-1 agreement | answer tokens |")
    print("|---|---:|---:|---:|---:|")
    for w in ["bf16", "f16", "q8", "q4"]:
        kls, agree, total = [], 0, 0
        for i in range(n):
            ref = read(f"{d}/{i}-f32.safetensors", "answer_logits")
            p = log_softmax(ref.reshape(-1, ref.shape[-1]))
            q = log_softmax(read(f"{d}/{i}-{w}.safetensors", "answer_logits").reshape(p.shape))
            kl = (np.exp(p) * (p - q)).sum(axis=-1)
            kls.extend(kl.tolist())
            agree += int((p.argmax(-1) == q.argmax(-1)).sum())
            total += p.shape[0]
        print(f"| {w} | {np.mean(kls):.6f} | {np.max(kls):.5f} | {agree / total:.4f} | {total} |")


if __name__ == "__main__":
    main()
