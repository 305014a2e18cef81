#!/usr/bin/env python3
"""Times torch's SDPA the way the engine decodes on CUDA: one query per sequence against a cache
view whose length grows by one every step, as `model::fastAttention` calls it (batch 16, 32
heads x 128, bf16, a [B, H, capacity, D] cache narrowed to the current length).

Each backend order runs 64 steps over key lengths no earlier row used: cuDNN caches a plan per
shape, so a row that repeats another's lengths would not pay for them. A backend that plans per
shape pays on every step, since every step has a new key length. Prints the default order, then ms per step for: the
default, cuDNN turned off (what the engine does), and each backend alone.
Used by lab/scripts/gpu-check.sh (step `sdpa`); needs a CUDA torch 2.5 or later.
"""
import contextlib
import time

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

B, H, D, PROMPT, STEPS = 16, 32, 128, 1024, 64
ROWS = 6
CAPACITY = PROMPT + (ROWS + 1) * STEPS


def per_step_ms(backends, q, k_cache, v_cache, first):
    """Mean wall ms of one decode step's attention over growing lengths first..first+STEPS-1."""

    def step(length):
        k = k_cache[:, :, :length]
        v = v_cache[:, :, :length]
        if backends is None:
            return F.scaled_dot_product_attention(q, k, v)
        with sdpa_kernel(backends):
            return F.scaled_dot_product_attention(q, k, v)

    step(first - 1)  # warm the backend itself, not the shapes to come
    torch.cuda.synchronize()
    start = time.perf_counter()
    for length in range(first, first + STEPS):
        step(length)
    torch.cuda.synchronize()
    return (time.perf_counter() - start) * 1e3 / STEPS


def main():
    torch.manual_seed(0)
    dev = "cuda"
    q = torch.randn(B, H, 1, D, device=dev, dtype=torch.bfloat16)
    k_cache = torch.randn(B, H, CAPACITY, D, device=dev, dtype=torch.bfloat16)
    v_cache = torch.randn(B, H, CAPACITY, D, device=dev, dtype=torch.bfloat16)
    print("torch", torch.__version__, "cudnn", torch.backends.cudnn.version(),
          torch.cuda.get_device_name(0))
    order = getattr(torch._C, "_get_sdp_priority_order", None)
    if order is not None:
        print("default SDPA priority order:", [SDPBackend(int(b)).name for b in order()])
    print(f"decode: batch {B}, {H} heads x {D}, bf16, {STEPS} steps from {PROMPT} keys on")
    rows = [("default order", None)]
    rows.append(("cuDNN off (the engine)", [SDPBackend.FLASH_ATTENTION,
                                            SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]))
    for backend in (SDPBackend.CUDNN_ATTENTION, SDPBackend.FLASH_ATTENTION,
                    SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH):
        rows.append((backend.name + " alone", [backend]))
    reference = F.scaled_dot_product_attention(q.float(), k_cache[:, :, :PROMPT].float(),
                                               v_cache[:, :, :PROMPT].float())
    assert len(rows) == ROWS
    for i, (name, backends) in enumerate(rows):
        try:
            first = PROMPT + i * STEPS
            ms = per_step_ms(backends, q, k_cache, v_cache, first)
            with sdpa_kernel(backends) if backends else contextlib.nullcontext():
                out = F.scaled_dot_product_attention(q, k_cache[:, :, :PROMPT],
                                                     v_cache[:, :, :PROMPT])
            err = (out.float() - reference).abs().max().item()
            print(f"  {name:<26} {ms:9.3f} ms/step (keys {first}..{first + STEPS - 1})"
                  f"   max |diff| vs f32 {err:.2e}")
        except RuntimeError as e:
            print(f"  {name:<26} unavailable: {str(e).splitlines()[0][:90]}")


if __name__ == "__main__":
    main()
