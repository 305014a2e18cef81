#!/usr/bin/python3
"""Independent float32 reference of the LLaVA-1.5 forward pass (checkpoint-formats.md section 2).

Reads a llava-hf checkpoint folder by parsing safetensors headers with json (never unpickling),
runs one full causal forward over the given ids with the images spliced in, and writes the logits
of every position to a safetensors file. Plain torch ops only, no transformers.

usage: llava_reference.py MODEL_DIR IDS_CSV PIXELS.safetensors|- OUT.safetensors
"""
import json
import os
import struct
import sys

import numpy as np
import torch

DTYPES = {"F32": (np.float32, 4), "F16": (np.float16, 2), "BF16": (None, 2), "I64": (np.int64, 8)}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        raw = data[base + b: base + e]
        shape = info["shape"]
        if info["dtype"] == "BF16":
            u16 = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            arr = u16.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=DTYPES[info["dtype"]][0])
        out[name] = torch.from_numpy(arr.copy()).reshape(shape)
    return out


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = t.contiguous().numpy().astype(np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def canonical(name):
    for p in ("language_model.", "vision_tower.", "multi_modal_projector."):
        if name.startswith("model." + p):
            name = name[len("model."):]
    rules = [("language_model.lm_head.", "lm_head."), ("language_model.model.", "lm."),
             ("language_model.", "lm."), ("lm_head.", "lm_head."),
             ("vision_tower.vision_model.", "vision."), ("multi_modal_projector.", "projector.")]
    for src, dst in rules:
        if name.startswith(src):
            return dst + name[len(src):]
    return None


def load_weights(model_dir):
    index = os.path.join(model_dir, "model.safetensors.index.json")
    files = [os.path.join(model_dir, "model.safetensors")]
    if os.path.exists(index):
        with open(index) as f:
            files = sorted({os.path.join(model_dir, v) for v in json.load(f)["weight_map"].values()})
    w = {}
    for path in files:
        for name, t in read_safetensors(path).items():
            c = canonical(name)
            if c is not None and not name.endswith("inv_freq") and not name.endswith("position_ids"):
                w[c] = t.float()
    return w


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def attention(q, k, v, causal, probs=None):
    scores = q @ k.transpose(-1, -2) / (q.shape[-1] ** 0.5)
    if causal:
        t = q.shape[-2]
        scores = scores.masked_fill(torch.ones(t, t).triu(1).bool(), float("-inf"))
    p = torch.softmax(scores, -1)
    if probs is not None:
        probs.append(p)
    return p @ v


def clip_features(w, cfg, pixels):
    vc = cfg["vision_config"]
    C, heads, L = vc["hidden_size"], vc["num_attention_heads"], vc["num_hidden_layers"]
    patch, eps = vc["patch_size"], vc.get("layer_norm_eps", 1e-5)
    p = torch.nn.functional.conv2d(pixels, w["vision.embeddings.patch_embedding.weight"], stride=patch)
    p = p.flatten(2).transpose(1, 2)
    n = pixels.shape[0]
    cls = w["vision.embeddings.class_embedding"].expand(n, 1, C)
    h = torch.cat([cls, p], 1) + w["vision.embeddings.position_embedding.weight"]
    h = layer_norm(h, w["vision.pre_layrnorm.weight"], w["vision.pre_layrnorm.bias"], eps)
    states = [h]
    for i in range(L):
        pre = "vision.encoder.layers.%d." % i
        g = lambda s: w[pre + s]
        x = layer_norm(h, g("layer_norm1.weight"), g("layer_norm1.bias"), eps)
        T, D = x.shape[1], C // heads
        split = lambda t: t.view(n, T, heads, D).transpose(1, 2)
        q = split(x @ g("self_attn.q_proj.weight").T + g("self_attn.q_proj.bias"))
        k = split(x @ g("self_attn.k_proj.weight").T + g("self_attn.k_proj.bias"))
        v = split(x @ g("self_attn.v_proj.weight").T + g("self_attn.v_proj.bias"))
        a = attention(q, k, v, False).transpose(1, 2).reshape(n, T, C)
        h = h + a @ g("self_attn.out_proj.weight").T + g("self_attn.out_proj.bias")
        x = layer_norm(h, g("layer_norm2.weight"), g("layer_norm2.bias"), eps)
        x = x @ g("mlp.fc1.weight").T + g("mlp.fc1.bias")
        x = x * torch.sigmoid(1.702 * x)
        h = h + x @ g("mlp.fc2.weight").T + g("mlp.fc2.bias")
        states.append(h)
    layers = cfg.get("vision_feature_layer", -2)
    layers = layers if isinstance(layers, list) else [layers]
    full = cfg.get("vision_feature_select_strategy", "default") == "full"
    feats = [states[l] if full else states[l][:, 1:] for l in layers]
    f = torch.cat(feats, -1)
    f = f @ w["projector.linear_1.weight"].T + w.get("projector.linear_1.bias", 0)
    f = 0.5 * f * (1 + torch.erf(f / 2 ** 0.5))
    f = f @ w["projector.linear_2.weight"].T + w.get("projector.linear_2.bias", 0)
    return f.reshape(-1, f.shape[-1])


def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps))


def llava_logits(w, cfg, ids, pixels, probs=None):
    """Logits of every position; `probs`, when a list, gets each decoder layer's attention
    probabilities [heads, T, T] (lab/probes/demo-attention.py reads them)."""
    tc = cfg["text_config"]
    C, H = tc["hidden_size"], tc["num_attention_heads"]
    Hkv = tc.get("num_key_value_heads", H)
    D = tc.get("head_dim", C // H)
    eps, theta = tc.get("rms_norm_eps", 1e-6), tc.get("rope_theta", 10000.0)
    x = w["lm.embed_tokens.weight"][ids]  # [T, C]
    mask = ids == cfg.get("image_token_index", 32000)
    if pixels is not None:
        feats = clip_features(w, cfg, pixels)
        assert int(mask.sum()) == feats.shape[0], "image token count differs from features"
        x[mask] = feats
    T = x.shape[0]
    inv = 1.0 / theta ** (torch.arange(0, D, 2).float() / D)
    ang = torch.arange(T).float()[:, None] * inv[None, :]
    ang = torch.cat([ang, ang], -1)
    cos, sin = ang.cos(), ang.sin()
    rot = lambda t: torch.cat([-t[..., D // 2:], t[..., :D // 2]], -1)
    for i in range(tc["num_hidden_layers"]):
        g = lambda s: w["lm.layers.%d.%s" % (i, s)]
        h = rms_norm(x, g("input_layernorm.weight"), eps)
        q = (h @ g("self_attn.q_proj.weight").T).view(T, H, D).transpose(0, 1)
        k = (h @ g("self_attn.k_proj.weight").T).view(T, Hkv, D).transpose(0, 1)
        v = (h @ g("self_attn.v_proj.weight").T).view(T, Hkv, D).transpose(0, 1)
        q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
        k = k.repeat_interleave(H // Hkv, 0)
        v = v.repeat_interleave(H // Hkv, 0)
        a = attention(q, k, v, True, probs).transpose(0, 1).reshape(T, H * D)
        x = x + a @ g("self_attn.o_proj.weight").T
        h = rms_norm(x, g("post_attention_layernorm.weight"), eps)
        gate = h @ g("mlp.gate_proj.weight").T
        x = x + (gate * torch.sigmoid(gate) * (h @ g("mlp.up_proj.weight").T)) @ g("mlp.down_proj.weight").T
    x = rms_norm(x, w["lm.norm.weight"], eps)
    head = w.get("lm_head.weight", w["lm.embed_tokens.weight"])
    return x @ head.T


def main():
    model_dir, ids_csv, pixels_path, out = sys.argv[1:5]
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    w = load_weights(model_dir)
    ids = torch.tensor([int(t) for t in ids_csv.split(",")], dtype=torch.long)
    pixels = None if pixels_path == "-" else read_safetensors(pixels_path)["pixel_values"].float()
    with torch.no_grad():
        logits = llava_logits(w, cfg, ids, pixels)
    write_safetensors(out, {"logits": logits})


if __name__ == "__main__":
    main()
