#!/usr/bin/python3
"""demo-existence-misses.py RECORDS...: "Is there a COLOUR SHAPE?" inside the long conversations,
split by what the image holds.

RECORDS are `elastic-lab eval` records.jsonl files of eval/multiturn.json. Each "Is there"
question is about the image described last before it; the reference description says what that
image holds. A question answered "yes" by the reference is `yes`; a "no" is `split` when the
image holds the colour and the shape on different objects, `colour only` or `shape only` when it
holds one of them, and `neither`. Prints, per file, right and wrong per class: a model that says
yes to `neither` has learnt a prior rather than a search. docs/demo-model.md; docs/lab/findings.md.
"""
import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_descriptions import cells  # noqa: E402

QUESTION = re.compile(r"Is there a ([a-z]+) ([a-z]+)\?")


def kind(question_colour, question_shape, objects):
    if any(c == question_colour and s == question_shape for _, c, s in objects):
        return "yes"
    has_colour = any(c == question_colour for _, c, _s in objects)
    has_shape = any(s == question_shape for _, _c, s in objects)
    if has_colour and has_shape:
        return "split"
    return "colour only" if has_colour else "shape only" if has_shape else "neither"


def main():
    for path in sys.argv[1:]:
        tally = collections.Counter()
        with open(path) as f:
            for line in f:
                described = None
                for turn in json.loads(line)["turns"]:
                    if turn["kind"] == "description":
                        described = [o for o in cells(turn["answer"]).values() if o[0]]
                        continue
                    m = QUESTION.fullmatch(turn["question"])
                    if not m or described is None:
                        continue
                    k = kind(m.group(1), m.group(2), described)
                    if (k == "yes") != (turn["answer"] == "yes"):
                        sys.exit(f"{path}: the reference answer of {turn['question']!r} "
                                 "disagrees with the description above it")
                    tally[(k, turn["exact_match"])] += 1
        print(path)
        for k in ("yes", "split", "colour only", "shape only", "neither"):
            right, wrong = tally[(k, True)], tally[(k, False)]
            if right + wrong:
                print(f"  {k:12} {right:3} right {wrong:3} wrong")


if __name__ == "__main__":
    main()
