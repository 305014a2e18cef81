"""The demo world's descriptions read back cell by cell ("Center: a large red star."), for the
demo-*.py scripts (lab/demo_world/dialogue.cpp writes them)."""
import re

CELL = re.compile(r"(Top left|Top middle|Top right|Middle left|Center|Middle right|Bottom left|"
                  r"Bottom middle|Bottom right): (?:empty|a (small|large) ([a-z]+) ([a-z]+))\.")


def cells(text):
    """{cell as written: (size, colour, shape), or (None, None, None) when it is empty}."""
    return {m.group(1): m.groups()[1:] for m in CELL.finditer(text)}
