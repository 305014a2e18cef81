// ec-make-tiny-model: writes a random-weight llava-hf checkpoint folder for tests and benchmarks.
#include "lab/tiny_model/tiny_model.h"

#include <CLI/CLI.hpp>
#include <iostream>

int main(int argc, char **argv)
{
    ec::tools::TinyModelSpec s;
    std::string out, names = "legacy";
    CLI::App app{"Write a random-weight llava-hf LLaVA checkpoint folder"};
    app.add_option("--out", out, "Folder to write")->required();
    app.add_option("--dtype", s.dtype, "F32, F16 or BF16")->capture_default_str();
    app.add_option("--shards", s.shards, "Number of safetensors shards")->capture_default_str();
    app.add_option("--names", names,
                   "Tensor names: legacy (llava-hf) or modern (transformers >= 4.52)")
        ->capture_default_str();
    app.add_option("--vision-layers", s.visionLayers)->capture_default_str();
    app.add_option("--vision-hidden", s.visionHidden)->capture_default_str();
    app.add_option("--vision-heads", s.visionHeads)->capture_default_str();
    app.add_option("--vision-intermediate", s.visionIntermediate)->capture_default_str();
    app.add_option("--image-size", s.imageSize)->capture_default_str();
    app.add_option("--patch-size", s.patchSize)->capture_default_str();
    app.add_option("--layers", s.textLayers, "Decoder layers")->capture_default_str();
    app.add_option("--hidden", s.textHidden, "Decoder hidden size")->capture_default_str();
    app.add_option("--heads", s.textHeads)->capture_default_str();
    app.add_option("--kv-heads", s.textKvHeads)->capture_default_str();
    app.add_option("--intermediate", s.textIntermediate)->capture_default_str();
    app.add_option("--vocab", s.vocabSize)->capture_default_str();
    app.add_option("--image-token", s.imageTokenId)->capture_default_str();
    app.add_option("--max-positions", s.maxPositions)->capture_default_str();
    app.add_option("--feature-layers", s.featureLayers, "vision_feature_layer (one or more)");
    app.add_option("--strategy", s.selectStrategy, "default or full")->capture_default_str();
    app.add_flag("--no-projector-bias{false}", s.projectorBias);
    app.add_flag("--tie-embeddings", s.tieWordEmbeddings);
    app.add_flag("--legacy-buffers", s.legacyBuffers, "Also write position_ids and inv_freq");
    app.add_option("--std", s.initStd, "Weight init standard deviation")->capture_default_str();
    app.add_option("--seed", s.seed)->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    try {
        if (names != "legacy" && names != "modern")
            throw std::invalid_argument("--names must be legacy or modern");
        s.names = names == "legacy" ? ec::engine::checkpoint::NameScheme::Legacy
                                    : ec::engine::checkpoint::NameScheme::Modern;
        ec::tools::writeTinyModel(out, s);
    } catch (const std::exception &e) {
        std::cerr << "ec-make-tiny-model: " << e.what() << "\n";
        return 1;
    }
    std::cout << "wrote " << out << "\n";
    return 0;
}
