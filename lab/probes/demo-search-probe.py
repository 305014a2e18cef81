#!/usr/bin/python3
"""demo-search-probe.py MODEL WORLD LISTING.json [IMAGES]: what a search by colour or shape has
to work with inside the demo model.

1. The image tokens: the share of their variance (raw, as a dot product sees them) that the
   colour, the shape and the cell of the object under each patch explain, at the decoder's input
   and in each decoder layer's keys (per key head, before RoPE), over the first images of the
   held-out conversations (IMAGES, default 60). A key that a search can match has to carry the
   searched attribute with weight.
2. The answer position of the listing questions "Where are the COLOUR objects?" and "Where are
   the SHAPEs?" (lab/probes/demo-listing-set.py writes them): how well a linear probe reads the
   asked colour or shape from the residual stream there, at each layer's input and after the
   last layer (70% of the questions train it, 30% test it; chance 1/6 and 1/5). The model can
   only search for what that position knows.
The forward is the float32 reference of tests/engine/oracle/llava_reference.py; ids and pixels
come from elastic-cli (BUILD, default ./build). docs/demo-model.md; docs/lab/findings.md, reads
the output.
"""
import importlib.util
import json
import os
import sys

import torch

from demo_descriptions import cells

HERE = os.path.dirname(os.path.abspath(__file__))
# ids, pixels and the reference forward as lab/probes/demo-attention.py gets them
spec = importlib.util.spec_from_file_location("demo_attention",
                                              os.path.join(HERE, "demo-attention.py"))
attention = importlib.util.module_from_spec(spec)
spec.loader.exec_module(attention)
ref, token_ids, pixels = attention.ref, attention.token_ids, attention.pixels

NAMES = ["Top left", "Top middle", "Top right", "Middle left", "Center", "Middle right",
         "Bottom left", "Bottom middle", "Bottom right"]
COLOURS = ["red", "green", "blue", "yellow", "purple", "black"]
SHAPES = ["circle", "square", "triangle", "star", "diamond"]


class Spy:
    """Records, during ref.llava_logits, each decoder layer's input (the rms_norm calls on
    [T, hidden]: two per layer, then the final one) and each layer's keys before RoPE."""

    def __init__(self, hidden):
        self.hidden, self.norm_inputs, self.keys = hidden, [], []
        self.rms_norm = ref.rms_norm

    def __enter__(self):
        def spy(x, w, eps):
            if x.dim() == 2 and x.shape[-1] == self.hidden:
                self.norm_inputs.append(x.clone())
            return self.rms_norm(x, w, eps)
        ref.rms_norm = spy
        return self

    def __exit__(self, *exc):
        ref.rms_norm = self.rms_norm

    def layer_inputs(self):
        return self.norm_inputs[0::2]  # the inputs of each layer, then the final norm's


def expanded(model, cfg, text):
    ids = token_ids(model, text)
    i = ids.index(cfg["image_token_index"])
    n = cfg["image_seq_length"]
    return torch.tensor(ids[:i] + [ids[i]] * n + ids[i + 1:]), i


def image_stages(w, cfg, model, ids, start, pix):
    """{stage: [patches, dim]} for the image tokens: the decoder input, each layer's key heads."""
    tc = cfg["text_config"]
    heads, kv = tc["num_attention_heads"], tc.get("num_key_value_heads", tc["num_attention_heads"])
    d = tc["hidden_size"] // heads
    span = slice(start, start + cfg["image_seq_length"])
    with Spy(tc["hidden_size"]) as spy:
        ref.llava_logits(w, cfg, ids, pix)
    out = {"input": spy.layer_inputs()[0][span]}
    for layer, x in enumerate(spy.layer_inputs()[:-1]):
        g = lambda s: w["lm.layers.%d.%s" % (layer, s)]
        h = ref.rms_norm(x, g("input_layernorm.weight"), tc["rms_norm_eps"])
        k = (h @ g("self_attn.k_proj.weight").T).view(-1, kv, d)
        for j in range(kv):
            out["layer %d key %d" % (layer, j)] = k[span, j]
    return out


def variance_share(x, y):
    """Between-class variance over total variance of the rows of x, classes y (-1: left out)."""
    keep = y >= 0
    x, y = x[keep], y[keep]
    mean = x.mean(0)
    total = ((x - mean) ** 2).sum()
    between = sum(((x[y == c].mean(0) - mean) ** 2).sum() * (y == c).sum() for c in y.unique())
    return float(between / total)


def probe_accuracy(x, y, train):
    """Test accuracy of a softmax probe on standardized features (Adam, L2 1e-2)."""
    mean, std = x[train].mean(0), x[train].std(0) + 1e-6
    x = (x - mean) / std
    torch.manual_seed(0)
    w = torch.zeros(x.shape[1], int(y.max()) + 1, requires_grad=True)
    opt = torch.optim.Adam([w], lr=0.05)
    for _ in range(200):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(x[train] @ w, y[train]) + 1e-2 * (w * w).sum()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return float(((x[~train] @ w).argmax(-1) == y[~train]).float().mean())


def patch_cell(patch, grid=6):
    r, c = divmod(patch, grid)
    return (r * 3 // grid) * 3 + c * 3 // grid


def image_part(w, cfg, model, world, count):
    images = []
    with open(os.path.join(world, "eval", "multiturn.json")) as f:
        for item in json.load(f):
            turn = next(t for t in item["turns"] if t["kind"] == "description")
            images.append((turn["image"], cells(turn["answer"])))
    ids, start = expanded(model, cfg, "USER: <image>\nDescribe the image in detail. ASSISTANT:")
    stages, colour, shape, cell = {}, [], [], []
    n = cfg["image_seq_length"]
    for image, scene in images[:count]:
        for name, x in image_stages(w, cfg, model, ids, start,
                                    pixels(model, os.path.join(world, "eval", image))).items():
            stages.setdefault(name, []).append(x)
        for p in range(n):
            _, c, s = scene[NAMES[patch_cell(p)]]
            colour.append(COLOURS.index(c) if c else -1)
            shape.append(SHAPES.index(s) if s else -1)
            cell.append(patch_cell(p))
    colour, shape, cell = torch.tensor(colour), torch.tensor(shape), torch.tensor(cell)
    print("image tokens (%d images): share of the variance explained by the object's colour, "
          "shape, and the cell" % min(count, len(images)))
    for name, xs in stages.items():
        x = torch.cat(xs)
        print("  %-16s colour %.3f  shape %.3f  cell %.3f" % (
            name, variance_share(x, colour), variance_share(x, shape), variance_share(x, cell)))


def answer_part(w, cfg, model, listing):
    with open(listing) as f:
        items = json.load(f)
    asked = {"colour": ([], []), "shape": ([], [])}
    for item in items:
        words = item["question"][:-1].split()  # "Where are the red objects"
        if len(words) == 5 and words[-1] == "objects":
            key, label = "colour", COLOURS.index(words[3])
        elif len(words) == 4:
            key, label = "shape", SHAPES.index(words[3][:-1])
        else:
            continue
        ids, _ = expanded(model, cfg, "USER: <image>\n" + item["question"] + " ASSISTANT:")
        with Spy(cfg["text_config"]["hidden_size"]) as spy:
            ref.llava_logits(w, cfg, ids, pixels(model, item["image"]))
        asked[key][0].append(torch.stack([x[-1] for x in spy.layer_inputs()]))
        asked[key][1].append(label)
    print("answer position of the listing questions: probe accuracy for what was asked, at each "
          "layer's input and after the last")
    for key, (xs, labels) in asked.items():
        x, y = torch.stack(xs), torch.tensor(labels)
        train = torch.arange(len(y)) < int(len(y) * 0.7)
        row = [probe_accuracy(x[:, layer], y, train) for layer in range(x.shape[1])]
        print("  %-6s (%d)  %s" % (key, len(y), "  ".join("%.2f" % a for a in row)))


def main():
    model, world, listing = sys.argv[1], sys.argv[2], sys.argv[3]
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 60
    torch.set_num_threads(1)
    with open(os.path.join(model, "config.json")) as f:
        cfg = json.load(f)
    w = ref.load_weights(model)
    with torch.no_grad():
        image_part(w, cfg, model, world, count)
    answer_part(w, cfg, model, listing)


if __name__ == "__main__":
    main()
