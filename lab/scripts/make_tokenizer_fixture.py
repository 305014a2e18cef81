#!/usr/bin/python3
"""Builds the tokenizer test fixtures in tests/fixtures/tokenizer/ deterministically.

Writes a synthetic multilingual training text, trains two small SentencePiece models: BPE with
LLaMA's trainer settings (byte fallback, identity normalisation) and unigram (byte fallback,
nmt_nfkc normalisation with extra-whitespace removal), converts the BPE
one to HF tokenizer.json (legacy and Metaspace flavours) and writes the parity corpus (JSON lines,
so entries may hold newlines). Run with Debian's /usr/bin/python3 (needs python3-sentencepiece
and the spm_train binary):  /usr/bin/python3 lab/scripts/make_tokenizer_fixture.py
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "fixtures", "tokenizer")

WORDS = (
    "the of and to in is was for on that with as by at from his her it an are were which this be "
    "or has had not but what all when we there can one their she if would about so some them into "
    "picture image photo shows cat dog coffee cup table person standing sitting astronaut camera "
    "describe question answer assistant user model token tokenizer language vision red green blue "
    "large small bright dark left right top bottom center background foreground window street car "
    "tree house mountain river sky cloud light shadow color wooden metal glass white black yellow "
    "running walking looking holding wearing reading writing eating drinking playing building "
    "what's don't it's I'm you're they've we'll isn't can't won't couldn't hello world Elastic "
    "Chat LLaVA cache memory budget anchor merge eviction prefill decode stream"
).split()
FOREIGN = (
    "über schön Mädchen Straße Größe café naïve façade résumé élève garçon años niño señor "
    "mañana ação coração São Paulo Zürich København Ærø Łódź żółw český Ελλάδα καλημέρα "
    "Москва привет спасибо улица Київ שלום مرحبا नमस्ते ภาษาไทย"
).split()
CJK = (
    "我 你 他 的 是 在 有 一 个 人 猫 狗 咖啡 杯子 图片 照片 问题 回答 天空 山 水 中国 北京 上海 "
    "日本 東京 こんにちは ありがとう 猫が好き です ます カメラ 写真 한국 서울 안녕하세요 감사합니다"
).split()
EMOJI = ["😀", "😂", "🐱", "☕", "🚀", "👍🏽", "👨‍👩‍👧", "🇩🇪", "❤️", "✨", "🤖", "🎉", "∑", "→", "€", "™"]
PUNCT = [".", ",", "!", "?", ":", ";", "...", " -", "(", ")", "\"", "'", "/", "#", "%", "&", "*"]


def sentence(rng, foreign_rate):
    parts = []
    for _ in range(rng.randint(3, 14)):
        r = rng.random()
        if r < foreign_rate:
            parts.append(rng.choice(FOREIGN + CJK))
        elif r < foreign_rate + 0.05:
            parts.append(str(rng.randint(0, 99999)))
        else:
            w = rng.choice(WORDS)
            parts.append(w.capitalize() if rng.random() < 0.1 else w)
    s = " ".join(parts)
    return s + rng.choice([".", ".", "?", "!"])


def training_text(rng):
    lines = [sentence(rng, 0.15) for _ in range(12000)]
    lines += [" ".join(rng.choice(CJK) for _ in range(8)) for _ in range(600)]
    lines += ["".join(rng.choice(CJK) for _ in range(12)) for _ in range(600)]
    lines += ["    indented " + sentence(rng, 0.0) for _ in range(300)]
    lines += ["x = %d + %d * %d" % (rng.randint(0, 999), rng.randint(0, 99), rng.randint(0, 9))
              for _ in range(300)]
    return lines


def parity_corpus(rng):
    items = []
    for _ in range(900):
        items.append(sentence(rng, 0.25))
    for _ in range(200):  # emoji and symbols, mostly outside the vocabulary -> byte fallback
        items.append(" ".join(rng.choice(EMOJI + WORDS[:30]) for _ in range(rng.randint(1, 8))))
    for _ in range(200):  # CJK with and without spaces
        sep = rng.choice(["", " ", "  "])
        items.append(sep.join(rng.choice(CJK) for _ in range(rng.randint(1, 10))))
    for _ in range(200):  # digits (LLaMA splits them one by one)
        items.append(rng.choice(WORDS) + " " + str(rng.randint(0, 10 ** rng.randint(1, 15))) +
                     rng.choice(["", ".5", ",000", "%", " km", "-42"]))
    for _ in range(200):  # repeated, leading and trailing spaces
        s = sentence(rng, 0.1).split(" ")
        s = (" " * rng.randint(1, 5)).join(s)
        items.append(" " * rng.randint(0, 4) + s + " " * rng.randint(0, 4))
    for _ in range(200):  # newlines, tabs, carriage returns inside one entry
        ws = rng.choice(["\n", "\n\n", "\t", "\r\n", " \n ", "\n  "])
        items.append(ws.join(sentence(rng, 0.1) for _ in range(rng.randint(2, 4))) +
                     rng.choice(["", "\n", " "]))
    for _ in range(150):  # text that looks like special tokens must stay text for SentencePiece
        items.append(rng.choice(["<s>", "</s>", "<unk>", "<0x41>", "<im", "</", "▁", "▁▁x"]) +
                     rng.choice(["", " ", "\n"]) + sentence(rng, 0.0))
    for _ in range(150):  # random unicode code points (planes 0-1, no surrogates or controls)
        cps = []
        for _ in range(rng.randint(1, 12)):
            cp = rng.choice([rng.randint(0x20, 0x7E), rng.randint(0xA0, 0x2FFF),
                             rng.randint(0x3000, 0xD7FF), rng.randint(0xE000, 0xFFFD),
                             rng.randint(0x10000, 0x1FAFF)])
            cps.append(chr(cp))
        items.append("".join(cps))
    items += ["", " ", "  ", "\n", "a", " a", "a ", "▁", "hello world", "Hello World!",
              "USER: What is shown? ASSISTANT:", "1234567890", "\t\tx", "   leading", "trailing   "]
    return items


def train(workdir, name, model_type, vocab, normalization="identity"):
    # Relative paths: the trainer spec stored in the model then does not depend on the checkout.
    args = ["spm_train", "--input=train.txt", "--model_prefix=" + name,
            "--model_type=" + model_type, "--vocab_size=%d" % vocab,
            "--character_coverage=0.9995", "--byte_fallback=true", "--split_digits=true",
            "--allow_whitespace_only_pieces=true",
            "--remove_extra_whitespaces=%s" % ("false" if normalization == "identity" else "true"),
            "--normalization_rule_name=" + normalization, "--add_dummy_prefix=true",
            "--split_by_unicode_script=true", "--split_by_whitespace=true",
            "--max_sentencepiece_length=16", "--unk_id=0", "--bos_id=1", "--eos_id=2",
            "--pad_id=-1", "--unk_surface= \u2047 ", "--num_threads=1", "--seed_sentencepiece_size=100000",
            "--input_sentence_size=0", "--shuffle_input_sentence=false", "--minloglevel=2"]
    subprocess.run(args, check=True, cwd=workdir)
    shutil.move(os.path.join(workdir, name + ".model"), os.path.join(OUT, name + ".model"))


def main():
    rng = random.Random(20261128)
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "train.txt")
        with open(text, "w", encoding="utf-8") as f:
            f.write("\n".join(training_text(rng)) + "\n")
        train(tmp, "bpe", "bpe", 1500)
        # The unigram model also exercises the NFKC charsmap and whitespace folding of the normaliser.
        train(tmp, "unigram", "unigram", 1200, "nmt_nfkc")
    conv = os.path.join(HERE, "..", "demo_trainer", "spm_to_tokenizer_json.py")
    model = os.path.join(OUT, "bpe.model")
    subprocess.run([sys.executable, conv, model, os.path.join(OUT, "bpe.tokenizer.json")], check=True)
    subprocess.run([sys.executable, conv, "--metaspace", model,
                    os.path.join(OUT, "bpe.metaspace.tokenizer.json")], check=True)
    with open(os.path.join(OUT, "parity_corpus.jsonl"), "w", encoding="utf-8") as f:
        for item in parity_corpus(rng):
            f.write(json.dumps(item, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
