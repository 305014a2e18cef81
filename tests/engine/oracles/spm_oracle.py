#!/usr/bin/python3
"""Tokenizer oracle: the real SentencePiece (Debian's python3-sentencepiece) on the parity corpus.

  spm_oracle.py MODEL CORPUS.jsonl [--added TOKEN=ID ...]  ->  JSON on stdout

For every corpus entry: SentencePiece ids and the decode of those ids; the ids HF tokenizers
gives for the same model converted to tokenizer.json in the legacy flavour (each run between
added tokens encoded with the dummy prefix) and in the Metaspace "first" flavour (only the run
at offset 0 gets a "▁", and only when it does not already start with one once spaces are
"▁"s: tokenizers' metaspace.rs); plus random id sequences
and their decode.
"""
import json
import random
import re
import sys

import sentencepiece as spm


def no_prefix_processor(model_path):
    # A repeated sub-message merges into the first one: this appends NormalizerSpec
    # {add_dummy_prefix: false} (field 3 of ModelProto, field 3 of NormalizerSpec).
    with open(model_path, "rb") as f:
        data = f.read()
    return spm.SentencePieceProcessor(model_proto=data + b"\x1a\x02\x18\x00")


def split_added(text, added):
    if not added:
        return [(text, None, 0)]
    names = sorted(added, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(n) for n in names))
    out, pos = [], 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], None, pos))
        out.append((None, added[m.group(0)], m.start()))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], None, pos))
    return out


def main():
    model, corpus = sys.argv[1], sys.argv[2]
    added = {}
    for arg in sys.argv[3:]:
        if arg.startswith("--added="):
            name, _, tid = arg[len("--added="):].rpartition("=")
            added[name] = int(tid)
    sp = spm.SentencePieceProcessor(model_file=model)
    bare = no_prefix_processor(model)
    with open(corpus, encoding="utf-8") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    entries = []
    for text in lines:
        ids = sp.encode(text)
        legacy, meta = [], []
        for run, tid, offset in split_added(text, added):
            if tid is not None:
                legacy.append(tid)
                meta.append(tid)
                continue
            legacy += sp.encode(run)
            first = offset == 0 and not run.replace(" ", "\u2581").startswith("\u2581")
            meta += sp.encode(run) if first else bare.encode(run)
        entries.append({"text": text, "ids": ids, "decoded": sp.decode(ids),
                        "legacy_ids": legacy, "metaspace_ids": meta})
    rng = random.Random(7)
    n = sp.get_piece_size()
    byte_ids = [i for i in range(n) if sp.is_byte(i)]
    randoms = []
    for k in range(500):
        pool = byte_ids if k % 3 == 0 else list(range(n))  # byte-heavy sequences too
        ids = [rng.choice(pool if rng.random() < 0.7 else range(n))
               for _ in range(rng.randint(0, 12))]
        randoms.append({"ids": ids, "decoded": sp.decode(ids)})
    json.dump({"vocab_size": n, "bos": sp.bos_id(), "eos": sp.eos_id(), "unk": sp.unk_id(),
               "entries": entries, "random": randoms}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
