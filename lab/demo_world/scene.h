// The synthetic visual world of the demo model: scenes of 1-8 objects on a 3x3 grid, drawn
// from a seed alone so that the training stream and the held-out set are reproducible.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace ec::demo {

// SplitMix64: the same numbers on every platform and standard library (std distributions
// are implementation-defined, which would break "deterministic by seed").
class Rng
{
public:
    explicit Rng(uint64_t seed)
        : state_(seed)
    {
    }
    uint64_t next();
    int below(int n); // uniform in [0, n)
    double unit();    // uniform in [0, 1)
    template <typename T> void shuffle(std::vector<T> &v)
    {
        for (size_t i = v.size(); i > 1; --i)
            std::swap(v[i - 1], v[static_cast<size_t>(below(static_cast<int>(i)))]);
    }

private:
    uint64_t state_;
};

struct Colour
{
    std::string name;
    std::array<uint8_t, 3> rgb;
};

const std::vector<Colour> &objectColours();
const std::vector<Colour> &backgroundColours();
const std::vector<std::string> &shapeNames();
const std::vector<std::string> &sizeNames(); // small, large
const std::vector<std::string> &cellNames(); // row-major 3x3: "top left" ... "bottom right"

struct Object
{
    int shape = 0;      // index into shapeNames()
    int colour = 0;     // index into objectColours()
    int size = 0;       // index into sizeNames()
    int cell = 0;       // 0..8, row-major
    int dx = 0, dy = 0; // small jitter of the centre inside the cell, in pixels
};

struct Scene
{
    int background = 0;
    std::vector<Object> objects; // sorted by cell
    uint64_t noiseSeed = 0;

    const Object *at(int cell) const;
    int count(int colour, int shape) const; // -1 = any
};

Scene randomScene(Rng &rng, int minObjects = 1, int maxObjects = 8);

} // namespace ec::demo
