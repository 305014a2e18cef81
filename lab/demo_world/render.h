// Draws a scene with OpenCV: flat background, filled shapes without anti-aliasing (so every
// object pixel keeps its colour up to noise), then light Gaussian noise from the scene's seed.
#pragma once

#include "engine/image/rgb_image.h"
#include "lab/demo_world/scene.h"

#include <filesystem>

namespace ec::demo {

constexpr double kNoiseSigma = 3.0;

image::RgbImage renderScene(const Scene &scene, int size);
void writePng(const image::RgbImage &image, const std::filesystem::path &path);

} // namespace ec::demo
