#include "engine/image/preprocess_config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace ec::image {

namespace {

using nlohmann::json;

std::string readSmallFile(const std::filesystem::path &file)
{
    std::error_code ec;
    if (std::filesystem::file_size(file, ec) > (1u << 20) || ec)
        throw std::runtime_error(file.string() + ": missing or too large");
    std::ifstream in(file, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

int positive(const json &v, const char *what)
{
    int n = v.get<int>();
    if (n <= 0 || n > 16384)
        throw std::runtime_error(std::string("preprocessor_config.json: bad ") + what);
    return n;
}

} // namespace

std::array<uint8_t, 3> PreprocessConfig::padColor() const
{
    std::array<uint8_t, 3> c{};
    for (int i = 0; i < 3; ++i)
        c[i] = static_cast<uint8_t>(static_cast<int>(static_cast<double>(mean[i]) * 255));
    return c;
}

PreprocessConfig PreprocessConfig::fromJson(std::string_view text)
{
    PreprocessConfig c;
    try {
        json j = json::parse(text);
        c.doResize = j.value("do_resize", c.doResize);
        if (j.contains("size")) {
            const json &s = j["size"];
            if (s.is_number()) {
                c.shortestEdge = positive(s, "size");
            } else if (s.contains("shortest_edge")) {
                c.shortestEdge = positive(s["shortest_edge"], "size.shortest_edge");
            } else if (s.contains("height") && s.contains("width")) {
                c.resizeHeight = positive(s["height"], "size.height");
                c.resizeWidth = positive(s["width"], "size.width");
            } else {
                throw std::runtime_error("preprocessor_config.json: unsupported size");
            }
        }
        int resample = j.value("resample", 3);
        if (resample != 2 && resample != 3)
            throw std::runtime_error("preprocessor_config.json: resample " +
                                     std::to_string(resample) +
                                     " is not supported (bilinear 2 and bicubic 3 are)");
        c.resample = static_cast<ResampleFilter>(resample);
        c.doCenterCrop = j.value("do_center_crop", c.doCenterCrop);
        if (j.contains("crop_size")) {
            const json &s = j["crop_size"];
            if (s.is_number()) {
                c.cropWidth = c.cropHeight = positive(s, "crop_size");
            } else {
                c.cropHeight = positive(s.at("height"), "crop_size.height");
                c.cropWidth = positive(s.at("width"), "crop_size.width");
            }
        }
        c.doRescale = j.value("do_rescale", c.doRescale);
        c.rescaleFactor = j.value("rescale_factor", c.rescaleFactor);
        c.doNormalize = j.value("do_normalize", c.doNormalize);
        for (const char *key : {"image_mean", "image_std"}) {
            if (!j.contains(key))
                continue;
            auto v = j[key].get<std::vector<double>>();
            if (v.size() != 3)
                throw std::runtime_error(std::string("preprocessor_config.json: ") + key +
                                         " needs 3 values");
            auto &dst = std::string_view(key) == "image_mean" ? c.mean : c.std;
            for (int i = 0; i < 3; ++i)
                dst[i] = static_cast<float>(v[i]); // numpy: np.array(mean, dtype=float32)
        }
        for (float s : c.std) {
            if (!(s > 0.0f))
                throw std::runtime_error("preprocessor_config.json: image_std must be > 0");
        }
        c.padToSquare = j.value("do_pad", false);
    } catch (const json::exception &e) {
        throw std::runtime_error(std::string("malformed preprocessor_config.json: ") + e.what());
    }
    return c;
}

PreprocessConfig PreprocessConfig::fromModelDirectory(const std::filesystem::path &dir)
{
    PreprocessConfig c;
    auto pre = dir / "preprocessor_config.json";
    if (std::filesystem::exists(pre))
        c = fromJson(readSmallFile(pre));
    auto config = dir / "config.json";
    if (std::filesystem::exists(config)) {
        try {
            json j = json::parse(readSmallFile(config));
            if (j.value("image_aspect_ratio", std::string()) == "pad")
                c.padToSquare = true;
        } catch (const json::exception &e) {
            throw std::runtime_error(config.string() + ": malformed JSON: " + e.what());
        }
    }
    return c;
}

} // namespace ec::image
