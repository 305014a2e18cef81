#!/usr/bin/python3
"""Image preprocessing oracle: Debian's Pillow 9.4 + numpy doing what transformers' slow
CLIPImageProcessor (and LLaVA's expand2square) does, without transformers.

  pil_oracle.py CASES.json OUT_DIR

Each case: {"name", "image", "crop": [left, top, width, height] | null, and either
"config": <preprocessor_config.json fields> or "resize_to": [width, height]}. Writes
OUT_DIR/NAME.u8 (uint8 HWC after pad/resize/crop, or after the plain resize) and, with a config,
OUT_DIR/NAME.f32 (float32 CHW after rescale and normalize).
"""
import json
import os
import sys

import numpy as np
from PIL import Image


def expand2square(img, background):
    w, h = img.size
    if w == h:
        return img
    side = max(w, h)
    result = Image.new(img.mode, (side, side), background)
    result.paste(img, (0, (w - h) // 2) if w > h else ((h - w) // 2, 0))
    return result


def resize_shortest(arr, size, resample):
    h, w = arr.shape[:2]
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(size * long / short)
    new_h, new_w = (new_long, size) if w <= h else (size, new_long)
    return np.array(Image.fromarray(arr).resize((new_w, new_h), resample=resample,
                                                reducing_gap=None))


def run_case(case, out_dir):
    img = Image.open(case["image"]).convert("RGB")
    if case.get("crop"):
        l, t, w, h = case["crop"]
        img = img.crop((l, t, l + w, t + h))
    name = os.path.join(out_dir, case["name"])
    if "resize_to" in case:
        w, h = case["resize_to"]
        out = np.array(img.resize((w, h), resample=Image.BICUBIC, reducing_gap=None))
        out.astype(np.uint8).tofile(name + ".u8")
        return
    cfg = case["config"]
    mean = cfg.get("image_mean", [0.48145466, 0.4578275, 0.40821073])
    std = cfg.get("image_std", [0.26862954, 0.26130258, 0.27577711])
    if cfg.get("do_pad"):
        img = expand2square(img, tuple(int(x * 255) for x in mean))
    arr = np.array(img)
    arr = resize_shortest(arr, cfg["size"]["shortest_edge"], cfg.get("resample", 3))
    ch, cw = cfg["crop_size"]["height"], cfg["crop_size"]["width"]
    top, left = (arr.shape[0] - ch) // 2, (arr.shape[1] - cw) // 2
    arr = arr[top:top + ch, left:left + cw]
    arr.astype(np.uint8).tofile(name + ".u8")
    f = (arr.astype(np.float64) * cfg.get("rescale_factor", 1 / 255)).astype(np.float32)
    f = (f - np.array(mean, dtype=np.float32)) / np.array(std, dtype=np.float32)
    np.ascontiguousarray(f.transpose(2, 0, 1)).astype(np.float32).tofile(name + ".f32")


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    for case in cases:
        run_case(case, sys.argv[2])
    print(json.dumps({"pillow": Image.__version__, "cases": len(cases)}))


if __name__ == "__main__":
    main()
