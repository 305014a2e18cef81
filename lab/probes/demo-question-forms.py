#!/usr/bin/python3
"""demo-question-forms.py [--kind KIND] RECORDS.jsonl...: the demo model's answers by question form.

Reads `elastic-lab eval` records (lab/scripts/demo-eval.sh writes them), replaces the cell, colour
and shape words of every question of KIND (default short; also followup, earlier_image) by CELL,
COLOUR and SHAPE, and prints how many answers of each form are exactly right, best first (the
model card's "Short questions by form").

--read-back adds a column for multi-turn records: how many of those questions the model's own
description of the image asked about (its earlier answer to "Describe the image in detail.")
answers right when it is read literally, i.e. how often reading the conversation would have
been enough (docs/demo-model.md; docs/lab/findings.md). Follow-ups are left out: they need the turn before.
"""
import argparse
import collections
import json
import re
import sys

from demo_descriptions import cells

WORDS = [(re.compile(r"\b(top|middle|bottom) (left|middle|right)\b|\bcenter\b"), "CELL"),
         (re.compile(r"\b(red|green|blue|yellow|purple|black)\b"), "COLOUR"),
         (re.compile(r"\b(circle|square|triangle|star|diamond)(?=s?\b)"), "SHAPE")]


CELL_NAMES = ["top left", "top middle", "top right", "middle left", "center", "middle right",
              "bottom left", "bottom middle", "bottom right"]
ORDINALS = ["first", "second", "third", "fourth"]


def described_cells(description):
    """{cell in lower case: None (empty) or (size, colour, shape)} as a description states them."""
    return {cell.lower(): o if o[0] else None for cell, o in cells(description).items()}


def read_back(stated, question):
    """What the `stated` cells answer to a short question; None when they do not settle it."""
    q = question.lower()
    objects = [o for o in stated.values() if o]
    for cell in CELL_NAMES:
        if cell in q and cell in stated:
            o = stated[cell]
            if "empty" in q:
                return "no" if o else "yes"
            if o is None:
                return None
            return o[1] if "color" in q else o[2] if "shape" in q else o[0]
    m = re.match(r"where is the (\w+) (\w+)\?", q)
    if m:
        hits = [c for c, o in stated.items() if o and o[1:] == m.groups()]
        return hits[0] if len(hits) == 1 else None
    m = re.match(r"is there a (\w+) (\w+)\?", q)
    if m:
        return "yes" if any(o[1:] == m.groups() for o in objects) else "no"
    m = re.match(r"how many (\w+) objects are there\?", q)
    if m:
        return str(sum(o[1] == m.group(1) for o in objects))
    if q.startswith("how many objects"):
        return str(len(objects))
    m = re.match(r"how many (\w+)s are there\?", q)
    if m:
        return str(sum(o[2] == m.group(1) for o in objects))
    return None


def readable(turn, described):
    """Whether the model's own descriptions in `described` (one per image so far) answer `turn`."""
    question = turn["question"]
    m = re.match(r"In the (\w+) image, (.*)", question)
    index = len(described) - 1
    if m and m.group(1) in ORDINALS:
        index, question = ORDINALS.index(m.group(1)), m.group(2)
    if not 0 <= index < len(described):
        return False
    return read_back(described[index], question) == turn["answer"]


def form(question):
    for pattern, name in WORDS:
        question = pattern.sub(name, question)
    return question


def main(kind, paths, with_read_back):
    right, total, read = collections.Counter(), collections.Counter(), collections.Counter()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                described = []
                for turn in json.loads(line)["turns"]:
                    if with_read_back and turn.get("kind") == "description":
                        described.append(described_cells(turn["hypothesis"]))
                    if turn.get("kind") == kind:
                        key = form(turn["question"])
                        total[key] += 1
                        right[key] += turn["hypothesis"] == turn["answer"]
                        if with_read_back:
                            read[key] += readable(turn, described)
    if not total:
        sys.exit(f"demo-question-forms: no {kind} turns in " + " ".join(paths))
    if with_read_back:
        print("| question | right | its own description answers |\n|---|---|---|")
    else:
        print("| question | right |\n|---|---|")
    for key in sorted(total, key=lambda k: (-right[k] / total[k], k)):
        extra = f" {read[key]} / {total[key]} |" if with_read_back else ""
        print(f"| {key} | {right[key]} / {total[key]} |{extra}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", default="short", help="short, followup or earlier_image")
    parser.add_argument("--read-back", action="store_true",
                        help="also count the questions the model's own descriptions answer")
    parser.add_argument("records", nargs="+")
    args = parser.parse_args()
    if args.read_back and args.kind == "followup":
        parser.error("--read-back needs the question alone; follow-ups refer to the turn before")
    main(args.kind, args.records, args.read_back)
