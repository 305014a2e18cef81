// ec-train-demo: trains the demo LLaVA model on the demo world and writes an engine checkpoint.
//   ec-train-demo --out RUN --tokenizer TOKDIR [--seed N] [--steps N] [--batch N] [--resume]
// RUN/model is the checkpoint (elastic-cli chat --model RUN/model), RUN/state what --resume
// continues from. See docs/demo-model.md for the sizes and the command of the real run.
#include "lab/demo_trainer/trainer.h"

#include <ATen/Parallel.h>
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

int main(int argc, char **argv)
{
    CLI::App app{"Train the demo LLaVA model on the synthetic world"};
    ec::demo::TrainerOptions o;
    std::string out, tokenizer, growFrom, initFrom;
    bool resume = false, evalOnly = false;
    int threads = 0;
    auto &s = o.spec;
    // The planned demo size (docs/demo-model.md): ~1.0 M parameters, 4 MB in f32.
    s.visionLayers = 3, s.visionHidden = 64, s.visionHeads = 4, s.visionIntermediate = 172;
    s.imageSize = 48, s.patchSize = 8;
    s.textLayers = 4, s.textHidden = 128, s.textHeads = 4, s.textKvHeads = 2;
    s.textIntermediate = 344, s.maxPositions = 2048;
    app.add_option("--out", out, "run folder (model/ and state/)")->required();
    app.add_option("--tokenizer", tokenizer, "folder of tokenizer.model/.json")->required();
    app.add_option("--seed", o.seed, "world and initialisation seed");
    app.add_option("--steps", o.steps, "optimizer steps in all");
    app.add_option("--batch", o.batch, "conversations per step");
    app.add_option("--lr", o.lr, "peak learning rate");
    app.add_option("--warmup", o.warmup, "linear warmup steps");
    app.add_option("--eval-every", o.evalEvery, "steps between held-out evaluations");
    app.add_option("--eval-items", o.evalItems, "held-out short questions per evaluation");
    app.add_option("--save-every", o.saveEvery, "steps between checkpoints");
    app.add_option("--repeat-items", o.repeatItems, "cycle over the first N items (debugging)");
    app.add_option("--perception-weight", o.perceptionWeight,
                   "weight of the per-cell perception loss on the image features (0: off)");
    app.add_option("--long-every", o.longEvery,
                   "every Nth step trains on long four-image conversations (0: never)");
    app.add_option("--quiz-every", o.quizEvery,
                   "every Nth step that is not long, reading, listing, search or existence trains "
                   "on question drills (0: never)");
    app.add_option("--reading-every", o.readingEvery,
                   "every Nth step that is not long trains on reading drills: described images "
                   "and questions whose answers the descriptions hold (0: never; it comes before "
                   "--quiz-every)");
    app.add_option("--listing-every", o.listingEvery,
                   "every Nth step that is neither long nor reading trains on listing drills: "
                   "questions answered by the cells whose object has a colour, a shape or both "
                   "(0: never; it comes before --search-every)");
    using ec::demo::ListingKey;
    const std::map<std::string, ListingKey> listingKeys{{"any", ListingKey::Any},
                                                        {"colour", ListingKey::Colour},
                                                        {"shape", ListingKey::Shape},
                                                        {"both", ListingKey::Both}};
    app.add_option("--listing-key", o.listing.key,
                   "what listing drills search by: any (a third each), colour, shape or both")
        ->transform(CLI::CheckedTransformer(listingKeys));
    app.add_flag("--listing-echo", o.listing.echo,
                 "listing answers first repeat what they search for (\"red objects: top left\")");
    app.add_option("--search-every", o.searchEvery,
                   "every Nth step that is not long, reading or listing trains on search drills: "
                   "question drills that only search or count by colour and shape (0: never; it "
                   "comes before --quiz-every)");
    app.add_option("--exists-every", o.existsEvery,
                   "every Nth step that is not long, reading, listing or search trains on "
                   "existence drills: \"Is there a COLOUR SHAPE?\", whose no answers name a colour "
                   "and a shape that are both in the scene on different objects (0: never; it "
                   "comes before --quiz-every)");
    app.add_option("--quiz-objects", o.quizObjects, "drill scenes hold 1..N objects (1-8)")
        ->check(CLI::Range(1, 8));
    app.add_flag("--position-head", o.positionHead,
                 "the perception loss also reads each image token's grid cell");
    app.add_flag("--patch-content", o.patchContent,
                 "the perception loss also reads each image token's object (shape, size, colour) "
                 "from that token alone");
    app.add_flag("--colour-words", o.colourWords,
                 "the perception loss reads colour against the decoder's embeddings of the colour "
                 "names (held fixed), not a head of its own");
    app.add_option("--asked-head", o.askedLayer,
                   "at the positions that predict an answer, read the colour and the shape the "
                   "question names from the input of this decoder layer (1..layers; -1: off)");
    app.add_option("--device", o.device, "auto | cpu | cuda");
    app.add_option("--dtype", o.dtype, "f32 | bf16 (compute dtype)");
    app.add_option("--threads", threads, "CPU threads (0: torch's default)");
    app.add_option("--vision-layers", s.visionLayers);
    app.add_option("--vision-hidden", s.visionHidden);
    app.add_option("--vision-heads", s.visionHeads);
    app.add_option("--vision-intermediate", s.visionIntermediate);
    app.add_option("--image-size", s.imageSize);
    app.add_option("--patch-size", s.patchSize);
    app.add_option("--text-layers", s.textLayers);
    app.add_option("--text-hidden", s.textHidden);
    app.add_option("--text-heads", s.textHeads);
    app.add_option("--text-kv-heads", s.textKvHeads);
    app.add_option("--text-intermediate", s.textIntermediate);
    auto *resumeFlag = app.add_flag("--resume", resume, "continue from RUN/state");
    auto *growOption =
        app.add_option("--grow-from", growFrom,
                       "start from another run's state folder with fewer decoder blocks "
                       "(--text-layers): added blocks begin as copies that add nothing")
            ->excludes(resumeFlag);
    app.add_option("--init-from", initFrom,
                   "start from a model folder this trainer wrote, of the same sizes, with fresh "
                   "perception heads and optimizer")
        ->excludes(resumeFlag)
        ->excludes(growOption);
    app.add_flag("--eval-only", evalOnly, "evaluate RUN/state and exit");
    app.add_flag("!--no-progress", o.progress, "no progress bar");
    CLI11_PARSE(app, argc, argv);
    o.out = out;
    o.tokenizerDir = tokenizer;
    o.renderSize = static_cast<int>(s.imageSize);
    try {
        if (threads > 0)
            at::set_num_threads(threads);
        ec::demo::DemoTrainer trainer(o);
        if (resume || evalOnly) {
            trainer.resume();
            // The constructor lays out RUN/model with fresh weights; put the resumed ones back.
            trainer.saveModel();
        }
        if (!growFrom.empty() && !evalOnly)
            trainer.growFrom(growFrom);
        if (!initFrom.empty() && !evalOnly)
            trainer.initFrom(initFrom);
        if (evalOnly) {
            const auto e = trainer.evaluate(o.evalItems);
            std::cout << "short " << e.shortExact << " follow-up " << e.followUpExact
                      << " earlier-image " << e.earlierImageExact << '\n';
            return 0;
        }
        trainer.run();
        std::cout << "model written to " << trainer.modelDir().string() << '\n';
    } catch (const std::exception &e) {
        std::cerr << "ec-train-demo: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
