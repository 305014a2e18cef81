#!/usr/bin/python3
"""demo-yes-no.py MODEL WORLD: does the demo model tell a yes from a no on "Is there a red star?"

For the held-out single-image questions "Is there a COLOUR SHAPE?", prints the margin of the
answer position's logit for "yes" over "no" per question with the reference answer, how many
margins favour "yes", and the AUC of the margin against the reference (0.5: the margin says
nothing about the image; 1.0: every "yes" question has a larger margin than every "no" one).
Greedy decoding answers "yes" exactly where the margin is positive. The forward is the
independent float32 reference of tests/engine/oracle/llava_reference.py, with ids and pixels
from elastic-cli as lab/probes/demo-attention.py takes them. docs/demo-model.md reads the output.
"""
import importlib.util
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("demo_attention",
                                              os.path.join(HERE, "demo-attention.py"))
attention = importlib.util.module_from_spec(spec)
spec.loader.exec_module(attention)
ref = attention.ref


def main():
    model, world = sys.argv[1], sys.argv[2]
    with open(os.path.join(model, "config.json")) as f:
        cfg = json.load(f)
    w = ref.load_weights(model)
    n_img = cfg["image_seq_length"]
    yes, no = attention.token_ids(model, "yes")[-1], attention.token_ids(model, "no")[-1]
    with open(os.path.join(world, "eval", "single.json")) as f:
        items = [i for i in json.load(f) if i["question"].startswith("Is there ")]
    margins = []
    for item in items:
        ids = attention.token_ids(model, "USER: <image>\n" + item["question"] + " ASSISTANT:")
        i = ids.index(cfg["image_token_index"])
        ids = ids[:i] + [ids[i]] * n_img + ids[i + 1:]
        pix = attention.pixels(model, os.path.join(world, "eval", item["image"]))
        logits = ref.llava_logits(w, cfg, torch.tensor(ids), pix)[-1]
        margins.append((float(logits[yes] - logits[no]), item["answer"]))
        print("%7.3f  %-3s  %s" % (margins[-1][0], item["answer"], item["question"]))
    pos = [m for m, a in margins if a == "yes"]
    neg = [m for m, a in margins if a == "no"]
    pairs = [(p > n) + 0.5 * (p == n) for p in pos for n in neg]
    print("%d questions (%d yes, %d no); margin favours yes in %d; AUC %.3f" %
          (len(margins), len(pos), len(neg), sum(m > 0 for m, _ in margins),
           sum(pairs) / max(1, len(pairs))))


if __name__ == "__main__":
    main()
