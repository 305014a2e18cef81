// elastic-cli tokenize / detokenize / preprocess: inspect what the model would see.
#include "app/cli/commands.h"
#include "engine/image/clip_preprocess.h"
#include "engine/image/image_decode.h"
#include "engine/image/safetensors_minimal_writer.h"
#include "engine/text/tokenizer.h"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>

namespace ec::cli {

namespace {

struct TokenizeOptions
{
    std::string model;
    std::string text;
    std::string file;
    bool noBos = false;
    bool pieces = false;
};

// Pieces with their control characters escaped, so one line stays one line.
std::string printable(const std::string &piece)
{
    std::string out;
    for (char c : piece) {
        if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else if (c == '\r')
            out += "\\r";
        else
            out += c;
    }
    return out;
}

void printTokens(const text::Tokenizer &tok, const std::string &line, const TokenizeOptions &o)
{
    std::vector<int> ids = tok.encode(line, !o.noBos);
    for (size_t i = 0; i < ids.size(); ++i)
        std::cout << (i ? " " : "") << ids[i];
    std::cout << "\n";
    if (o.pieces) {
        auto pieces = tok.pieces(ids);
        for (size_t i = 0; i < pieces.size(); ++i)
            std::cout << (i ? " " : "") << printable(pieces[i]);
        std::cout << "\n";
    }
}

void runTokenize(const TokenizeOptions &o)
{
    auto tok = text::Tokenizer::fromDirectory(o.model);
    if (o.file.empty()) {
        printTokens(tok, o.text, o);
        return;
    }
    std::ifstream in(o.file, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + o.file);
    std::string line;
    while (std::getline(in, line))
        printTokens(tok, line, o);
}

void runDetokenize(const std::string &model, const std::vector<int> &ids, bool keepSpecial)
{
    auto tok = text::Tokenizer::fromDirectory(model);
    std::cout << tok.decode(ids, !keepSpecial) << "\n";
}

void runPreprocess(const std::string &model, const std::string &imagePath, const std::string &out)
{
    auto config = image::PreprocessConfig::fromModelDirectory(model);
    image::RgbImage img = image::loadImage(imagePath);
    image::PixelValues pv = image::preprocessImage(img, config);
    image::writeSafetensorsF32(out, {{"pixel_values", {1, 3, pv.height, pv.width}, pv.chw}});
    std::cout << "pixel_values f32 [1, 3, " << pv.height << ", " << pv.width << "] from "
              << img.width << "x" << img.height << (config.padToSquare ? " (padded to square)" : "")
              << " -> " << out << "\n";
}

} // namespace

void addTextCommands(CLI::App &app)
{
    auto tokenize = std::make_shared<TokenizeOptions>();
    auto *t = app.add_subcommand("tokenize", "Print the token ids of TEXT (with --pieces also the "
                                             "pieces, on a second line)");
    t->add_option("--model", tokenize->model,
                  "Checkpoint folder (tokenizer.json or "
                  "tokenizer.model)")
        ->required();
    t->add_flag("--no-bos", tokenize->noBos, "Do not start with the beginning-of-sequence id");
    t->add_flag("--pieces", tokenize->pieces, "Also print the pieces");
    t->add_option("--file", tokenize->file,
                  "Tokenize each line of this file: one line of ids "
                  "per line");
    t->add_option("text", tokenize->text, "Text to tokenize");
    t->callback([tokenize] {
        if (tokenize->file.empty() && tokenize->text.empty())
            throw CLI::ValidationError("tokenize", "give TEXT or --file");
        runTokenize(*tokenize);
    });

    auto model = std::make_shared<std::string>();
    auto ids = std::make_shared<std::vector<int>>();
    auto keep = std::make_shared<bool>(false);
    auto *d = app.add_subcommand("detokenize", "Print the text of token ids");
    d->add_option("--model", *model, "Checkpoint folder")->required();
    d->add_flag("--keep-special", *keep, "Print special tokens such as </s> instead of skipping");
    d->add_option("ids", *ids, "Token ids")->required();
    d->callback([model, ids, keep] { runDetokenize(*model, *ids, *keep); });

    auto pModel = std::make_shared<std::string>();
    auto pImage = std::make_shared<std::string>();
    auto pOut = std::make_shared<std::string>();
    auto *p = app.add_subcommand("preprocess", "Write the pixel tensor the model would see "
                                               "(pixel_values, f32 [1,3,H,W]) as safetensors");
    p->add_option("--model", *pModel, "Checkpoint folder (preprocessor_config.json)")->required();
    p->add_option("--image", *pImage, "Image file")->required();
    p->add_option("--out", *pOut, "Output .safetensors file")->required();
    p->callback([pModel, pImage, pOut] { runPreprocess(*pModel, *pImage, *pOut); });
}

} // namespace ec::cli
