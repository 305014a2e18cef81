// Plots: the PNG is a valid file (chunks, CRCs, inflatable data) showing each series in its
// colour; the SVG has one marker per point; the report writes every file.
#include "lab/eval/bitmap_font.h"
#include "lab/eval/raster_canvas.h"
#include "lab/eval/report.h"
#include "lab/eval/svg_canvas.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <gtest/gtest.h>
#include <zlib.h>

using namespace ec::eval;

namespace {

uint32_t read32(const std::vector<uint8_t> &b, size_t at)
{
    return (uint32_t(b[at]) << 24) | (uint32_t(b[at + 1]) << 16) | (uint32_t(b[at + 2]) << 8) |
           b[at + 3];
}

PlotSpec twoSeries()
{
    return {"Perplexity",
            "budget",
            "PPL",
            {{"elastic", {0.2, 0.5, 0.9}, {4.0, 3.0, 2.5}}, {"local", {0.2, 0.5}, {9.0, NAN}}}};
}

} // namespace

TEST(Plot, NiceTicksCoverTheRangeWithRoundSteps)
{
    auto ticks = niceTicks(0.1, 0.9, 5);
    ASSERT_GE(ticks.size(), 2u);
    EXPECT_LE(ticks.front(), 0.1);
    EXPECT_GE(ticks.back(), 0.9);
    EXPECT_NEAR(ticks[1] - ticks[0], 0.2, 1e-12);
    auto flat = niceTicks(3.0, 3.0, 5); // a single value still gets a non-empty range
    EXPECT_LT(flat.front(), 3.0);
    EXPECT_GT(flat.back(), 3.0);
}

TEST(Plot, FontHasDigitsAndFoldsCase)
{
    EXPECT_TRUE(glyphPixel('1', 2, 0));
    EXPECT_FALSE(glyphPixel('1', 0, 0));
    for (int row = 0; row < kGlyphHeight; ++row)
        for (int column = 0; column < kGlyphWidth; ++column)
            EXPECT_EQ(glyphPixel('e', column, row), glyphPixel('E', column, row));
    EXPECT_FALSE(glyphPixel(' ', 2, 3));
    EXPECT_FALSE(glyphPixel('A', 5, 0)); // outside the cell
}

TEST(Plot, PngIsValidAndShowsEachSeries)
{
    const int width = 400, height = 300;
    const auto png = renderPng(twoSeries(), width, height);
    ASSERT_GT(png.size(), 8u);
    EXPECT_TRUE(std::equal(png.begin(), png.begin() + 8,
                           std::vector<uint8_t>{0x89, 'P', 'N', 'G', 13, 10, 26, 10}.begin()));
    std::vector<uint8_t> idat;
    size_t at = 8;
    std::vector<std::string> types;
    while (at + 12 <= png.size()) {
        const uint32_t length = read32(png, at);
        const std::string type(png.begin() + at + 4, png.begin() + at + 8);
        types.push_back(type);
        const uLong crc = crc32(0L, png.data() + at + 4, length + 4);
        EXPECT_EQ(read32(png, at + 8 + length), static_cast<uint32_t>(crc)) << type;
        if (type == "IHDR") {
            EXPECT_EQ(read32(png, at + 8), static_cast<uint32_t>(width));
            EXPECT_EQ(read32(png, at + 12), static_cast<uint32_t>(height));
        }
        if (type == "IDAT")
            idat.insert(idat.end(), png.begin() + at + 8, png.begin() + at + 8 + length);
        at += 12 + length;
    }
    EXPECT_EQ(at, png.size());
    EXPECT_EQ(types, (std::vector<std::string>{"IHDR", "IDAT", "IEND"}));
    std::vector<uint8_t> raw(static_cast<size_t>((width * 3 + 1) * height));
    uLongf rawSize = raw.size();
    ASSERT_EQ(uncompress(raw.data(), &rawSize, idat.data(), idat.size()), Z_OK);
    EXPECT_EQ(rawSize, raw.size());

    RasterCanvas canvas(width, height);
    drawPlot(twoSeries(), canvas, width, height);
    for (size_t k = 0; k < 2; ++k) {
        int hits = 0;
        for (int y = 0; y < height; ++y)
            for (int x = 0; x < width; ++x)
                hits += canvas.pixel(x, y) == seriesColor(k);
        EXPECT_GT(hits, 30) << "series " << k << " is not drawn";
    }
    // The decoded PNG holds the same pixels as the canvas (filter byte 0, then RGB).
    EXPECT_EQ(raw[0], 0);
    EXPECT_TRUE(
        std::equal(canvas.rgb().begin(), canvas.rgb().begin() + width * 3, raw.begin() + 1));
}

TEST(Plot, SvgHasOneMarkerPerFinitePointPlusLegend)
{
    const auto svg = renderSvg(twoSeries(), 400, 300);
    size_t circles = 0;
    for (size_t pos = svg.find("<circle"); pos != std::string::npos;
         pos = svg.find("<circle", pos + 1))
        ++circles;
    EXPECT_EQ(circles, 4u + 2u); // 3 + 1 finite points, 2 legend markers
    EXPECT_NE(svg.find(">elastic</text>"), std::string::npos);
    EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\""),
              std::string::npos);
    SvgCanvas canvas(10, 10);
    canvas.text(0, 0, "a<b & \"c\"", {}, TextAnchor::Start, 1);
    EXPECT_NE(canvas.finish().find(">a&lt;b &amp; &quot;c&quot;</text>"), std::string::npos);
}

TEST(Plot, ReportWritesSummaryAndOnePlotPerMeasuredMetric)
{
    SummaryRow full{"full", 1.0, 3, 10, 2.0, 1.0, 0.0, 1.0, NAN, 0, {}};
    SummaryRow elastic{"elastic", 0.5, 3, 10, 2.5, 0.8, 0.05, 0.9, NAN, 0, {}};
    const auto plots = metricPlots({full, elastic});
    ASSERT_EQ(plots.size(), 4u); // exact match was not measured
    EXPECT_EQ(plotStem(plots[0]), "ppl");
    EXPECT_EQ(plots[0].series.size(), 2u);
    const auto dir =
        std::filesystem::temp_directory_path() / ("ec_eval_report_" + std::to_string(::getpid()));
    const auto files = writeReport({full, elastic}, dir.string());
    EXPECT_EQ(files.size(), 2u + 2u * 4u);
    for (const auto &file : files)
        EXPECT_GT(std::filesystem::file_size(file), 0u) << file;
    EXPECT_TRUE(std::filesystem::exists(dir / "plot_rouge_l.png"));
    EXPECT_FALSE(std::filesystem::exists(dir / "plot_exact_match.png"));
    std::filesystem::remove_all(dir);
}
