#!/usr/bin/env python3
"""turn-breakdown.py RECORDS.jsonl... : exact match by turn position and question kind.

For each method and budget of an `elastic-lab eval` sweep on the multi-turn set, the share of
turns answered exactly, per turn position (1 = the first prompt) and per kind, and the cache
entries a turn started from (median), so a reader sees where in a conversation a budget bites.
"""
import collections
import json
import statistics
import sys


def main(paths):
    hits = collections.defaultdict(lambda: [0, 0])
    entries = collections.defaultdict(list)
    turns_seen = 0
    for path in paths:
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                key = (r["method"], r["budget"])
                for i, t in enumerate(r["turns"]):
                    turns_seen = max(turns_seen, i + 1)
                    groups = (("turn", i + 1), ("kind", t["kind"]),
                              ("turn-kind", (i + 1, t["kind"])))
                    for k in groups:
                        cell = hits[key + k]
                        cell[0] += bool(t.get("exact_match"))
                        cell[1] += 1
                    entries[key + ("turn", i + 1)].append(t.get("cache_entries", 0))
    keys = sorted({k[:2] for k in hits}, key=lambda k: (k[0] != "full", k[0], -k[1]))
    header = "| method | budget | " + " | ".join(f"t{i}" for i in range(1, turns_seen + 1)) + " |"
    print("Exact match by turn (first row of each method: share right; kind of each turn below)\n")
    print(header)
    print("|---|---:|" + "---:|" * turns_seen)
    for m, b in keys:
        cells = []
        for i in range(1, turns_seen + 1):
            h, n = hits[(m, b, "turn", i)]
            cells.append(f"{100 * h / n:.0f}%" if n else "")
        print(f"| {m} | {b:.2f} | " + " | ".join(cells) + " |")
    kinds = collections.Counter()
    for (m, b, what, v), (h, n) in hits.items():
        if what == "turn-kind" and m == keys[0][0]:
            kinds[v] += n
    print("\nTurn kinds (turns of each kind at each position, first method):")
    for i in range(1, turns_seen + 1):
        here = {k: n for (t, k), n in kinds.items() if t == i}
        print(f"  t{i}: " + ", ".join(f"{k} {n}" for k, n in sorted(here.items())))
    print("\nMedian cache entries after each turn:")
    for m, b in keys:
        med = [statistics.median(entries[(m, b, "turn", i)]) if entries[(m, b, "turn", i)] else 0
               for i in range(1, turns_seen + 1)]
        print(f"  {m} {b:.2f}: " + " ".join(f"{v:.0f}" for v in med))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
