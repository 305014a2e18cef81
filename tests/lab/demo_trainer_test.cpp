// ec-train-demo's pieces on a microscopic model: the loss falls, the saved checkpoint loads in
// the engine with the trainer's own logits, prompts match the chat template, --resume resumes.
#include "cache/full_policy.h"
#include "demo_test_support.h"
#include "engine/model/vision_language_model.h"
#include "engine/text/chat_template.h"
#include "lab/demo_trainer/asked_heads.h"
#include "lab/demo_trainer/grow_decoder.h"
#include "lab/demo_trainer/perception_heads.h"
#include "lab/demo_trainer/trainer.h"

#include <ATen/ATen.h>
#include <cmath>
#include <functional>
#include <gtest/gtest.h>
#include <set>
#include <torch/optim/adam.h>

using namespace ec::demo;

namespace {

TrainerOptions microOptions(const std::string &name)
{
    TrainerOptions o;
    o.out = std::filesystem::temp_directory_path() / (name + std::to_string(::getpid()));
    std::filesystem::remove_all(o.out);
    o.tokenizerDir = demoTokenizerDir();
    auto &s = o.spec;
    s.visionLayers = 2, s.visionHidden = 16, s.visionHeads = 2, s.visionIntermediate = 32;
    s.imageSize = 32, s.patchSize = 8;
    s.textLayers = 2, s.textHidden = 32, s.textHeads = 4, s.textKvHeads = 2;
    s.textIntermediate = 64, s.maxPositions = 1024;
    o.renderSize = 32;
    o.seed = 5;
    o.steps = 40;
    o.batch = 4;
    o.repeatItems = 4;
    o.lr = 3e-3;
    o.warmup = 4;
    o.evalEvery = 0;
    o.progress = false;
    return o;
}

at::Tensor engineLogits(ec::engine::VisionLanguageModel &model, const Sample &s)
{
    ec::cache::KvCache cache(model.cacheLayout(1));
    ec::cache::FullPolicy policy(ec::cache::PolicyConfig{});
    ec::engine::ForwardInput in;
    in.ids = at::tensor(s.ids, at::kLong).view({1, -1});
    in.pixels = s.pixels;
    return model
        .forward(in, cache, policy, 0, ec::cache::Phase::Prefill, ec::engine::LogitsMode::All)
        .logits[0];
}

// `action` must refuse with a std::runtime_error whose message contains `needle`.
void expectRefusal(const std::function<void()> &action, const std::string &needle,
                   const std::string &what)
{
    try {
        action();
        ADD_FAILURE() << what << " was accepted";
    } catch (const std::runtime_error &e) {
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
}

} // namespace

TEST(DemoTrainer, LossFallsAndTheEngineReadsTheSameModel)
{
    DemoTrainer trainer(microOptions("ec_demo_trainer_"));
    std::vector<double> losses;
    for (int i = 0; i < 40; ++i)
        losses.push_back(trainer.trainStep());
    const double first = (losses[0] + losses[1] + losses[2] + losses[3]) / 4;
    const double last = (losses[36] + losses[37] + losses[38] + losses[39]) / 4;
    EXPECT_LT(last, 0.6 * first) << "first " << first << " last " << last;
    trainer.saveModel();

    ec::engine::LoadOptions load;
    load.device = "cpu";
    load.dtype = "f32";
    auto engine = ec::engine::loadModel(trainer.modelDir(), load);
    EXPECT_EQ(engine->info().imageTokenId, 512);
    EXPECT_EQ(engine->info().tokensPerImage, 16);
    for (uint64_t i = 0; i < 3; ++i) {
        const Sample s = encodeConversation(trainingItem(5, i), trainer.format());
        at::Tensor ours;
        {
            at::NoGradGuard noGrad;
            ours = trainer.model().forward(at::tensor(s.ids, at::kLong).view({1, -1}), s.pixels,
                                           at::kFloat)[0];
        }
        const at::Tensor theirs = engineLogits(*engine, s);
        ASSERT_EQ(ours.sizes(), theirs.sizes());
        EXPECT_LT((ours - theirs).abs().max().item<double>(), 1e-4) << "item " << i;
        EXPECT_GT(ours.abs().max().item<double>(), 1.0); // trained logits, not all near zero
    }
}

// The trainer's batches: sequences packed end to end, attention in blocks of query rows. Each
// sequence's rows must be what the engine computes for that sequence alone.
TEST(DemoTrainer, PackedRowsAreTheEnginesLogitsOfEachSequence)
{
    DemoTrainer trainer(microOptions("ec_demo_packed_"));
    for (int i = 0; i < 20; ++i)
        trainer.trainStep();
    trainer.saveModel();
    ec::engine::LoadOptions load;
    load.device = "cpu";
    load.dtype = "f32";
    auto engine = ec::engine::loadModel(trainer.modelDir(), load);

    // A long conversation (several query blocks) between two short ones.
    const std::vector<Sample> samples = {
        encodeConversation(trainingItem(5, 7), trainer.format()),
        encodeConversation(longTrainingItem(5, 0), trainer.format()),
        encodeConversation(quizTrainingItem(5, 3), trainer.format())};
    ASSERT_GT(samples[1].ids.size(), 300u);
    const Batch batch = collate(samples);
    at::Tensor packed;
    {
        at::NoGradGuard noGrad;
        packed = trainer.model().forwardPacked(batch.ids, batch.lengths, batch.pixels, at::kFloat);
    }
    int64_t offset = 0;
    for (size_t i = 0; i < samples.size(); ++i) {
        const auto length = static_cast<int64_t>(samples[i].ids.size());
        ASSERT_EQ(batch.lengths[i], length);
        const at::Tensor ours = packed.narrow(0, offset, length);
        const at::Tensor theirs = engineLogits(*engine, samples[i]);
        ASSERT_EQ(ours.sizes(), theirs.sizes());
        EXPECT_LT((ours - theirs).abs().max().item<double>(), 1e-4) << "sequence " << i;
        EXPECT_GT(ours.abs().max().item<double>(), 1.0);
        offset += length;
    }
    EXPECT_EQ(offset, packed.size(0));
    EXPECT_THROW(trainer.model().forwardPacked(batch.ids, {offset - 1}, batch.pixels, at::kFloat),
                 std::invalid_argument);
    EXPECT_THROW(trainer.model().forwardPacked(batch.ids, {offset, 0}, batch.pixels, at::kFloat),
                 std::invalid_argument);
}

TEST(DemoTrainer, PromptIdsAreTheChatTemplatesIds)
{
    DemoTrainer trainer(microOptions("ec_demo_prompt_"));
    const auto tok = ec::text::Tokenizer::fromDirectory(trainer.modelDir());
    const auto chat = ec::text::ChatTemplate::fromModelDirectory(trainer.modelDir());
    for (uint64_t i = 0; i < 10; ++i) {
        Conversation c = trainingItem(9, i);
        c.turns.resize(1);
        auto message = ec::text::ChatMessage::user("");
        message.parts.clear();
        if (c.turns[0].image >= 0)
            message.image();
        message.text(c.turns[0].question);
        const auto expected =
            ec::text::encodePrompt(tok, chat.render({message}, true), {512, 16, "<image>"});
        const Sample prompt = evaluationPrompt(c, trainer.format());
        EXPECT_EQ(std::vector<int64_t>(expected.begin(), expected.end()), prompt.ids);
        // Training labels: only the answer and the EOS after it.
        const Sample full = encodeConversation(c, trainer.format());
        const auto answer = tok.encode(c.turns[0].answer, false);
        std::vector<int64_t> labels;
        for (int64_t l : full.labels)
            if (l != kIgnoreLabel)
                labels.push_back(l);
        std::vector<int64_t> want(answer.begin(), answer.end());
        want.push_back(2);
        EXPECT_EQ(labels, want);
    }
}

TEST(DemoTrainer, ResumeContinuesTheSameRun)
{
    auto options = microOptions("ec_demo_resume_");
    DemoTrainer a(options);
    for (int i = 0; i < 3; ++i)
        a.trainStep();
    a.saveState();
    const double nextA = a.trainStep();

    DemoTrainer b(options);
    b.resume();
    EXPECT_EQ(b.step(), 3);
    const double nextB = b.trainStep();
    EXPECT_NEAR(nextA, nextB, 1e-6);
    EXPECT_LT(b.learningRate(0), b.learningRate(3));  // warmup
    EXPECT_GT(b.learningRate(3), b.learningRate(39)); // cosine decay
}

// A state written with the position head resumes only with it (and the other way round), with
// a message that says so rather than the optimizer's size mismatch.
TEST(DemoTrainer, ResumeRefusesAnotherSetOfPerceptionHeads)
{
    auto options = microOptions("ec_demo_resume_heads_");
    options.positionHead = true;
    DemoTrainer a(options);
    a.trainStep();
    a.saveState();

    DemoTrainer same(options);
    EXPECT_NO_THROW(same.resume());
    options.positionHead = false;
    DemoTrainer other(options);
    expectRefusal([&] { other.resume(); }, "with --position-head",
                  "a state with the position head resumed without it");
}

// The same for the asked heads; and they read only a layer the decoder has, past the embeddings.
TEST(DemoTrainer, AskedHeadNeedsALayerAndResumesOnlyWithIt)
{
    auto options = microOptions("ec_demo_resume_asked_");
    for (int layer : {0, 3}) {
        options.askedLayer = layer;
        EXPECT_THROW(DemoTrainer{options}, std::invalid_argument) << layer;
    }
    options.askedLayer = 2; // the last layer's output
    DemoTrainer a(options);
    EXPECT_TRUE(std::isfinite(a.trainStep()));
    a.saveState();
    options.askedLayer = -1;
    DemoTrainer other(options);
    expectRefusal([&] { other.resume(); }, "with --asked-head",
                  "a state with the asked heads resumed without them");
}

TEST(DemoTrainer, GrowthPlanSpreadsTheAddedBlocks)
{
    const auto plan = growthPlan(4, 6);
    std::vector<std::pair<int64_t, bool>> got;
    for (const auto &g : plan)
        got.emplace_back(g.source, g.added);
    const std::vector<std::pair<int64_t, bool>> want = {{0, false}, {1, false}, {1, true},
                                                        {2, false}, {3, false}, {3, true}};
    EXPECT_EQ(got, want);
    EXPECT_EQ(growthPlan(3, 7).size(), 7u);
    EXPECT_EQ(growthPlan(3, 3).size(), 3u);
    EXPECT_THROW(growthPlan(4, 3), std::invalid_argument);
}

TEST(DemoTrainer, GrownDecoderStartsAsTheSameModelAndThenLearns)
{
    auto small = microOptions("ec_demo_grow_src_");
    DemoTrainer source(small);
    for (int i = 0; i < 5; ++i)
        source.trainStep();
    source.saveState();

    auto deep = microOptions("ec_demo_grow_dst_");
    deep.spec.textLayers = 3;
    DemoTrainer grown(deep);
    grown.growFrom(small.out / "state");
    auto &p = grown.model().params();
    EXPECT_EQ(p.at("lm.layers.2.self_attn.o_proj.weight").abs().max().item<double>(), 0.0);
    EXPECT_EQ(p.at("lm.layers.2.mlp.down_proj.weight").abs().max().item<double>(), 0.0);
    EXPECT_TRUE(p.at("lm.layers.2.self_attn.q_proj.weight")
                    .equal(source.model().params().at("lm.layers.1.self_attn.q_proj.weight")));
    for (uint64_t i = 0; i < 3; ++i) {
        const Sample s = encodeConversation(trainingItem(5, i), source.format());
        at::NoGradGuard noGrad;
        const at::Tensor ids = at::tensor(s.ids, at::kLong).view({1, -1});
        const at::Tensor a = source.model().forward(ids, s.pixels, at::kFloat);
        const at::Tensor b = grown.model().forward(ids, s.pixels, at::kFloat);
        EXPECT_LT((a - b).abs().max().item<double>(), 1e-5) << "item " << i;
    }
    EXPECT_EQ(grown.step(), 0);
    grown.trainStep();
    EXPECT_GT(p.at("lm.layers.2.self_attn.o_proj.weight").abs().max().item<double>(), 0.0);

    auto wide = microOptions("ec_demo_grow_wide_");
    wide.spec.textLayers = 3, wide.spec.textHidden = 64;
    DemoTrainer other(wide);
    expectRefusal([&] { other.growFrom(small.out / "state"); }, "another shape",
                  "a state of another width");
    for (const auto &o : {small.out, deep.out, wide.out})
        std::filesystem::remove_all(o);
}

// A further phase starts from the checkpoint a run wrote (the shipped model's folder has no
// trainer state): the same weights, and heads of its own options.
TEST(DemoTrainer, InitFromStartsFromTheWrittenCheckpoint)
{
    auto first = microOptions("ec_demo_init_src_");
    DemoTrainer source(first);
    for (int i = 0; i < 3; ++i)
        source.trainStep();
    source.saveModel();

    auto next = microOptions("ec_demo_init_dst_");
    next.seed = 6; // other initial weights, which initFrom must replace
    next.positionHead = true;
    DemoTrainer tuned(next);
    const std::string embed = "lm.embed_tokens.weight";
    ASSERT_FALSE(tuned.model().params().at(embed).equal(source.model().params().at(embed)));
    tuned.initFrom(source.modelDir());
    EXPECT_EQ(tuned.step(), 0);
    for (const auto &[name, p] : source.model().params())
        EXPECT_TRUE(tuned.model().params().at(name).equal(p)) << name;
    tuned.trainStep(); // with the position head, which the source did not have

    auto wide = microOptions("ec_demo_init_wide_");
    wide.spec.textHidden = 64;
    DemoTrainer other(wide);
    expectRefusal([&] { other.initFrom(source.modelDir()); }, "another shape",
                  "a checkpoint of another width");
    auto shallow = microOptions("ec_demo_init_shallow_");
    shallow.spec.textLayers = 1;
    DemoTrainer fewer(shallow);
    expectRefusal([&] { fewer.initFrom(source.modelDir()); }, "tensors",
                  "a checkpoint with more decoder blocks");
    for (const auto &o : {first.out, next.out, wide.out, shallow.out})
        std::filesystem::remove_all(o);
}

TEST(DemoTrainer, CellLabelsFollowTheScene)
{
    const Scene scene = trainingItem(3, 0).scenes.at(0);
    const at::Tensor labels = cellLabels(scene);
    ASSERT_EQ(labels.sizes(), (at::IntArrayRef{9, 3}));
    int occupied = 0;
    for (int cell = 0; cell < 9; ++cell) {
        const Object *o = scene.at(cell);
        occupied += o ? 1 : 0;
        EXPECT_EQ(labels[cell][0].item<int64_t>(), o ? o->shape + 1 : 0);
        EXPECT_EQ(labels[cell][1].item<int64_t>(), o ? o->size + 1 : 0);
        EXPECT_EQ(labels[cell][2].item<int64_t>(), o ? o->colour + 1 : 0);
    }
    EXPECT_EQ(occupied, static_cast<int>(scene.objects.size()));
}

namespace {

// The grid cell that holds the centre of patch (r, c) of a 4x4 patch grid (32 px images, patch
// 8): each side splits 1-2-1.
int64_t cellOfPatch(int64_t r, int64_t c)
{
    const auto third = [](int64_t i) -> int64_t { return i == 0 ? 0 : i == 3 ? 2 : 1; };
    return third(r) * 3 + third(c);
}

// Fits the heads to (features, cells) with Adam and returns the loss afterwards.
double fittedLoss(PerceptionHeads &heads, const at::Tensor &x, const at::Tensor &y, int steps)
{
    std::vector<at::Tensor> params;
    for (auto &[name, p] : heads.params())
        params.push_back(p);
    torch::optim::Adam adam(params, torch::optim::AdamOptions(0.1));
    for (int step = 0; step < steps; ++step) {
        adam.zero_grad();
        heads.loss(x, y).backward();
        adam.step();
    }
    return heads.loss(x, y).item<double>();
}

} // namespace

// Features that carry each cell's labels in the patches whose centres lie in that cell are read
// back exactly once the heads are fitted; a pooling that mixed up cells or a head reading the
// wrong label column would not be.
TEST(DemoTrainer, PerceptionHeadsReadEachCellFromItsOwnPatches)
{
    constexpr int64_t grid = 4, dim = 16;
    PerceptionHeads heads(dim, 32, 8, 1);
    std::vector<at::Tensor> features, cells;
    for (uint64_t i = 0; i < 12; ++i) {
        const Scene scene = trainingItem(4, i).scenes.at(0);
        const at::Tensor labels = cellLabels(scene);
        at::Tensor f = at::zeros({grid * grid, dim});
        for (int64_t r = 0; r < grid; ++r)
            for (int64_t c = 0; c < grid; ++c) {
                const int64_t cell = cellOfPatch(r, c);
                f[r * grid + c][labels[cell][0].item<int64_t>()] = 1.0;     // 0..5
                f[r * grid + c][6 + labels[cell][1].item<int64_t>()] = 1.0; // 6..8
                f[r * grid + c][9 + labels[cell][2].item<int64_t>()] = 1.0; // 9..15
            }
        features.push_back(f);
        cells.push_back(labels);
    }
    const at::Tensor x = at::cat(features, 0), y = at::stack(cells, 0);
    const double before = heads.loss(x, y).item<double>();
    EXPECT_LT(fittedLoss(heads, x, y, 150), 0.05 * before);
    for (double accuracy : heads.accuracy(x, y))
        EXPECT_EQ(accuracy, 1.0);
}

// The position head's target is the cell that holds each patch's centre: features that say only
// that (one-hot) let its term fit to almost nothing, which a mix-up of patches and cells would
// not. The other three heads see the same features and initial weights with and without it.
TEST(DemoTrainer, PositionHeadReadsTheCellOfEachPatch)
{
    constexpr int64_t grid = 4, dim = 9;
    std::vector<at::Tensor> features, cells;
    for (uint64_t i = 0; i < 4; ++i) {
        cells.push_back(cellLabels(trainingItem(4, i).scenes.at(0)));
        at::Tensor f = at::zeros({grid * grid, dim});
        for (int64_t r = 0; r < grid; ++r)
            for (int64_t c = 0; c < grid; ++c)
                f[r * grid + c][cellOfPatch(r, c)] = 1.0;
        features.push_back(f);
    }
    const at::Tensor x = at::cat(features, 0), y = at::stack(cells, 0);
    PerceptionHeads without(dim, 32, 8, 1), with(dim, 32, 8, 1, true);
    EXPECT_EQ(with.params().size(), without.params().size() + 2);
    // Untrained, the added term is the cross-entropy of near-uniform logits over nine cells.
    EXPECT_NEAR(with.loss(x, y).item<double>() - without.loss(x, y).item<double>(), std::log(9.0),
                0.1);
    EXPECT_LT(fittedLoss(with, x, y, 150) - fittedLoss(without, x, y, 150), 0.05);
}

// With readPatchContent the three heads also read each patch alone against its cell's labels.
// Features that carry the labels in every patch of a cell fit that to almost nothing; features
// that carry them in one patch per cell fit the cell averages but not the patches without them.
TEST(DemoTrainer, PatchContentReadsEachPatchAgainstItsCell)
{
    constexpr int64_t grid = 4, dim = 16;
    std::vector<at::Tensor> everyPatch, onePatch, cells;
    for (uint64_t i = 0; i < 12; ++i) {
        const at::Tensor labels = cellLabels(trainingItem(4, i).scenes.at(0));
        at::Tensor all = at::zeros({grid * grid, dim}), one = at::zeros({grid * grid, dim});
        std::set<int64_t> marked;
        for (int64_t r = 0; r < grid; ++r)
            for (int64_t c = 0; c < grid; ++c) {
                const int64_t cell = cellOfPatch(r, c);
                for (at::Tensor *f : {&all, &one}) {
                    if (f == &one && !marked.insert(cell).second)
                        continue; // a later patch of a cell already marked
                    (*f)[r * grid + c][labels[cell][0].item<int64_t>()] = 1.0;
                    (*f)[r * grid + c][6 + labels[cell][1].item<int64_t>()] = 1.0;
                    (*f)[r * grid + c][9 + labels[cell][2].item<int64_t>()] = 1.0;
                }
            }
        everyPatch.push_back(all);
        onePatch.push_back(one);
        cells.push_back(labels);
    }
    const at::Tensor y = at::stack(cells, 0);
    const at::Tensor all = at::cat(everyPatch, 0), one = at::cat(onePatch, 0);
    PerceptionHeads cellsOnly(dim, 32, 8, 1), patchesToo(dim, 32, 8, 1, false, true);
    EXPECT_EQ(patchesToo.params().size(), cellsOnly.params().size());
    EXPECT_LT(fittedLoss(patchesToo, all, y, 300), 0.1);
    PerceptionHeads cellsOnlyOne(dim, 32, 8, 1), patchesTooOne(dim, 32, 8, 1, false, true);
    EXPECT_LT(fittedLoss(cellsOnlyOne, one, y, 300), 0.1);
    EXPECT_GT(fittedLoss(patchesTooOne, one, y, 300), 1.0);
}

// With colourWords the colour head has no weight of its own: it reads each cell against the rows
// it is given (the colour names' embeddings in the trainer). Rows that match the features' colour
// dimensions read every colour right without any fitting; the same rows in another order read
// none right; and without rows the head refuses to guess.
TEST(DemoTrainer, ColourWordsReadColourAgainstTheGivenRows)
{
    constexpr int64_t grid = 4, dim = 16;
    std::vector<at::Tensor> features, cells;
    for (uint64_t i = 0; i < 12; ++i) {
        const at::Tensor labels = cellLabels(trainingItem(4, i).scenes.at(0));
        at::Tensor f = at::zeros({grid * grid, dim});
        for (int64_t r = 0; r < grid; ++r)
            for (int64_t c = 0; c < grid; ++c)
                f[r * grid + c][9 + labels[cellOfPatch(r, c)][2].item<int64_t>()] = 1.0;
        features.push_back(f);
        cells.push_back(labels);
    }
    const at::Tensor x = at::cat(features, 0), y = at::stack(cells, 0);
    PerceptionHeads own(dim, 32, 8, 1), words(dim, 32, 8, 1, false, false, true);
    EXPECT_TRUE(own.params().count("perception.colour.weight"));
    EXPECT_FALSE(words.params().count("perception.colour.weight"));
    EXPECT_TRUE(words.params().count("perception.colour.bias"));
    EXPECT_THROW(words.loss(x, y), std::logic_error);

    at::Tensor rows = at::zeros({6, dim}); // colour k (label k + 1) sits at dimension 10 + k
    for (int64_t k = 0; k < 6; ++k)
        rows[k][10 + k] = 4.0;
    words.setColourWords(rows);
    EXPECT_EQ(words.accuracy(x, y)[2], 1.0);
    words.setColourWords(rows.roll(1, 0));
    EXPECT_EQ(words.accuracy(x, y)[2], 0.0);
}

// Hand-read from the world's question forms: colour + 1 and shape + 1 in the world's orders.
TEST(DemoTrainer, AskedContentIsWhatTheQuestionNames)
{
    using Asked = std::array<int64_t, 2>;
    EXPECT_EQ(askedContent("Where are the red objects?"), (Asked{1, 0}));
    EXPECT_EQ(askedContent("Is there a blue star?"), (Asked{3, 4}));
    EXPECT_EQ(askedContent("Where is the yellow circle?"), (Asked{4, 1}));
    EXPECT_EQ(askedContent("And how many diamonds?"), (Asked{0, 5}));
    EXPECT_EQ(askedContent("How many black objects are there?"), (Asked{6, 0}));
    EXPECT_EQ(askedContent("What color is the object in the top left?"), (Asked{0, 0}));
    EXPECT_EQ(askedContent("What shape is in the center?"), (Asked{0, 0}));
}

// The asked labels sit on exactly the positions that predict an answer, and an echoed listing
// answer ("red objects: top left") says, independently of the question, which colour it is.
// A description names neither, so it is not read.
TEST(DemoTrainer, AskedLabelsSitOnTheAnswerPositions)
{
    DemoTrainer trainer(microOptions("ec_demo_asked_labels_"));
    const ListingStyle echo{ListingKey::Colour, true};
    for (uint64_t i = 0; i < 12; ++i) {
        Conversation c = listingTrainingItem(5, i, echo);
        // Two-image drills end with a question about the first image, which may name nothing.
        std::erase_if(c.turns, [](const Turn &t) { return t.kind == TurnKind::EarlierImage; });
        const Sample s = encodeConversation(c, trainer.format());
        ASSERT_EQ(s.askedColour.size(), s.ids.size());
        ASSERT_EQ(s.askedShape.size(), s.ids.size());
        std::vector<int64_t> colours;
        for (size_t p = 0; p < s.ids.size(); ++p) {
            EXPECT_EQ(s.askedColour[p] != kIgnoreLabel, s.labels[p] != kIgnoreLabel) << p;
            if (s.askedColour[p] == kIgnoreLabel)
                continue;
            EXPECT_EQ(s.askedShape[p], 0);
            if (p == 0 || s.askedColour[p - 1] == kIgnoreLabel)
                colours.push_back(s.askedColour[p]); // a turn's first answer position
        }
        ASSERT_EQ(colours.size(), c.turns.size());
        for (size_t t = 0; t < c.turns.size(); ++t) {
            const std::string said = c.turns[t].answer.substr(0, c.turns[t].answer.find(' '));
            EXPECT_EQ(objectColours().at(static_cast<size_t>(colours[t] - 1)).name, said)
                << c.turns[t].answer;
        }
    }
    int descriptions = 0;
    for (uint64_t i = 0; i < 40; ++i) {
        Conversation c = trainingItem(5, i);
        if (c.turns[0].kind != TurnKind::Description)
            continue;
        c.turns.resize(1);
        const Sample s = encodeConversation(c, trainer.format());
        EXPECT_EQ(std::count(s.askedColour.begin(), s.askedColour.end(), kIgnoreLabel),
                  static_cast<long>(s.ids.size()));
        ++descriptions;
    }
    EXPECT_GT(descriptions, 0);
}

// Positions whose features carry the asked colour and shape are read right once the heads are
// fitted; positions labelled -100 (noise here) are left out, and with none read the loss is 0.
TEST(DemoTrainer, AskedHeadsReadTheLabelledPositionsOnly)
{
    constexpr int64_t dim = 16, n = 60;
    at::Tensor colour = at::arange(n, at::kLong) % 7, shape = (at::arange(n, at::kLong) * 5) % 6;
    at::Tensor hidden = at::zeros({n, dim});
    for (int64_t i = 0; i < n; ++i) {
        hidden[i][colour[i].item<int64_t>()] = 1.0;
        hidden[i][8 + shape[i].item<int64_t>()] = 1.0;
    }
    const at::Tensor ignored = at::arange(n, at::kLong) % 4 == 0; // noise, not read
    hidden.index_put_({ignored}, at::randn({ignored.sum().item<int64_t>(), dim}) * 5);
    colour.index_put_({ignored}, kIgnoreLabel);
    shape.index_put_({ignored}, kIgnoreLabel);

    AskedHeads heads(dim, 1);
    torch::optim::Adam adam(std::vector<at::Tensor>{heads.params().at("asked.colour.weight"),
                                                    heads.params().at("asked.colour.bias"),
                                                    heads.params().at("asked.shape.weight"),
                                                    heads.params().at("asked.shape.bias")},
                            torch::optim::AdamOptions(0.1));
    const double before = heads.loss(hidden, colour, shape).item<double>();
    for (int i = 0; i < 200; ++i) {
        adam.zero_grad();
        heads.loss(hidden, colour, shape).backward();
        adam.step();
    }
    EXPECT_LT(heads.loss(hidden, colour, shape).item<double>(), 0.05 * before);
    const auto right = heads.accuracy(hidden, colour, shape);
    EXPECT_EQ(right[0], 1.0);
    EXPECT_EQ(right[1], 1.0);
    const at::Tensor none = at::full({n}, kIgnoreLabel, at::kLong);
    EXPECT_EQ(heads.loss(hidden, none, none).item<double>(), 0.0);
}

namespace {

// The kinds of the first 16 steps, one letter each: Stream, Long, Reading, listing (W), search
// (F), Existence, Quiz, in StepKind's order.
std::string stepKinds(const TrainerOptions &options)
{
    static_assert(static_cast<int>(StepKind::Quiz) == 6, "one letter per StepKind");
    std::string kinds;
    for (int64_t step = 0; step < 16; ++step)
        kinds += "SLRWFEQ"[static_cast<int>(stepKind(options, step))];
    return kinds;
}

} // namespace

// The recipe's phase 5 mix (--long-every 8 --reading-every 2 --quiz-every 1): a long step at
// the 8th, reading drills at the other even steps, question drills at the odd ones.
TEST(DemoTrainer, StepKindsFollowTheirIntervalsLongFirst)
{
    TrainerOptions options;
    options.longEvery = 8;
    options.readingEvery = 2;
    options.quizEvery = 1;
    EXPECT_EQ(stepKinds(options), "QRQRQRQLQRQRQRQL");
    // Search drills every 3rd step take the question-drill steps among those (step + 1 = 3, 9, 15).
    options.searchEvery = 3;
    EXPECT_EQ(stepKinds(options), "QRFRQRQLFRQRQRFL");
    // Listing drills come before search drills: every 5th step that is neither long nor reading.
    options.listingEvery = 5;
    EXPECT_EQ(stepKinds(options), "QRFRWRQLFRQRQRWL");
    // Existence drills come after search drills and before question drills: with an interval
    // of 1 they take every question-drill step.
    options.existsEvery = 1;
    EXPECT_EQ(stepKinds(options), "ERFRWRELFRERERWL");
    options.existsEvery = 0;
    options.listingEvery = 0;
    options.searchEvery = 0;
    options.readingEvery = 0; // phase 4
    EXPECT_EQ(stepKind(options, 1), StepKind::Quiz);
    EXPECT_EQ(stepKind(options, 7), StepKind::Long);
    options.quizEvery = 0; // phase 1: the training stream between long steps
    EXPECT_EQ(stepKind(options, 1), StepKind::Stream);
    options.longEvery = 0;
    EXPECT_EQ(stepKind(options, 7), StepKind::Stream);
}
