#include "lab/eval/dataset.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace ec::eval {

namespace {

using nlohmann::json;

class SampleContext
{
public:
    SampleContext(const std::string &source, int64_t index, std::string id)
        : source_(source)
        , index_(index)
        , id_(std::move(id))
    {
    }
    void setId(std::string id) { id_ = std::move(id); }

    [[noreturn]] void fail(const std::string &what) const
    {
        std::ostringstream out;
        out << source_ << ": sample " << index_;
        if (!id_.empty())
            out << " (id '" << id_ << "')";
        out << ": " << what;
        throw DatasetError(out.str());
    }

    std::string text(const json &object, const std::string &field, const std::string &where,
                     bool allowEmpty = false) const
    {
        auto it = object.find(field);
        if (it == object.end())
            fail(where + "missing field '" + field + "'");
        if (!it->is_string())
            fail(where + "field '" + field + "' must be a string, not " + it->type_name());
        auto value = it->get<std::string>();
        if (!allowEmpty && value.empty())
            fail(where + "field '" + field + "' is empty");
        return value;
    }

private:
    const std::string &source_;
    int64_t index_;
    std::string id_;
};

std::string resolveImage(const std::string &path, const std::string &root)
{
    if (root.empty() || path.empty() || std::filesystem::path(path).is_absolute())
        return path;
    return (std::filesystem::path(root) / path).lexically_normal().string();
}

// "kind" is optional on every turn; null reads as absent.
std::string optionalKind(const SampleContext &context, const json &object, const std::string &where)
{
    if (!object.contains("kind") || object["kind"].is_null())
        return {};
    return context.text(object, "kind", where, /*allowEmpty=*/true);
}

std::string idOf(const json &item, int64_t index)
{
    auto it = item.find("id");
    if (it != item.end() && it->is_string())
        return it->get<std::string>();
    if (it != item.end() && it->is_number_integer())
        return std::to_string(it->get<int64_t>());
    return std::to_string(index);
}

EvalSample mmVetSample(const json &item, int64_t index, std::string id, const std::string &source,
                       const std::string &root)
{
    SampleContext context(source, index, id);
    if (!item.is_object())
        context.fail(std::string("expected an object, found ") + item.type_name());
    EvalTurn turn;
    // MM-Vet's own file says "imagename"; the authors' pre-processed form says "image".
    const char *imageField =
        item.contains("imagename") && !item.contains("image") ? "imagename" : "image";
    turn.images.push_back(resolveImage(context.text(item, imageField, ""), root));
    turn.question = context.text(item, "question", "");
    turn.answer = context.text(item, "answer", "", /*allowEmpty=*/true);
    turn.kind = optionalKind(context, item, "");
    return {std::move(id), index, {std::move(turn)}};
}

// One turn of the multi-turn form; also reads the final turn from a sample's top level.
EvalTurn multiTurnTurn(const SampleContext &context, const json &object, const std::string &where,
                       const std::string &root)
{
    EvalTurn turn;
    const bool one = object.contains("image"), many = object.contains("images");
    if (one && many)
        context.fail(where + "give either 'image' (one path) or 'images' (a list of paths), "
                             "not both");
    if (one)
        turn.images.push_back(resolveImage(context.text(object, "image", where), root));
    if (many) {
        const json &images = object["images"];
        if (!images.is_array())
            context.fail(where + "field 'images' must be an array of paths");
        for (size_t k = 0; k < images.size(); ++k) {
            if (!images[k].is_string() || images[k].get<std::string>().empty())
                context.fail(where + "images[" + std::to_string(k) +
                             "] must be a non-empty string");
            turn.images.push_back(resolveImage(images[k].get<std::string>(), root));
        }
    }
    turn.question = context.text(object, "question", where);
    if (object.contains("answer") && !object["answer"].is_null())
        turn.answer = context.text(object, "answer", where, /*allowEmpty=*/true);
    turn.kind = optionalKind(context, object, where);
    return turn;
}

EvalSample multiTurnSample(const json &item, int64_t index, const std::string &source,
                           const std::string &root)
{
    SampleContext context(source, index, {});
    if (!item.is_object())
        context.fail(std::string("expected an object, found ") + item.type_name());
    std::string id = idOf(item, index);
    context.setId(id);
    auto turns = item.find("turns");
    if (turns == item.end() || !turns->is_array())
        context.fail("field 'turns' must be an array of turns");
    // A top-level question is the final turn, asked after all of "turns".
    const bool finalTurn = item.contains("question");
    if (!finalTurn)
        for (const char *field : {"answer", "kind", "image", "images"})
            if (item.contains(field))
                context.fail(std::string("field '") + field +
                             "' needs a top-level 'question' (the final turn)");
    if (turns->empty() && !finalTurn)
        context.fail("field 'turns' is empty");
    EvalSample sample{id, index, {}};
    for (size_t t = 0; t < turns->size(); ++t) {
        const json &turnJson = (*turns)[t];
        const std::string where = "turn " + std::to_string(t) + ": ";
        if (!turnJson.is_object())
            context.fail(where + "expected an object, found " + turnJson.type_name());
        sample.turns.push_back(multiTurnTurn(context, turnJson, where, root));
    }
    if (finalTurn)
        sample.turns.push_back(multiTurnTurn(context, item, "", root));
    return sample;
}

} // namespace

DatasetFormat parseDatasetFormat(const std::string &name)
{
    if (name == "auto")
        return DatasetFormat::Auto;
    if (name == "mmvet")
        return DatasetFormat::MmVet;
    if (name == "multiturn")
        return DatasetFormat::MultiTurn;
    throw DatasetError("unknown dataset format '" + name + "' (auto, mmvet or multiturn)");
}

const char *datasetFormatName(DatasetFormat format)
{
    switch (format) {
    case DatasetFormat::MmVet:
        return "mmvet";
    case DatasetFormat::MultiTurn:
        return "multiturn";
    case DatasetFormat::Auto:
        break;
    }
    return "auto";
}

Dataset parseDataset(const json &document, DatasetFormat format, const std::string &source,
                     const std::string &imageRoot)
{
    Dataset dataset{source, format, {}};
    if (document.is_object() && format != DatasetFormat::MultiTurn) {
        // MM-Vet's own layout: sample id -> fields.
        dataset.format = DatasetFormat::MmVet;
        int64_t index = 0;
        for (const auto &[key, item] : document.items()) {
            dataset.samples.push_back(mmVetSample(item, index, key, source, imageRoot));
            ++index;
        }
    } else if (document.is_array()) {
        if (format == DatasetFormat::Auto) {
            bool turns =
                !document.empty() && document[0].is_object() && document[0].contains("turns");
            dataset.format = turns ? DatasetFormat::MultiTurn : DatasetFormat::MmVet;
        }
        for (size_t i = 0; i < document.size(); ++i) {
            const auto index = static_cast<int64_t>(i);
            dataset.samples.push_back(
                dataset.format == DatasetFormat::MultiTurn
                    ? multiTurnSample(document[i], index, source, imageRoot)
                    : mmVetSample(document[i], index, idOf(document[i], index), source, imageRoot));
        }
    } else {
        throw DatasetError(source + ": the top level must be an array of samples" +
                           (format == DatasetFormat::MultiTurn ? "" : " or an MM-Vet object") +
                           ", not " + document.type_name());
    }
    if (dataset.samples.empty())
        throw DatasetError(source + ": the dataset has no samples");
    std::set<std::string> ids;
    for (const auto &sample : dataset.samples)
        if (!ids.insert(sample.id).second)
            throw DatasetError(source + ": sample " + std::to_string(sample.index) +
                               ": duplicate id '" + sample.id + "'");
    return dataset;
}

Dataset readDataset(const std::string &path, DatasetFormat format)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw DatasetError(path + ": cannot open the dataset file");
    json document;
    try {
        document = json::parse(in);
    } catch (const json::parse_error &e) {
        throw DatasetError(path + ": not valid JSON (byte " + std::to_string(e.byte) +
                           "): " + e.what());
    }
    const auto root = std::filesystem::path(path).parent_path().string();
    return parseDataset(document, format, path, root.empty() ? "." : root);
}

} // namespace ec::eval
