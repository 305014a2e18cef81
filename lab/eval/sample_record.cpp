#include "lab/eval/sample_record.h"

#include <cstdio>
#include <stdexcept>

namespace ec::eval {

std::string budgetKey(double budget)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.4f", budget);
    return text;
}

std::string recordKey(const std::string &method, double budget, const std::string &sampleId)
{
    return method + "|" + budgetKey(budget) + "|" + sampleId;
}

std::string recordKey(const SampleRecord &record)
{
    return recordKey(record.method, record.budget, record.sampleId);
}

nlohmann::json recordToJson(const SampleRecord &r)
{
    nlohmann::json kinds = nlohmann::json::object();
    for (const auto &[kind, k] : r.kinds)
        kinds[kind] = {{"exact_hits", k.exactHits},
                       {"exact_turns", k.exactTurns},
                       {"answer_rouge_sum", k.answerRougeSum},
                       {"answer_rouge_turns", k.answerRougeTurns}};
    return {{"method", r.method},
            {"budget", r.budget},
            {"sample", r.sampleId},
            {"index", r.sampleIndex},
            {"nll_sum", r.nllSum},
            {"nll_tokens", r.nllTokens},
            {"kl_sum", r.klSum},
            {"top1_agree", r.top1Agreements},
            {"kl_positions", r.klPositions},
            {"rouge_sum", r.rougeSum},
            {"rouge_turns", r.rougeTurns},
            {"exact_hits", r.exactHits},
            {"exact_turns", r.exactTurns},
            {"kinds", kinds},
            {"turns", r.turns}};
}

namespace {

template <typename T> T field(const nlohmann::json &object, const char *name)
{
    auto it = object.find(name);
    if (it == object.end())
        throw std::invalid_argument(std::string("record has no field '") + name + "'");
    bool ok = std::is_same_v<T, std::string> ? it->is_string()
              : std::is_integral_v<T>        ? it->is_number_integer()
                                             : it->is_number();
    if (!ok)
        throw std::invalid_argument(std::string("record field '") + name + "' has type " +
                                    it->type_name());
    return it->get<T>();
}

} // namespace

SampleRecord recordFromJson(const nlohmann::json &o)
{
    if (!o.is_object())
        throw std::invalid_argument("a record must be a JSON object");
    SampleRecord r;
    r.method = field<std::string>(o, "method");
    r.budget = field<double>(o, "budget");
    r.sampleId = field<std::string>(o, "sample");
    r.sampleIndex = field<int64_t>(o, "index");
    r.nllSum = field<double>(o, "nll_sum");
    r.nllTokens = field<int64_t>(o, "nll_tokens");
    r.klSum = field<double>(o, "kl_sum");
    r.top1Agreements = field<int64_t>(o, "top1_agree");
    r.klPositions = field<int64_t>(o, "kl_positions");
    r.rougeSum = field<double>(o, "rouge_sum");
    r.rougeTurns = field<int64_t>(o, "rouge_turns");
    r.exactHits = field<int64_t>(o, "exact_hits");
    r.exactTurns = field<int64_t>(o, "exact_turns");
    if (auto it = o.find("kinds"); it != o.end()) { // absent in records from before kinds
        if (!it->is_object())
            throw std::invalid_argument(std::string("record field 'kinds' has type ") +
                                        it->type_name());
        for (const auto &[kind, k] : it->items()) {
            if (!k.is_object())
                throw std::invalid_argument("record field 'kinds." + kind + "' has type " +
                                            k.type_name());
            r.kinds[kind] = {field<int64_t>(k, "exact_hits"), field<int64_t>(k, "exact_turns"),
                             field<double>(k, "answer_rouge_sum"),
                             field<int64_t>(k, "answer_rouge_turns")};
        }
    }
    if (auto it = o.find("turns"); it != o.end())
        r.turns = *it;
    return r;
}

} // namespace ec::eval
