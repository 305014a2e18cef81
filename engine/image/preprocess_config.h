// The image processor settings of a checkpoint (HF preprocessor_config.json, CLIPImageProcessor
// / LlavaImageProcessor fields) plus original LLaVA's pad-to-square ("image_aspect_ratio": "pad").
#pragma once

#include "engine/image/pillow_resize.h"

#include <array>
#include <filesystem>
#include <string_view>

namespace ec::image {

struct PreprocessConfig
{
    bool doResize = true;
    int shortestEdge = 336; // resize the shorter side to this, keeping the aspect ratio
    int resizeWidth = 0;    // when both set (size: {height, width}): resize to exactly this
    int resizeHeight = 0;
    ResampleFilter resample = ResampleFilter::Bicubic;
    bool doCenterCrop = true;
    int cropWidth = 336;
    int cropHeight = 336;
    bool doRescale = true;
    double rescaleFactor = 0.00392156862745098;
    bool doNormalize = true;
    std::array<float, 3> mean{0.48145466f, 0.4578275f, 0.40821073f};
    std::array<float, 3> std{0.26862954f, 0.26130258f, 0.27577711f};
    bool padToSquare = false; // LLaVA expand2square with the mean colour, before resizing

    // The background of padToSquare: int(mean * 255) per channel, as LLaVA computes it.
    std::array<uint8_t, 3> padColor() const;

    // Throws std::runtime_error for malformed JSON or unsupported settings (e.g. resample 1).
    static PreprocessConfig fromJson(std::string_view json);
    // `dir`/preprocessor_config.json, with "image_aspect_ratio": "pad" from config.json turning
    // on padToSquare (original LLaVA). Defaults when the file is absent.
    static PreprocessConfig fromModelDirectory(const std::filesystem::path &dir);
};

} // namespace ec::image
