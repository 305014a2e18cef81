#include "lab/demo_world/scene.h"

#include <algorithm>

namespace ec::demo {

uint64_t Rng::next()
{
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int Rng::below(int n)
{
    return static_cast<int>(next() % static_cast<uint64_t>(n));
}

double Rng::unit()
{
    return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0);
}

const std::vector<Colour> &objectColours()
{
    // Far apart in RGB so that light noise never moves a pixel to another colour.
    static const std::vector<Colour> colours{
        {"red", {220, 30, 30}},     {"green", {30, 170, 50}},   {"blue", {30, 70, 220}},
        {"yellow", {240, 210, 20}}, {"purple", {140, 40, 170}}, {"black", {20, 20, 20}},
    };
    return colours;
}

const std::vector<Colour> &backgroundColours()
{
    static const std::vector<Colour> colours{
        {"gray", {190, 190, 190}},
        {"beige", {230, 220, 190}},
        {"white", {250, 250, 250}},
        {"light blue", {195, 215, 240}},
    };
    return colours;
}

const std::vector<std::string> &shapeNames()
{
    static const std::vector<std::string> names{"circle", "square", "triangle", "star", "diamond"};
    return names;
}

const std::vector<std::string> &sizeNames()
{
    static const std::vector<std::string> names{"small", "large"};
    return names;
}

const std::vector<std::string> &cellNames()
{
    static const std::vector<std::string> names{"top left",    "top middle",    "top right",
                                                "middle left", "center",        "middle right",
                                                "bottom left", "bottom middle", "bottom right"};
    return names;
}

const Object *Scene::at(int cell) const
{
    for (const auto &o : objects)
        if (o.cell == cell)
            return &o;
    return nullptr;
}

int Scene::count(int colour, int shape) const
{
    return static_cast<int>(std::count_if(objects.begin(), objects.end(), [&](const Object &o) {
        return (colour < 0 || o.colour == colour) && (shape < 0 || o.shape == shape);
    }));
}

Scene randomScene(Rng &rng, int minObjects, int maxObjects)
{
    Scene scene;
    scene.background = rng.below(static_cast<int>(backgroundColours().size()));
    const int n = minObjects + rng.below(maxObjects - minObjects + 1);
    std::vector<int> cells{0, 1, 2, 3, 4, 5, 6, 7, 8};
    rng.shuffle(cells);
    for (int i = 0; i < n; ++i) {
        Object o;
        o.cell = cells[static_cast<size_t>(i)];
        o.shape = rng.below(static_cast<int>(shapeNames().size()));
        o.colour = rng.below(static_cast<int>(objectColours().size()));
        o.size = rng.below(2);
        o.dx = rng.below(5) - 2;
        o.dy = rng.below(5) - 2;
        scene.objects.push_back(o);
    }
    std::sort(scene.objects.begin(), scene.objects.end(),
              [](const Object &a, const Object &b) { return a.cell < b.cell; });
    scene.noiseSeed = rng.next();
    return scene;
}

} // namespace ec::demo
