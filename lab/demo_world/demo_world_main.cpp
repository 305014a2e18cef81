// ec-demo-world: writes the demo world's held-out set and a slice of its training stream.
//   ec-demo-world --out DIR [--seed N] [--train N] [--size PX] [--short N] [--descriptions N]
//                 [--followups N] [--earlier N]
// DIR/eval/single.json (short questions, descriptions), DIR/eval/multiturn.json,
// DIR/train.jsonl (one conversation a line) and the PNGs they name; DIR/corpus.txt is the
// text of all of it, one turn a line, for tokenizer training.
#include "lab/demo_world/world_set.h"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

int main(int argc, char **argv)
{
    CLI::App app{"Synthetic visual world of the demo model"};
    std::string out;
    uint64_t seed = 1;
    int train = 1000, size = 48; // 48: the planned demo model's image size
    ec::demo::HeldOutCounts counts;
    app.add_option("--out", out, "output folder")->required();
    app.add_option("--seed", seed, "world seed");
    app.add_option("--train", train, "training conversations to write");
    app.add_option("--size", size, "image side in pixels");
    app.add_option("--short", counts.shortQuestions, "held-out short questions");
    app.add_option("--descriptions", counts.descriptions, "held-out descriptions");
    app.add_option("--followups", counts.followUps, "held-out follow-up conversations");
    app.add_option("--earlier", counts.earlierImages, "held-out earlier-image conversations");
    CLI11_PARSE(app, argc, argv);
    try {
        const std::filesystem::path dir(out);
        std::filesystem::create_directories(dir / "eval");
        std::ofstream corpus(dir / "corpus.txt");
        auto addText = [&](const nlohmann::json &item) {
            if (item.contains("turns"))
                for (const auto &t : item["turns"])
                    corpus << t["question"].get<std::string>() << '\n'
                           << t["answer"].get<std::string>() << '\n';
            corpus << item["question"].get<std::string>() << '\n'
                   << item["answer"].get<std::string>() << '\n';
        };

        nlohmann::json single = nlohmann::json::array(), multi = nlohmann::json::array();
        const auto heldOut = ec::demo::heldOutSet(seed, counts);
        for (size_t i = 0; i < heldOut.size(); ++i) {
            auto item =
                ec::demo::writeItem(heldOut[i], "eval" + std::to_string(i), dir / "eval", size);
            (item.contains("turns") ? multi : single).push_back(item);
        }
        std::ofstream(dir / "eval" / "single.json") << single.dump(1) << '\n';
        std::ofstream(dir / "eval" / "multiturn.json") << multi.dump(1) << '\n';

        std::ofstream stream(dir / "train.jsonl");
        for (int i = 0; i < train; ++i) {
            auto item = ec::demo::writeItem(ec::demo::trainingItem(seed, static_cast<uint64_t>(i)),
                                            "train" + std::to_string(i), dir, size);
            stream << item.dump() << '\n';
            addText(item);
        }
        for (const auto &item : single)
            addText(item);
        std::cout << "wrote " << single.size() << " single and " << multi.size()
                  << " multi-turn held-out items, " << train << " training conversations to " << out
                  << '\n';
    } catch (const std::exception &e) {
        std::cerr << "ec-demo-world: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
