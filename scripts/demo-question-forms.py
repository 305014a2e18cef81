#!/usr/bin/python3
"""demo-question-forms.py [--kind KIND] RECORDS.jsonl...: the demo model's answers by question form.

Reads `elastic-cli eval` records (scripts/demo-eval.sh writes them), replaces the cell, colour
and shape words of every question of KIND (default short; also followup, earlier_image) by CELL,
COLOUR and SHAPE, and prints how many answers of each form are exactly right, best first (the
model card's "Short questions by form").
"""
import argparse
import collections
import json
import re
import sys

WORDS = [(re.compile(r"\b(top|middle|bottom) (left|middle|right)\b|\bcenter\b"), "CELL"),
         (re.compile(r"\b(red|green|blue|yellow|purple|black)\b"), "COLOUR"),
         (re.compile(r"\b(circle|square|triangle|star|diamond)(?=s?\b)"), "SHAPE")]


def form(question):
    for pattern, name in WORDS:
        question = pattern.sub(name, question)
    return question


def main(kind, paths):
    right, total = collections.Counter(), collections.Counter()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                for turn in json.loads(line)["turns"]:
                    if turn.get("kind") == kind:
                        key = form(turn["question"])
                        total[key] += 1
                        right[key] += turn["hypothesis"] == turn["answer"]
    if not total:
        sys.exit(f"demo-question-forms: no {kind} turns in " + " ".join(paths))
    print("| question | right |\n|---|---|")
    for key in sorted(total, key=lambda k: (-right[k] / total[k], k)):
        print(f"| {key} | {right[key]} / {total[key]} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", default="short", help="short, followup or earlier_image")
    parser.add_argument("records", nargs="+")
    args = parser.parse_args()
    main(args.kind, args.records)
