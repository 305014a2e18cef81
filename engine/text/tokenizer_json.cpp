// Tokenizer from an HF tokenizers `tokenizer.json`: BPE or unigram models with byte fallback, the
// legacy LLaMA normaliser (Prepend + Replace) or the Metaspace pre-tokenizer, added tokens and
// the TemplateProcessing BOS.
#include "engine/text/file_util.h"
#include "engine/text/tokenizer.h"
#include "engine/text/tokenizer_data.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace ec::text {

namespace {

using nlohmann::json;

[[noreturn]] void unsupported(const std::string &what)
{
    throw std::runtime_error("tokenizer.json: " + what + " is not supported");
}

std::string typeOf(const json &j)
{
    return j.is_object() && j.contains("type") && j["type"].is_string()
               ? j["type"].get<std::string>()
               : std::string();
}

void readNormalizer(const json &n, TokenizerData &d)
{
    if (n.is_null())
        return;
    std::string type = typeOf(n);
    if (type == "Sequence") {
        for (const auto &step : n.at("normalizers"))
            readNormalizer(step, d);
    } else if (type == "Prepend") {
        d.hfSteps.push_back({HfStep::Prepend, n.at("prepend").get<std::string>(), {}});
    } else if (type == "Replace") {
        const json &pattern = n.at("pattern");
        if (!pattern.contains("String"))
            unsupported("a regex Replace normalizer");
        d.hfSteps.push_back({HfStep::Replace, pattern["String"].get<std::string>(),
                             n.at("content").get<std::string>()});
    } else {
        unsupported("the normalizer '" + type + "'");
    }
}

void readPreTokenizer(const json &p, TokenizerData &d)
{
    if (p.is_null())
        return;
    std::string type = typeOf(p);
    if (type == "Sequence") {
        for (const auto &step : p.at("pretokenizers"))
            readPreTokenizer(step, d);
    } else if (type == "Metaspace") {
        Metaspace m;
        m.replacement = p.value("replacement", m.replacement);
        if (p.contains("prepend_scheme")) {
            std::string s = p["prepend_scheme"].get<std::string>();
            m.scheme = s == "always"  ? Metaspace::Always
                       : s == "first" ? Metaspace::First
                       : s == "never" ? Metaspace::Never
                                      : (unsupported("prepend_scheme '" + s + "'"), m.scheme);
        } else { // before tokenizers 0.14: add_prefix_space, always splitting
            m.scheme = p.value("add_prefix_space", true) ? Metaspace::Always : Metaspace::Never;
        }
        m.split = p.value("split", true);
        d.metaspace = m;
    } else if (type == "ByteLevel") {
        unsupported("byte-level BPE (GPT-2/Qwen2 style)");
    } else {
        unsupported("the pre_tokenizer '" + type + "'");
    }
}

// Marks byte pieces, the unknown piece and special added tokens in a vocabulary read from JSON.
void classify(TokenizerData &d, const json &addedTokens, const std::string &unkPiece)
{
    for (int i = 0; i < d.vocab.size(); ++i) {
        if (d.byteFallback && bytePieceValue(d.vocab.pieces[i]) >= 0)
            d.vocab.types[i] = PieceType::Byte;
        else if (!unkPiece.empty() && d.vocab.pieces[i] == unkPiece)
            d.vocab.types[i] = PieceType::Unknown;
    }
    d.vocab.finish();
    d.unk = unkPiece.empty() ? -1 : d.vocab.find(unkPiece);
    if (!addedTokens.is_array())
        return;
    for (const auto &t : addedTokens) {
        AddedToken a;
        a.content = t.at("content").get<std::string>();
        a.id = t.at("id").get<int>();
        a.special = t.value("special", false);
        a.lstrip = t.value("lstrip", false);
        a.rstrip = t.value("rstrip", false);
        if (a.id < d.vocab.size() && d.vocab.types[a.id] != PieceType::Normal)
            d.added.add(a); // <unk>, bytes: keep their type, still matched in text
        else
            d.addToken(a);
    }
    d.vocab.finish();
}

void readBpe(const json &model, const json &addedTokens, TokenizerData &d)
{
    if (!model.value("continuing_subword_prefix", json()).is_null() ||
        !model.value("end_of_word_suffix", json()).is_null())
        unsupported("BPE with subword prefixes/suffixes");
    d.algorithm = Algorithm::HfBpe;
    d.kind = "tokenizer.json BPE";
    d.byteFallback = model.value("byte_fallback", false);
    d.fuseUnk = model.value("fuse_unk", false);
    const json &vocab = model.at("vocab");
    int maxId = -1;
    for (auto it = vocab.begin(); it != vocab.end(); ++it)
        maxId = std::max(maxId, it.value().get<int>());
    if (maxId >= (1 << 24))
        throw std::runtime_error("tokenizer.json: vocabulary ids are absurdly large");
    std::vector<std::string> pieces(maxId + 1);
    std::vector<bool> used(maxId + 1, false);
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
        int id = it.value().get<int>();
        if (id < 0)
            throw std::runtime_error("tokenizer.json: negative vocabulary id");
        pieces[id] = it.key();
        used[id] = true;
    }
    for (int i = 0; i <= maxId; ++i)
        d.vocab.add(pieces[i], 0.0f, used[i] ? PieceType::Normal : PieceType::Unused);
    std::string unk = model.value("unk_token", json()).is_string()
                          ? model["unk_token"].get<std::string>()
                          : std::string();
    classify(d, addedTokens, unk);
    const json &merges = model.at("merges");
    d.merges.reserve(merges.size() * 2);
    int rank = 0;
    for (const auto &m : merges) {
        std::string left, right;
        if (m.is_string()) {
            std::string s = m.get<std::string>();
            size_t space = s.find(' ');
            if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
                throw std::runtime_error("tokenizer.json: bad merge '" + s + "'");
            left = s.substr(0, space);
            right = s.substr(space + 1);
        } else {
            left = m.at(0).get<std::string>();
            right = m.at(1).get<std::string>();
        }
        int l = d.vocab.find(left), r = d.vocab.find(right), merged = d.vocab.find(left + right);
        if (l < 0 || r < 0 || merged < 0)
            throw std::runtime_error("tokenizer.json: merge '" + left + " " + right +
                                     "' uses a piece missing from the vocabulary");
        d.merges.emplace(mergeKey(l, r), std::make_pair(rank++, merged));
    }
}

void readUnigram(const json &model, const json &addedTokens, TokenizerData &d)
{
    d.algorithm = Algorithm::Unigram;
    d.kind = "tokenizer.json unigram";
    d.byteFallback = model.value("byte_fallback", false);
    for (const auto &entry : model.at("vocab"))
        d.vocab.add(entry.at(0).get<std::string>(), entry.at(1).get<float>(), PieceType::Normal);
    int unkId = model.value("unk_id", json()).is_number() ? model["unk_id"].get<int>() : -1;
    std::string unk = unkId >= 0 && unkId < d.vocab.size() ? d.vocab.pieces[unkId] : "";
    classify(d, addedTokens, unk);
    d.unigram = UnigramModel(d.vocab, d.unk);
}

void readPostProcessor(const json &p, TokenizerData &d)
{
    d.addBos = false;
    if (typeOf(p) != "TemplateProcessing")
        return;
    const json &single = p.at("single");
    if (single.empty() || !single[0].contains("SpecialToken"))
        return;
    std::string name = single[0]["SpecialToken"].at("id").get<std::string>();
    const json &ids = p.at("special_tokens").at(name).at("ids");
    if (!ids.empty()) {
        d.bos = ids[0].get<int>();
        d.addBos = true;
    }
}

} // namespace

std::shared_ptr<TokenizerData> buildFromTokenizerJson(std::string_view text)
{
    auto d = std::make_shared<TokenizerData>();
    try {
        json j = json::parse(text);
        const json &model = j.at("model");
        std::string type = typeOf(model);
        if (type.empty() && model.contains("merges"))
            type = "BPE"; // old files omit the type
        const json added = j.value("added_tokens", json::array());
        if (type == "BPE")
            readBpe(model, added, *d);
        else if (type == "Unigram")
            readUnigram(model, added, *d);
        else
            unsupported("the model type '" + type + "'");
        d->flavour = TextFlavour::HfSteps;
        readNormalizer(j.value("normalizer", json()), *d);
        readPreTokenizer(j.value("pre_tokenizer", json()), *d);
        if (typeOf(j.value("decoder", json())) == "ByteLevel")
            unsupported("the ByteLevel decoder");
        if (d->bos < 0)
            d->bos = d->vocab.find("<s>");
        readPostProcessor(j.value("post_processor", json()), *d);
        d->eos = d->vocab.find("</s>");
        d->pad = d->vocab.find("<pad>");
        bool prepends = d->metaspace && d->metaspace->scheme != Metaspace::Never;
        for (const auto &s : d->hfSteps)
            prepends = prepends || s.kind == HfStep::Prepend;
        d->stripLeadingSpaceOnDecode = prepends;
    } catch (const json::exception &e) {
        throw std::runtime_error(std::string("malformed tokenizer.json: ") + e.what());
    }
    return d;
}

Tokenizer Tokenizer::fromTokenizerJsonText(std::string_view json)
{
    return Tokenizer(buildFromTokenizerJson(json));
}

Tokenizer Tokenizer::fromTokenizerJson(const std::filesystem::path &file)
{
    std::string text = readFileLimited(file, 256ull << 20, "tokenizer.json");
    try {
        return fromTokenizerJsonText(text);
    } catch (const std::runtime_error &e) {
        throw std::runtime_error(file.string() + ": " + e.what());
    }
}

} // namespace ec::text
