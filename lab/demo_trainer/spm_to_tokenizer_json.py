#!/usr/bin/python3
"""Converts a SentencePiece BPE .model into an HF tokenizers `tokenizer.json` of LLaMA's form.

Uses only Debian's /usr/bin/python3 and python3-sentencepiece. The BPE merges are derived from the
pieces and their scores (every split of a normal piece into two normal pieces, ordered by the
piece's score), the model has byte_fallback, and the added tokens are <unk> <s> </s> followed by
the llava-hf extras <image> and <pad> appended after the vocabulary.

  spm_to_tokenizer_json.py [--metaspace] [--extra TOKEN ...] IN.model OUT.json

Default flavour is the legacy one (normalizer Prepend("▁") + Replace(" ", "▁"), no
pre-tokenizer); --metaspace writes the newer one (no normalizer, Metaspace pre-tokenizer with
prepend_scheme "first", split false).
"""
import argparse
import json

import sentencepiece as spm

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, BYTE = 1, 2, 3, 4, 6
SPACE = "\u2581"


def added(token_id, content, special=True):
    return {"id": token_id, "content": content, "single_word": False, "lstrip": False,
            "rstrip": False, "normalized": False, "special": special}


def merges_from_pieces(sp):
    n = sp.get_piece_size()
    mergeable = {}
    for i in range(n):
        if sp.is_control(i) or sp.is_unknown(i) or sp.is_byte(i) or sp.is_unused(i):
            continue
        mergeable[sp.id_to_piece(i)] = i
    merges = []
    for piece, pid in mergeable.items():
        local = []
        for cut in range(1, len(piece)):
            left, right = piece[:cut], piece[cut:]
            if left in mergeable and right in mergeable:
                local.append((left, right, sp.get_score(pid)))
        local.sort(key=lambda m: (mergeable[m[0]], mergeable[m[1]]))
        merges.extend(local)
    merges.sort(key=lambda m: m[2], reverse=True)  # stable: ties keep the order above
    return ["%s %s" % (m[0], m[1]) for m in merges]


def convert(model_path, metaspace, extras):
    sp = spm.SentencePieceProcessor(model_file=model_path)
    n = sp.get_piece_size()
    vocab = {sp.id_to_piece(i): i for i in range(n)}
    tokens = [added(sp.unk_id(), sp.id_to_piece(sp.unk_id())),
              added(sp.bos_id(), sp.id_to_piece(sp.bos_id())),
              added(sp.eos_id(), sp.id_to_piece(sp.eos_id()))]
    for k, extra in enumerate(extras):
        tokens.append(added(n + k, extra))
    bos = sp.id_to_piece(sp.bos_id())
    if metaspace:
        normalizer = None
        pre_tokenizer = {"type": "Metaspace", "replacement": SPACE, "prepend_scheme": "first",
                         "split": False}
    else:
        normalizer = {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": SPACE},
            {"type": "Replace", "pattern": {"String": " "}, "content": SPACE}]}
        pre_tokenizer = None
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": tokens,
        "normalizer": normalizer,
        "pre_tokenizer": pre_tokenizer,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": bos, "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": bos, "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": bos, "type_id": 1}},
                     {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {bos: {"id": bos, "ids": [sp.bos_id()], "tokens": [bos]}}},
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": SPACE}, "content": " "},
            {"type": "ByteFallback"},
            {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": sp.id_to_piece(sp.unk_id()),
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": True, "byte_fallback": True, "vocab": vocab,
                  "merges": merges_from_pieces(sp)},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--metaspace", action="store_true")
    ap.add_argument("--extra", action="append", default=None,
                    help="added special tokens after the vocabulary (default: <image> <pad>)")
    ap.add_argument("model")
    ap.add_argument("out")
    args = ap.parse_args()
    extras = args.extra if args.extra is not None else ["<image>", "<pad>"]
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(convert(args.model, args.metaspace, extras), f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
