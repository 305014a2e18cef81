#!/usr/bin/python3
"""demo-attributes.py RECORDS.jsonl...: what the demo model's descriptions get right, per attribute.

Reads `elastic-lab eval` records (lab/scripts/demo-eval.sh writes them) and compares every cell of
each generated description ("Center: a large red star.") with the reference: is the cell's
occupancy right, and for cells both call occupied, the size, colour and shape; then, per grid
row, how many cells are entirely right; and, by the image's place in its conversation (image 1
is the first one described), how many descriptions are word for word right and how many never
reach their closing "In total: N objects." (they ran on to the token limit: a loop of words,
which a compacted cache can set off). One block per method and budget found in the records.
ROUGE-L hides all this: a description with every shape wrong still scores ~0.88.
"""
import collections
import json
import re
import sys

from demo_descriptions import cells

ROWS = ("Top", "Middle", "Bottom")
CLOSING = re.compile(r"In total: \d+ objects?\.$")


def row_of(cell):
    return "Middle" if cell == "Center" else cell.split()[0]


def tally(right, total, turn):
    said = cells(turn["hypothesis"])
    for cell, truth in cells(turn["answer"]).items():
        guess = said.get(cell)
        total["occupancy"] += 1
        right["occupancy"] += guess is not None and (guess[0] is None) == (truth[0] is None)
        total["row " + row_of(cell)] += 1
        right["row " + row_of(cell)] += guess == truth
        if truth[0] is None or guess is None or guess[0] is None:
            continue
        for name, t, g in zip(("size", "colour", "shape"), truth, guess):
            total[name] += 1
            right[name] += t == g


def main(paths):
    groups = collections.OrderedDict()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                record = json.loads(line)
                key = f"{record['method']} @ {record['budget']:g}"
                right, total = groups.setdefault(key, (collections.Counter(), collections.Counter()))
                image = 0
                for turn in record["turns"]:
                    if turn.get("kind") == "description":
                        tally(right, total, turn)
                        image += 1
                        total[f"image {image}"] += 1
                        right[f"image {image}"] += turn["hypothesis"] == turn["answer"]
                        right[f"unfinished {image}"] += not CLOSING.search(turn["hypothesis"])
    groups = {k: v for k, v in groups.items() if v[1]}
    if not groups:
        sys.exit("demo-attributes: no description turns in " + " ".join(paths))
    for key, (right, total) in groups.items():
        if len(groups) > 1:
            print(key)
        for name in ("occupancy", "size", "colour", "shape") + tuple("row " + r for r in ROWS):
            what = "cells wholly right" if name.startswith("row") else "cells"
            print(f"  {name:10s} {100.0 * right[name] / max(1, total[name]):5.1f}%  of {total[name]} {what}")
        images = sorted((k for k in total if k.startswith("image ")), key=lambda k: int(k[6:]))
        print("  exact by image " + " ".join(f"{right[k]}/{total[k]}" for k in images))
        print("  unfinished by image " +
              " ".join(f"{right['unfinished ' + k[6:]]}/{total[k]}" for k in images))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
