#!/usr/bin/python3
"""ROUGE-L F as specified in the paper record (elastic-cache-paper.md §8), written from that spec
as an independent oracle for the C++ implementation. Standard library only.

Usage: rouge_l_spec.py IN.json OUT.json
IN is a list of [hypothesis, reference] pairs; OUT is a list with, per pair, the F value or the
string "error" when the spec says the package raises (a text with no sentence).
"""
import json
import sys


def sentences(text):
    # Split on '.', drop empty pieces first, then collapse whitespace (str.split semantics).
    return [" ".join(piece.split()) for piece in text.split(".") if piece]


def words(sentence_list):
    out = []
    for s in sentence_list:
        out.extend(s.split(" "))
    return out


def lcs_word_set(ref, hyp):
    n, m = len(ref), len(hyp)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if ref[i - 1] == hyp[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
    found = set()
    i, j = n, m
    while i > 0 and j > 0:
        if ref[i - 1] == hyp[j - 1]:
            found.add(ref[i - 1])
            i, j = i - 1, j - 1
        elif table[i - 1][j] > table[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return found


def rouge_l_f(hyp, ref):
    hs, rs = sentences(hyp), sentences(ref)
    if not hs or not rs:
        raise ValueError("empty")
    m = len(set(words(rs)))
    n = len(set(words(hs)))
    union = set()
    for r in rs:
        for h in hs:
            union |= lcs_word_set(r.split(" "), h.split(" "))
    recall = len(union) / m
    precision = len(union) / n
    return 2.0 * ((precision * recall) / (precision + recall + 1e-8))


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        pairs = json.load(f)
    results = []
    for hyp, ref in pairs:
        try:
            results.append(rouge_l_f(hyp, ref))
        except ValueError:
            results.append("error")
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
