#!/usr/bin/python3
"""demo-attention.py MODEL WORLD [N]: where the demo model looks when it names one cell.

For held-out questions that name a cell ("What color is the object in the middle left?", "What
shape is in the top right?"), for the same cells inside reference descriptions (the token
after "Middle left:", teacher forced), and for the questions that search by content ("Where is
the red star?", whose answer is the cell to find), prints per decoder layer the share of the
attention over the 36 image patches, from the position that predicts the answer, that falls on
that cell's four patches (heads averaged; chance is 4/36 = 11%), and for the search questions
also the share of the layer's best head. The forward is the independent float32
reference of tests/engine/oracle/llava_reference.py; ids and pixels come from elastic-cli
(BUILD, default ./build). docs/demo-model.md reads the output.
"""
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "llava_reference", os.path.join(HERE, "..", "..", "tests", "engine", "oracle", "llava_reference.py"))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)

CELLS = ["top left", "top middle", "top right", "middle left", "center", "middle right",
         "bottom left", "bottom middle", "bottom right"]
CLI = os.path.join(os.environ.get("BUILD", "build"), "app", "elastic-cli")


def cell_patches(cell, grid=6):
    r, c = divmod(cell, 3)
    per = grid // 3
    return [(r * per + i) * grid + c * per + j for i in range(per) for j in range(per)]


def token_ids(model, text, pieces=False):
    """The ids of TEXT; with pieces=True also its pieces, one per id."""
    args = [CLI, "tokenize", "--model", model, text] + (["--pieces"] if pieces else [])
    lines = subprocess.run(args, check=True, capture_output=True, text=True).stdout.splitlines()
    ids = [int(t) for t in lines[0].split()]
    return (ids, lines[1].split()) if pieces else ids


def pixels(model, image):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "p.safetensors")
        subprocess.run([CLI, "preprocess", "--model", model, "--image", image, "--out", path],
                       check=True, capture_output=True)
        return ref.read_safetensors(path)["pixel_values"].float()


def attention_rows(w, cfg, ids, pix, positions):
    """Head-averaged attention probabilities of the given query positions, per layer."""
    probs = []
    ref.llava_logits(w, cfg, ids, pix, probs)
    return [p[:, positions].mean(0) for p in probs]


def share_on_cell(rows, image_pos, cells):
    """Per layer: mean over queries of (mass on the cell's patches) / (mass on all patches)."""
    out = []
    for r in rows:
        img = r[:, image_pos]
        on = torch.stack([img[i, cell_patches(c)].sum() for i, c in enumerate(cells)])
        out.append(float((on / img.sum(-1)).mean()))
    return out


def head_shares_on_cell(w, cfg, ids, pix, image_pos, cell):
    """Per layer and head: the answer position's share of its image attention on CELL."""
    probs = []
    ref.llava_logits(w, cfg, ids, pix, probs)
    shares = []
    for p in probs:  # [heads, queries, keys]
        img = p[:, -1][:, image_pos]
        shares.append(img[:, cell_patches(cell)].sum(-1) / img.sum(-1))
    return torch.stack(shares)


def main():
    model, world = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    with open(os.path.join(model, "config.json")) as f:
        cfg = json.load(f)
    w = ref.load_weights(model)
    n_img = cfg["image_seq_length"]
    with open(os.path.join(world, "eval", "single.json")) as f:
        items = json.load(f)
    asked = re.compile(r"in the (%s)\?$" % "|".join(CELLS))
    named = re.compile(r"(Top left|Top middle|Top right|Middle left|Center|Middle right|"
                       r"Bottom left|Bottom middle|Bottom right): ")
    totals = {"question": [], "description": []}
    searched = []  # [layers, heads] per "Where is" question
    where = re.compile(r"^Where is the \w+ \w+\?$")
    for item in items:
        if (len(totals["question"]) >= limit and len(totals["description"]) >= limit // 4 and
                len(searched) >= limit):
            break
        prompt = "USER: <image>\n" + item["question"] + " ASSISTANT:"
        ids = token_ids(model, prompt)
        i = ids.index(cfg["image_token_index"])
        ids = ids[:i] + [ids[i]] * n_img + ids[i + 1:]
        image_pos = list(range(i, i + n_img))
        pix = pixels(model, os.path.join(world, "eval", item["image"]))
        m = asked.search(item["question"])
        if item["kind"] == "short" and where.match(item["question"]) and len(searched) < limit:
            searched.append(head_shares_on_cell(w, cfg, torch.tensor(ids), pix, image_pos,
                                                CELLS.index(item["answer"])))
        elif item["kind"] == "short" and m and len(totals["question"]) < limit:
            rows = attention_rows(w, cfg, torch.tensor(ids), pix, [len(ids) - 1])
            totals["question"].append(share_on_cell(rows, image_pos, [CELLS.index(m.group(1))]))
        elif item["kind"] == "description" and len(totals["description"]) < limit // 4:
            # Teacher forced: the query is the ":" piece after each cell name, the position that
            # predicts the cell's content. The answer's colons follow the cell names in order,
            # then "In total:".
            answer, pieces = token_ids(model, prompt + " " + item["answer"], pieces=True)
            answer = answer[:i] + [answer[i]] * n_img + answer[i + 1:]
            prompt_pieces = len(ids) - n_img + 1  # the prompt as tokenized, <image> one piece
            colons = [p for p in range(prompt_pieces, len(pieces)) if pieces[p] == ":"]
            cells = [CELLS.index(mm.group(1).lower()) for mm in named.finditer(item["answer"])]
            positions = [p + n_img - 1 for p in colons[:len(cells)]]
            rows = attention_rows(w, cfg, torch.tensor(answer), pix, positions)
            totals["description"].append(share_on_cell(rows, image_pos, cells))
    print("share of the image attention on the named cell's 4 of 36 patches (chance 11.1%)")
    for kind, shares in totals.items():
        if not shares:
            continue
        per_layer = torch.tensor(shares).mean(0)
        print("%-12s n=%-3d " % (kind, len(shares)) +
              "  ".join("layer %d %5.1f%%" % (l, 100 * s) for l, s in enumerate(per_layer)))
    if searched:
        per_head = torch.stack(searched).mean(0)  # [layers, heads]
        for label, per_layer in (("where is", per_head.mean(1)),
                                 ("  best head", per_head.max(1).values)):
            print("%-12s n=%-3d " % (label, len(searched)) +
                  "  ".join("layer %d %5.1f%%" % (l, 100 * s) for l, s in enumerate(per_layer)))


if __name__ == "__main__":
    main()
