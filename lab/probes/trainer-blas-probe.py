#!/usr/bin/python3
"""The demo trainer's matrix products on one and on two threads (docs/demo-model.md, "A faster
step"): the attention products of one long step, the decoder's linear products of one long step,
and whether OpenBLAS gives the same bits on one thread as on two.

Run on an idle machine: /usr/bin/python3 lab/probes/trainer-blas-probe.py
"""
import time

import torch

HEAD_DIM, HEADS, LAYERS, SEQUENCES, LENGTH, BLOCK = 32, 4, 6, 8, 650, 128


def best_of(runs, f):
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def attention_products():
    """The six products (two forward, four backward) of every 128-row block, per head."""
    blocks = [(s, min(LENGTH, s + BLOCK)) for s in range(0, LENGTH, BLOCK)]
    args = []
    for _ in range(LAYERS * SEQUENCES):
        for s, e in blocks:
            q, k = torch.randn(HEADS, e - s, HEAD_DIM), torch.randn(HEADS, HEAD_DIM, e)
            p, v = torch.randn(HEADS, e - s, e), torch.randn(HEADS, e, HEAD_DIM)
            args.append((q, k, p, v))

    def run():
        for q, k, p, v in args:
            torch.bmm(q, k)
            torch.bmm(p, v)
            torch.bmm(p, k.transpose(1, 2))
            torch.bmm(p.transpose(1, 2), q)
            torch.bmm(q, v.transpose(1, 2))
            torch.bmm(p.transpose(1, 2), q)

    return run


def linear_products():
    """q, k, v, o and the MLP's products over the packed tokens, forward and backward."""
    tokens = SEQUENCES * LENGTH
    shapes = [(128, 128), (64, 128), (64, 128), (128, 128), (344, 128), (344, 128), (128, 344)]
    args = [(torch.randn(tokens, i), torch.randn(o, i), torch.randn(tokens, o)) for o, i in shapes]

    def run():
        for _ in range(LAYERS):
            for x, w, g in args:
                x @ w.t()
                g.t() @ x
                g @ w

    return run


def main():
    torch.manual_seed(0)
    for name, make in [("attention products", attention_products), ("linear products", linear_products)]:
        f = make()
        times = {}
        for threads in (1, 2):
            torch.set_num_threads(threads)
            times[threads] = best_of(3, f)
        print(f"{name} of one long step: {times[1]:.0f} ms on one thread, {times[2]:.0f} ms on two")
    for m, k, n in [(128, 32, 650), (128, 650, 32), (5200, 128, 344)]:
        a, b = torch.randn(m, k), torch.randn(k, n)
        torch.set_num_threads(2)
        two = a @ b
        torch.set_num_threads(1)
        one = a @ b
        differ = (one != two).sum().item()
        print(f"[{m}x{k}] @ [{k}x{n}]: {differ} of {one.numel()} elements differ between one and two threads")


if __name__ == "__main__":
    main()
