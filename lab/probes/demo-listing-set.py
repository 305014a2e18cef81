#!/usr/bin/python3
"""demo-listing-set.py WORLD OUT.json: held-out listing questions for the demo model.

Listing drills (ec-train-demo --listing-every) ask "Where are the red objects?", "Where are the
stars?" or "Where are the red stars?" and answer with the cells that hold such an object in
reading order ("top left, center") or "none". The held-out set has no such questions; this
writes them in elastic-lab eval's single-image form, three per image (colour, shape, both), on
the first image of each held-out conversation of WORLD/eval/multiturn.json (100: 300
questions), whose reference description gives the scene. Half the named colours and shapes are an object's
in the image, half are drawn at random (seed 1), as the drills draw them. Then:
  elastic-lab eval --model M --dataset OUT.json --methods full --no-teacher-forcing \\
      --max-tokens 40 --out DIR
  lab/probes/demo-listing-set.py --score DIR/records.jsonl     # right answers per key
An answer that first repeats what it searches for ("red objects: top left", as drills trained
with --listing-echo answer) is scored on the list after it.
"""
import json
import os
import random
import re
import sys

CELLS = ["top left", "top middle", "top right", "middle left", "center", "middle right",
         "bottom left", "bottom middle", "bottom right"]
COLOURS = ["red", "green", "blue", "yellow", "purple", "black"]
SHAPES = ["circle", "square", "triangle", "star", "diamond"]


def scene_of(description):
    """{cell: (colour, shape)} for the occupied cells of a reference description."""
    scene = {}
    for cell in CELLS:
        m = re.search(cell.capitalize() + r": a (?:small|large) (\w+) (\w+)\.", description)
        if m:
            scene[cell] = (m.group(1), m.group(2))
    return scene


def key_of(question):
    words = question[:-1].split()
    if words[-1] == "objects":
        return "colour"
    return "both" if len(words) == 5 else "shape"


def score(records):
    right, asked = {}, {}
    with open(records) as f:
        for line in f:
            for turn in json.loads(line)["turns"]:
                key = key_of(turn["question"])
                asked[key] = asked.get(key, 0) + 1
                said, sought = turn["hypothesis"], turn["question"][len("Where are the "):-1]
                if said.startswith(sought + ": "):  # a model trained with --listing-echo
                    said = said[len(sought) + 2:]
                right[key] = right.get(key, 0) + (said == turn["answer"])
    for key in ("colour", "shape", "both"):
        print("%-6s %d / %d" % (key, right.get(key, 0), asked.get(key, 0)))


def main():
    if sys.argv[1] == "--score":
        return score(sys.argv[2])
    world, out = sys.argv[1], sys.argv[2]
    rng = random.Random(1)
    with open(os.path.join(world, "eval", "multiturn.json")) as f:
        conversations = json.load(f)
    items = []
    for conversation in conversations:
        turn = next(t for t in conversation["turns"] if t["kind"] == "description")
        scene = scene_of(turn["answer"])
        for key in ("colour", "shape", "both"):
            colour, shape = rng.choice(sorted(scene.values()))
            if rng.random() < 0.5:
                colour, shape = rng.choice(COLOURS), rng.choice(SHAPES)
            colour = None if key == "shape" else colour
            shape = None if key == "colour" else shape
            question = "Where are the %s%s?" % (colour + " " if colour else "",
                                                shape + "s" if shape else "objects")
            cells = [c for c in CELLS if c in scene and colour in (None, scene[c][0]) and
                     shape in (None, scene[c][1])]
            items.append({"id": "listing%d" % len(items), "kind": "short",
                          "image": os.path.abspath(os.path.join(world, "eval", turn["image"])),
                          "question": question, "answer": ", ".join(cells) or "none"})
    with open(out, "w") as f:
        json.dump(items, f, indent=1)
    print("%d questions written to %s" % (len(items), out))


if __name__ == "__main__":
    main()
