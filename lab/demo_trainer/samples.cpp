#include "lab/demo_trainer/samples.h"

#include "engine/image/clip_preprocess.h"
#include "engine/image/pixel_tensor.h"
#include "lab/demo_world/render.h"

#include <ATen/ATen.h>
#include <cctype>
#include <sstream>

namespace ec::demo {

std::vector<int64_t> userTurnIds(const Turn &turn, const SampleFormat &f, bool first)
{
    std::string text = "USER: ";
    if (turn.image >= 0)
        text += "<image>\n";
    text += turn.question + " ASSISTANT:";
    std::vector<int64_t> ids;
    for (int id : f.tokenizer->encode(text, first)) {
        if (id == f.imageTokenId)
            ids.insert(ids.end(), static_cast<size_t>(f.tokensPerImage), f.imageTokenId);
        else
            ids.push_back(id);
    }
    return ids;
}

at::Tensor scenePixels(const Scene &scene, const SampleFormat &f)
{
    return image::pixelValuesTensor(
        {image::preprocessImage(renderScene(scene, f.renderSize), f.preprocess)});
}

at::Tensor cellLabels(const Scene &scene)
{
    at::Tensor labels = at::zeros({9, 3}, at::kLong);
    auto a = labels.accessor<int64_t, 2>();
    for (const auto &o : scene.objects) {
        a[o.cell][0] = o.shape + 1;
        a[o.cell][1] = o.size + 1;
        a[o.cell][2] = o.colour + 1;
    }
    return labels;
}

std::array<int64_t, 2> askedContent(const std::string &question)
{
    std::string text;
    for (char ch : question)
        text += std::isalpha(static_cast<unsigned char>(ch))
                    ? static_cast<char>(std::tolower(static_cast<unsigned char>(ch)))
                    : ' ';
    std::array<int64_t, 2> asked{};
    std::istringstream words(text);
    for (std::string word; words >> word;) {
        for (size_t c = 0; c < objectColours().size(); ++c)
            if (word == objectColours()[c].name)
                asked[0] = static_cast<int64_t>(c) + 1;
        for (size_t s = 0; s < shapeNames().size(); ++s)
            if (word == shapeNames()[s] || word == shapeNames()[s] + "s")
                asked[1] = static_cast<int64_t>(s) + 1;
    }
    return asked;
}

Sample encodeConversation(const Conversation &c, const SampleFormat &f, size_t turns)
{
    Sample s;
    std::vector<at::Tensor> images, cells;
    for (size_t t = 0; t < turns && t < c.turns.size(); ++t) {
        const Turn &turn = c.turns[t];
        const auto prompt = userTurnIds(turn, f, t == 0);
        s.ids.insert(s.ids.end(), prompt.begin(), prompt.end());
        s.labels.insert(s.labels.end(), prompt.size(), kIgnoreLabel);
        s.askedColour.insert(s.askedColour.end(), prompt.size(), kIgnoreLabel);
        s.askedShape.insert(s.askedShape.end(), prompt.size(), kIgnoreLabel);
        if (turn.image >= 0) {
            const Scene &scene = c.scenes[static_cast<size_t>(turn.image)];
            images.push_back(scenePixels(scene, f));
            cells.push_back(cellLabels(scene));
        }
        const auto answer = f.tokenizer->encode(turn.answer, false);
        s.labels.back() = answer.empty() ? f.eosId : answer[0];
        const auto asked = askedContent(turn.question);
        const bool names = asked[0] > 0 || asked[1] > 0;
        s.askedColour.back() = names ? asked[0] : kIgnoreLabel;
        s.askedShape.back() = names ? asked[1] : kIgnoreLabel;
        for (size_t j = 0; j < answer.size(); ++j) {
            s.ids.push_back(answer[j]);
            s.labels.push_back(j + 1 < answer.size() ? answer[j + 1] : f.eosId);
            s.askedColour.push_back(s.askedColour.back());
            s.askedShape.push_back(s.askedShape.back());
        }
    }
    if (!images.empty()) {
        s.pixels = at::cat(images, 0);
        s.cells = at::stack(cells, 0);
    }
    return s;
}

Sample evaluationPrompt(const Conversation &c, const SampleFormat &f)
{
    Sample s = encodeConversation(c, f, c.turns.size() - 1);
    const Turn &last = c.turns.back();
    const auto prompt = userTurnIds(last, f, c.turns.size() == 1);
    s.ids.insert(s.ids.end(), prompt.begin(), prompt.end());
    s.labels.insert(s.labels.end(), prompt.size(), kIgnoreLabel);
    s.askedColour.insert(s.askedColour.end(), prompt.size(), kIgnoreLabel);
    s.askedShape.insert(s.askedShape.end(), prompt.size(), kIgnoreLabel);
    if (last.image >= 0) {
        const Scene &scene = c.scenes[static_cast<size_t>(last.image)];
        at::Tensor px = scenePixels(scene, f);
        at::Tensor cells = cellLabels(scene).unsqueeze(0);
        s.pixels = s.pixels.defined() ? at::cat({s.pixels, px}, 0) : px;
        s.cells = s.cells.defined() ? at::cat({s.cells, cells}, 0) : cells;
    }
    return s;
}

Batch collate(const std::vector<Sample> &samples)
{
    Batch batch;
    std::vector<int64_t> ids, labels, colour, shape;
    std::vector<at::Tensor> images, cells;
    for (const auto &s : samples) {
        ids.insert(ids.end(), s.ids.begin(), s.ids.end());
        labels.insert(labels.end(), s.labels.begin(), s.labels.end());
        colour.insert(colour.end(), s.askedColour.begin(), s.askedColour.end());
        shape.insert(shape.end(), s.askedShape.begin(), s.askedShape.end());
        batch.lengths.push_back(static_cast<int64_t>(s.ids.size()));
        if (s.pixels.defined()) {
            images.push_back(s.pixels);
            cells.push_back(s.cells);
        }
    }
    batch.ids = at::tensor(ids, at::kLong);
    batch.labels = at::tensor(labels, at::kLong);
    batch.askedColour = at::tensor(colour, at::kLong);
    batch.askedShape = at::tensor(shape, at::kLong);
    if (!images.empty()) {
        batch.pixels = at::cat(images, 0);
        batch.cells = at::cat(cells, 0);
    }
    return batch;
}

} // namespace ec::demo
