// Tokenizer::fromDirectory: a checkpoint folder's tokenizer files, as transformers combines them.
#include "engine/text/file_util.h"
#include "engine/text/tokenizer.h"
#include "engine/text/tokenizer_data.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace ec::text {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json readJsonIfPresent(const fs::path &file)
{
    if (!fs::exists(file))
        return json();
    try {
        return json::parse(readFileLimited(file, 64ull << 20, "tokenizer file"));
    } catch (const json::exception &e) {
        throw std::runtime_error(file.string() + ": malformed JSON: " + e.what());
    }
}

// "bos_token": "<s>" or {"content": "<s>", ...}
std::string tokenName(const json &config, const char *key)
{
    if (!config.is_object() || !config.contains(key))
        return {};
    const json &v = config[key];
    if (v.is_string())
        return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v["content"].is_string())
        return v["content"].get<std::string>();
    return {};
}

void applyConfig(const fs::path &dir, TokenizerData &d)
{
    // transformers' slow LlamaTokenizer splits its special tokens out of the text ("</s>" in a
    // llava_v1 prompt is EOS); sentencepiece alone would not.
    if (d.flavour == TextFlavour::SentencePiece) {
        for (int id : {d.bos, d.eos, d.unk}) {
            if (id >= 0)
                d.added.add({d.vocab.pieces[id], id, true, false, false});
        }
    }
    // added_tokens.json: {"<image>": 32000, "<pad>": 32001}
    json added = readJsonIfPresent(dir / "added_tokens.json");
    if (added.is_object()) {
        for (auto it = added.begin(); it != added.end(); ++it) {
            if (d.vocab.find(it.key()) < 0 || d.vocab.find(it.key()) != it.value().get<int>())
                d.addToken({it.key(), it.value().get<int>(), true, false, false});
        }
    }
    json config = readJsonIfPresent(dir / "tokenizer_config.json");
    if (config.is_object() && config.contains("added_tokens_decoder")) {
        for (auto it = config["added_tokens_decoder"].begin();
             it != config["added_tokens_decoder"].end(); ++it) {
            const json &t = it.value();
            AddedToken a{t.at("content").get<std::string>(), std::stoi(it.key()),
                         t.value("special", true), t.value("lstrip", false),
                         t.value("rstrip", false)};
            if (a.id >= d.vocab.size() || d.vocab.types[a.id] == PieceType::Normal)
                d.addToken(a);
        }
    }
    d.vocab.finish();
    if (!config.is_object())
        return;
    if (config.contains("add_bos_token") && config["add_bos_token"].is_boolean())
        d.addBos = config["add_bos_token"].get<bool>();
    auto idFor = [&](const char *key, int fallback) {
        std::string name = tokenName(config, key);
        if (name.empty())
            return fallback;
        for (const auto &t : d.added.tokens()) {
            if (t.content == name)
                return t.id;
        }
        int id = d.vocab.find(name);
        return id >= 0 ? id : fallback;
    };
    d.bos = idFor("bos_token", d.bos);
    d.eos = idFor("eos_token", d.eos);
    d.pad = idFor("pad_token", d.pad);
}

} // namespace

Tokenizer Tokenizer::fromDirectory(const fs::path &dir)
{
    std::shared_ptr<TokenizerData> d;
    fs::path json = dir / "tokenizer.json";
    fs::path model = dir / "tokenizer.model";
    try {
        if (fs::exists(json))
            d = buildFromTokenizerJson(readFileLimited(json, 256ull << 20, "tokenizer.json"));
        else if (fs::exists(model))
            d = buildFromSentencePiece(readFileLimited(model, 512ull << 20, "SentencePiece model"));
        else
            throw std::runtime_error("no tokenizer.json or tokenizer.model");
        applyConfig(dir, *d);
    } catch (const std::runtime_error &e) {
        throw std::runtime_error("cannot load the tokenizer of " + dir.string() + ": " + e.what());
    }
    return Tokenizer(d);
}

} // namespace ec::text
