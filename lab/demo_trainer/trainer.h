// ec-train-demo's training loop: the demo world's stream -> DemoModel, AdamW with warmup and
// cosine decay, held-out exact match, checkpoints the engine loads and state to --resume from.
// Every sample is a function of (seed, index), so a run is reproducible from its options.
#pragma once

#include "lab/demo_trainer/demo_model.h"
#include "lab/demo_trainer/samples.h"
#include "lab/tiny_model/tiny_model.h"

#include <array>
#include <filesystem>
#include <memory>
#include <string>

namespace ec::demo {

struct TrainerOptions
{
    std::filesystem::path out;          // run folder: model/ (the checkpoint) and state/
    std::filesystem::path tokenizerDir; // train_demo_tokenizer.py's output
    tools::TinyModelSpec spec;          // sizes; vocab and image token come from the tokenizer
    uint64_t seed = 1;
    int64_t steps = 1000;
    int64_t batch = 8;
    int64_t warmup = 100;
    double lr = 1e-3;
    double minLrRatio = 0.1; // the cosine ends at lr * minLrRatio
    double weightDecay = 0.01;
    double clipNorm = 1.0;
    int64_t evalEvery = 250; // 0: only at the end
    int64_t evalItems = 40;  // short questions; a quarter as many of each multi-turn kind
    int64_t saveEvery = 500;
    int64_t repeatItems = 0;       // > 0: cycle over the first N training items (tests)
    double perceptionWeight = 1.0; // weight of the PerceptionHeads loss (0: decoder loss only)
    int64_t longEvery = 4;         // every Nth step trains on long conversations (0: never)
    int64_t quizEvery = 0;         // every Nth other step trains on question drills (0: never)
    int64_t readingEvery = 0;      // every Nth other step trains on reading drills (before quiz)
    int64_t listingEvery = 0;      // every Nth other step trains on listing drills (after reading)
    int64_t searchEvery = 0;       // every Nth other step trains on search drills (after listing)
    int64_t existsEvery = 0;       // every Nth other step trains on existence drills (after search)
    ListingStyle listing;          // what listing drills search by; echo the key
    int quizObjects = 8;           // drill scenes hold 1..quizObjects objects
    bool positionHead = false;     // the perception loss also reads each patch's cell
    bool patchContent = false;     // ... and each patch's object (shape, size, colour)
    bool colourWords = false;      // the colour head reads against the colour names' embeddings
    int askedLayer = -1; // >= 1: AskedHeads read the question's colour and shape at this layer
    int renderSize = 64;
    std::string device = "auto"; // auto | cpu | cuda
    std::string dtype = "f32";   // f32 | bf16 (compute; weights and optimizer stay f32)
    bool progress = true;
};

// The stream a step draws its whole batch from. A long step comes first, then a reading drill,
// a listing drill, a search drill, an existence drill, a question drill; a step that is none of
// them takes the training stream.
enum class StepKind { Stream, Long, Reading, Listing, Search, Exists, Quiz };
StepKind stepKind(const TrainerOptions &options, int64_t step); // step counts from 0

struct EvalResult
{
    double shortExact = 0, followUpExact = 0, earlierImageExact = 0;
    // PerceptionHeads' read-out of the held-out short items' images: shape-or-empty, size, colour
    std::array<double, 3> perception{};
    // AskedHeads' read-out (colour, shape) on the held-out short questions' answer positions
    std::array<double, 2> asked{};
    int64_t items = 0;
};

class DemoTrainer
{
public:
    // Lays out out/model (config, preprocessor, chat template, tokenizer files) and draws
    // the initial weights from the seed.
    explicit DemoTrainer(const TrainerOptions &options);
    ~DemoTrainer();

    void resume(); // loads out/state (weights, optimizer, step)
    // Starts from another run's state (RUN/state) with fewer decoder blocks, by the block
    // expansion of grow_decoder.h; a fresh optimizer at step 0.
    void growFrom(const std::filesystem::path &stateDir);
    // Starts from a checkpoint this trainer wrote (RUN/model, or the shipped model) of the same
    // sizes: its weights, fresh perception heads and optimizer, step 0. For a further phase
    // whose heads or mix differ from the run that wrote it.
    void initFrom(const std::filesystem::path &modelDir);
    double trainStep();
    void run(); // trains up to options.steps with logs, evaluations and saves

    EvalResult evaluate(int64_t shortItems);
    // The greedy answer to the last turn of `c` (its answer is not looked at).
    std::string answer(const Conversation &c, int maxNewTokens);

    void saveModel() const; // out/model/model.safetensors, llava-hf legacy names
    void saveState() const;

    int64_t step() const;
    double learningRate(int64_t step) const;
    DemoModel &model();
    const SampleFormat &format() const;
    std::filesystem::path modelDir() const { return options_.out / "model"; }

private:
    Conversation item(StepKind kind, uint64_t index) const; // item `index` of kind's stream

    struct Impl;
    TrainerOptions options_;
    std::unique_ptr<Impl> d_;
};

} // namespace ec::demo
