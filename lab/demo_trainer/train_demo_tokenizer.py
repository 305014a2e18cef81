#!/usr/bin/python3
"""Trains the demo model's tokenizer on the demo world's corpus (ec-demo-world writes corpus.txt).

LLaMA's recipe at a small size: SentencePiece BPE with byte fallback, identity normalisation,
split digits, <unk>=0 <s>=1 </s>=2, no pad piece; then <image> and <pad> are added after the
vocabulary, as llava-hf does. Writes tokenizer.model, tokenizer.json (legacy LLaMA flavour),
tokenizer_config.json and special_tokens_map.json into OUT. Deterministic (one thread, no
sampling). Run with Debian's /usr/bin/python3 (python3-sentencepiece, spm_train):

  /usr/bin/python3 lab/demo_trainer/train_demo_tokenizer.py CORPUS.txt OUT [--vocab 512]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spm_to_tokenizer_json  # noqa: E402

EXTRAS = ["<image>", "<pad>"]
# The chat template's own words, so that "USER:" and "ASSISTANT:" become few tokens.
TEMPLATE_LINES = ["USER: Describe the image in detail. ASSISTANT:", "USER: ASSISTANT:"] * 200


def train(corpus, out, vocab):
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        with open(corpus, encoding="utf-8") as f:
            lines = [line.rstrip("\n") for line in f if line.strip()]
        with open(os.path.join(work, "train.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines + TEMPLATE_LINES) + "\n")
        subprocess.run(
            ["spm_train", "--input=train.txt", "--model_prefix=tokenizer", "--model_type=bpe",
             "--vocab_size=%d" % vocab, "--character_coverage=1.0", "--byte_fallback=true",
             "--split_digits=true", "--allow_whitespace_only_pieces=true",
             "--remove_extra_whitespaces=false", "--normalization_rule_name=identity",
             "--add_dummy_prefix=true", "--max_sentencepiece_length=16", "--unk_id=0",
             "--bos_id=1", "--eos_id=2", "--pad_id=-1", "--num_threads=1",
             "--input_sentence_size=0", "--shuffle_input_sentence=false", "--minloglevel=2"],
            check=True, cwd=work)
        shutil.copy(os.path.join(work, "tokenizer.model"), os.path.join(out, "tokenizer.model"))
    model = os.path.join(out, "tokenizer.model")
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(spm_to_tokenizer_json.convert(model, False, EXTRAS), f, ensure_ascii=False,
                  indent=1)
        f.write("\n")
    added = {str(vocab + k): spm_to_tokenizer_json.added(vocab + k, t)
             for k, t in enumerate(EXTRAS)}
    for k in ("0", "1", "2"):
        added[k] = spm_to_tokenizer_json.added(int(k), ["<unk>", "<s>", "</s>"][int(k)])
    config = {"tokenizer_class": "LlamaTokenizer", "add_bos_token": True, "add_eos_token": False,
              "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
              "legacy": True, "model_max_length": 4096, "added_tokens_decoder": added,
              "padding_side": "left"}
    with open(os.path.join(out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=1)
    with open(os.path.join(out, "special_tokens_map.json"), "w", encoding="utf-8") as f:
        json.dump({"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
                   "pad_token": "<pad>", "image_token": "<image>"}, f, indent=1)
    with open(os.path.join(out, "added_tokens.json"), "w", encoding="utf-8") as f:
        json.dump({t: vocab + k for k, t in enumerate(EXTRAS)}, f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--vocab", type=int, default=512, help="SentencePiece pieces (before extras)")
    args = ap.parse_args()
    train(args.corpus, args.out, args.vocab)


if __name__ == "__main__":
    main()
