// Evaluation datasets: the MM-Vet JSON form the paper's scripts read and a multi-turn form.
//
// MM-Vet form: an array of {"image": path, "question": text, "answer": text, "kind"?: text}
// (extra fields such as "id" or "capability" are allowed), or MM-Vet's own object {"v1_0":
// {"imagename": ..., "question": ..., "answer": ...}, ...} whose keys become the sample ids.
// Multi-turn form: an array of {"id"?: text, "turns": [turn, ...]} where a turn is
// {"image"?: path | "images"?: [paths], "question": text, "answer"?: text, "kind"?: text}
// (not both "image" and "images"); each turn is prefilled on top of the (compacted) conversation
// so far. A sample may also carry the fields of a turn at its top level ("question" required
// then): that is the final turn, asked after all of "turns" (which may then be empty), as the
// demo world's held-out files (lab/demo_world) write it.
// "kind" names the kind of question ("short", "description", "followup", ...); the summary
// reports exact match and ROUGE-L against the answer per kind.
// Relative image paths are resolved against the dataset file's folder.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ec::eval {

struct EvalTurn
{
    std::vector<std::string> images;
    std::string question;
    std::optional<std::string> answer;
    std::string kind; // empty when the dataset gives none
};

struct EvalSample
{
    std::string id;
    int64_t index = 0; // position in the file; shards and merged outputs are ordered by it
    std::vector<EvalTurn> turns;
};

enum class DatasetFormat { Auto, MmVet, MultiTurn };

struct Dataset
{
    std::string source;
    DatasetFormat format = DatasetFormat::Auto;
    std::vector<EvalSample> samples;
};

// Every problem names the file, the sample (index and id) and the field.
class DatasetError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

DatasetFormat parseDatasetFormat(const std::string &name); // auto, mmvet, multiturn
const char *datasetFormatName(DatasetFormat format);

// Auto picks the multi-turn form when the first sample has "turns". `imageRoot` is prefixed to
// relative image paths (empty: leave them as they are).
Dataset parseDataset(const nlohmann::json &document, DatasetFormat format,
                     const std::string &source, const std::string &imageRoot = {});
Dataset readDataset(const std::string &path, DatasetFormat format = DatasetFormat::Auto);

} // namespace ec::eval
