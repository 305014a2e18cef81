#!/usr/bin/python3
"""Independent numpy reference of the q8/q4 block formats (kernels/cpu/quant_kernels.h).

quant_oracle.py WEIGHT.f32 ROWS COLS FORMAT X.f32 BATCH OUT_DIR
Writes OUT_DIR/quants.bin (the packed bytes), scales.bin (float16 bits), dequant.f32 (the
weight as the format represents it) and y.f64 (the product with the batch of activation rows,
each quantized per block of 32 to int8 as the kernels do, summed in float64).
"""
import sys
import numpy as np

BLOCK = 32


def round_half_away(v):
    return np.sign(v) * np.floor(np.abs(v) + np.float32(0.5))


def blocks_of(m):
    rows, cols = m.shape
    padded = -(-cols // BLOCK) * BLOCK
    out = np.zeros((rows, padded), dtype=np.float32)
    out[:, :cols] = m
    return out.reshape(rows, padded // BLOCK, BLOCK)


def quantize_q8(w):
    b = blocks_of(w)
    d = np.abs(b).max(axis=-1) / np.float32(127)
    inv = np.where(d != 0, np.float32(1) / np.where(d != 0, d, 1), 0).astype(np.float32)
    q = round_half_away(b * inv[..., None]).astype(np.int8)
    return q, d.astype(np.float16)


def quantize_q4(w):
    b = blocks_of(w)
    idx = np.abs(b).argmax(axis=-1)  # first of equal magnitudes, as a strict > scan finds it
    extreme = np.take_along_axis(b, idx[..., None], axis=-1)[..., 0]
    d = (extreme / np.float32(-8)).astype(np.float32)
    inv = np.where(d != 0, np.float32(1) / np.where(d != 0, d, 1), 0).astype(np.float32)
    q = np.minimum(15, np.trunc(b * inv[..., None] + np.float32(8.5))).astype(np.uint8)
    return q, d.astype(np.float16)


def pack_q4(q):
    half = BLOCK // 2
    return (q[..., :half] | (q[..., half:] << 4)).astype(np.uint8)


def main():
    wpath, rows, cols, fmt, xpath, batch, out = sys.argv[1:8]
    rows, cols, batch = int(rows), int(cols), int(batch)
    w = np.fromfile(wpath, dtype=np.float32).reshape(rows, cols)
    x = np.fromfile(xpath, dtype=np.float32).reshape(batch, cols)
    q, d = (quantize_q8 if fmt == "q8" else quantize_q4)(w)
    levels = q.astype(np.float64) - (8 if fmt == "q4" else 0)
    (pack_q4(q) if fmt == "q4" else q).tofile(out + "/quants.bin")
    d.view(np.uint16).tofile(out + "/scales.bin")
    deq = (levels * d.astype(np.float64)[..., None]).reshape(rows, -1)[:, :cols]
    deq.astype(np.float32).tofile(out + "/dequant.f32")
    xq, _ = quantize_q8(x)  # int8 levels; the activation scales stay float32:
    xd = (np.abs(blocks_of(x)).max(axis=-1) / np.float32(127)).astype(np.float64)
    dots = np.einsum("rbj,mbj->mrb", levels, xq.astype(np.float64))
    y = np.einsum("mrb,rb,mb->mr", dots, d.astype(np.float64), xd)
    y.tofile(out + "/y.f64")


if __name__ == "__main__":
    main()
