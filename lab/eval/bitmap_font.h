// A 5x7 pixel font for the PNG plots, so they need no font files or GUI libraries.
#pragma once

namespace ec::eval {

constexpr int kGlyphWidth = 5;
constexpr int kGlyphHeight = 7;
constexpr int kGlyphAdvance = 6; // one blank column between characters

// Whether pixel (column, row) of `ch` is set; row 0 is the top.
bool glyphPixel(char ch, int column, int row);

} // namespace ec::eval
