#include "lab/demo_world/render.h"
#include "lab/demo_world/world_set.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <set>
#include <sstream>

using namespace ec::demo;

namespace {

std::string conversationText(const Conversation &c)
{
    std::ostringstream s;
    for (const auto &t : c.turns)
        s << t.image << '|' << t.question << '|' << t.answer << '|' << kindName(t.kind) << '\n';
    for (const auto &scene : c.scenes)
        for (const auto &o : scene.objects)
            s << o.cell << o.shape << o.colour << o.size << o.dx << o.dy << ';';
    return s.str();
}

// Objects of `colour` found in the pixels: connected blobs of pixels close to the colour.
int countBlobs(const ec::image::RgbImage &image, const Colour &colour)
{
    cv::Mat mask(image.height, image.width, CV_8U, cv::Scalar(0));
    for (int y = 0; y < image.height; ++y)
        for (int x = 0; x < image.width; ++x) {
            const uint8_t *p = image.row(y) + 3 * x;
            int d = 0;
            for (int c = 0; c < 3; ++c)
                d += std::abs(p[c] - colour.rgb[static_cast<size_t>(c)]);
            mask.at<uint8_t>(y, x) = d < 45 ? 255 : 0;
        }
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8);
    int blobs = 0;
    for (int i = 1; i < n; ++i)
        blobs += stats.at<int>(i, cv::CC_STAT_AREA) >= 6 ? 1 : 0;
    return blobs;
}

} // namespace

TEST(DemoWorld, SameSeedSameItemsOtherSeedOtherItems)
{
    for (uint64_t i = 0; i < 20; ++i) {
        EXPECT_EQ(conversationText(trainingItem(7, i)), conversationText(trainingItem(7, i)));
        EXPECT_NE(conversationText(trainingItem(7, i)), conversationText(trainingItem(8, i)));
    }
    const Scene scene = trainingItem(7, 3).scenes.at(0);
    EXPECT_EQ(renderScene(scene, 64).data, renderScene(scene, 64).data);
    EXPECT_NE(conversationText(trainingItem(7, 0)), conversationText(trainingItem(7, 1)));
}

TEST(DemoWorld, PixelsAgreeWithTheSceneColourCounts)
{
    int checked = 0;
    for (uint64_t i = 0; i < 12; ++i) {
        for (const Scene &scene : trainingItem(11, i).scenes) {
            const auto image = renderScene(scene, 64);
            for (int c = 0; c < static_cast<int>(objectColours().size()); ++c) {
                EXPECT_EQ(countBlobs(image, objectColours()[static_cast<size_t>(c)]),
                          scene.count(c, -1))
                    << "item " << i << " colour " << objectColours()[static_cast<size_t>(c)].name;
                ++checked;
            }
            // The top-left corner pixel belongs to the background, up to noise.
            const auto &bg = backgroundColours()[static_cast<size_t>(scene.background)].rgb;
            EXPECT_NEAR(image.row(0)[0], bg[0], 6 * kNoiseSigma);
        }
    }
    EXPECT_GT(checked, 60);
}

TEST(DemoWorld, AnswersFollowTheScene)
{
    Scene scene;
    scene.background = 1;
    // {shape, colour, size, cell}: a large red star in the centre, a small red circle bottom right
    scene.objects = {{3, 0, 1, 4, 0, 0}, {0, 0, 0, 8, 0, 0}};
    EXPECT_EQ(scene.count(0, -1), 2);
    const std::string text = describeScene(scene);
    EXPECT_NE(text.find("There are 2 objects on a beige background."), std::string::npos);
    EXPECT_NE(text.find("Center: a large red star."), std::string::npos);
    EXPECT_NE(text.find("Bottom right: a small red circle."), std::string::npos);
    EXPECT_NE(text.find("Top left: empty."), std::string::npos);

    Rng rng(5);
    for (int i = 0; i < 200; ++i) {
        const QA qa = shortQuestion(rng, scene);
        if (qa.question == "How many objects are there?") {
            EXPECT_EQ(qa.answer, "2");
        }
        if (qa.question == "Where is the red star?") {
            EXPECT_EQ(qa.answer, "center");
        }
        if (qa.question == "Is the center empty?") {
            EXPECT_EQ(qa.answer, "no");
        }
        if (qa.question == "What shape is in the bottom right?") {
            EXPECT_EQ(qa.answer, "circle");
        }
        const QA next = followUp(rng, scene, qa);
        if (next.question == "What color is it?") {
            EXPECT_EQ(next.answer, "red");
        }
    }
}

TEST(DemoWorld, DescriptionsListEveryCellAndHaveTheLength)
{
    for (uint64_t i = 0; i < 30; ++i) {
        const Scene scene = trainingItem(3, i).scenes.at(0);
        const std::string text = describeScene(scene);
        std::istringstream words(text);
        int count = 0;
        for (std::string w; words >> w;)
            ++count;
        EXPECT_GE(count, 35) << text; // plus punctuation: 60+ tokens
        EXPECT_LE(count, 110) << text;
        for (const auto &o : scene.objects)
            EXPECT_NE(text.find(objectColours()[static_cast<size_t>(o.colour)].name + " " +
                                shapeNames()[static_cast<size_t>(o.shape)]),
                      std::string::npos);
    }
}

TEST(DemoWorld, HeldOutItemsAreWellFormedJson)
{
    HeldOutCounts counts{6, 2, 2, 2};
    const auto items = heldOutSet(9, counts);
    ASSERT_EQ(items.size(), 12u);
    const auto dir = std::filesystem::temp_directory_path() / "ec_demo_world_test";
    std::filesystem::remove_all(dir);
    int multi = 0;
    for (size_t i = 0; i < items.size(); ++i) {
        const auto item = writeItem(items[i], "e" + std::to_string(i), dir, 48);
        const auto parsed = nlohmann::json::parse(item.dump());
        ASSERT_TRUE(parsed["question"].is_string());
        ASSERT_TRUE(parsed["answer"].is_string());
        if (parsed.contains("turns")) {
            ++multi;
            int images = 0;
            for (const auto &t : parsed["turns"]) {
                images += t.contains("image") ? 1 : 0;
                if (t.contains("image")) {
                    EXPECT_TRUE(std::filesystem::exists(dir / t["image"].get<std::string>()));
                }
            }
            EXPECT_EQ(images, 4);
            const std::string kind = parsed["kind"];
            EXPECT_TRUE(kind == "followup" || kind == "earlier_image") << kind;
            if (kind == "earlier_image") {
                EXPECT_EQ(parsed["question"].get<std::string>().rfind("In the first image", 0), 0u);
            }
        } else {
            EXPECT_TRUE(std::filesystem::exists(dir / parsed["image"].get<std::string>()));
        }
    }
    EXPECT_EQ(multi, 4);
    std::filesystem::remove_all(dir);
}

TEST(DemoWorld, LongTrainingItemsAreShapedLikeTheHeldOutOnesButAreOthers)
{
    const auto heldOut = heldOutSet(1, HeldOutCounts{0, 0, 10, 10});
    std::set<std::string> heldOutTexts;
    for (const auto &c : heldOut)
        heldOutTexts.insert(conversationText(c));
    int earlier = 0;
    for (uint64_t i = 0; i < 20; ++i) {
        const Conversation c = longTrainingItem(1, i);
        EXPECT_EQ(conversationText(c), conversationText(longTrainingItem(1, i)));
        EXPECT_EQ(heldOutTexts.count(conversationText(c)), 0u) << "item " << i;
        EXPECT_EQ(c.scenes.size(), 4u);
        int descriptions = 0;
        for (const auto &t : c.turns)
            descriptions += t.kind == TurnKind::Description ? 1 : 0;
        EXPECT_EQ(descriptions, 4);
        const TurnKind last = c.turns.back().kind;
        EXPECT_TRUE(last == TurnKind::FollowUp || last == TurnKind::EarlierImage);
        earlier += last == TurnKind::EarlierImage ? 1 : 0;
    }
    EXPECT_GT(earlier, 2); // both endings occur
    EXPECT_LT(earlier, 18);
}

TEST(DemoWorld, QuizItemsAreShortQuestionsOnOneOrTwoImages)
{
    for (uint64_t i = 0; i < 20; ++i) {
        const Conversation c = quizTrainingItem(1, i);
        EXPECT_EQ(conversationText(c), conversationText(quizTrainingItem(1, i)));
        EXPECT_NE(conversationText(c), conversationText(trainingItem(1, i)));
        ASSERT_GE(c.scenes.size(), 1u);
        ASSERT_LE(c.scenes.size(), 2u);
        int perImage[2] = {0, 0}, image = -1;
        for (const auto &t : c.turns) {
            EXPECT_NE(t.kind, TurnKind::Description);
            if (t.image >= 0)
                image = t.image;
            if (t.kind != TurnKind::EarlierImage)
                ++perImage[image];
        }
        for (size_t k = 0; k < c.scenes.size(); ++k) {
            EXPECT_GE(perImage[k], 4) << "item " << i;
            EXPECT_LE(perImage[k], 6) << "item " << i;
        }
        EXPECT_EQ(c.turns.back().kind == TurnKind::EarlierImage, c.scenes.size() == 2);
    }
}

TEST(DemoWorld, QuizScenesCanBeCappedForACurriculum)
{
    std::set<size_t> capped, uncapped;
    for (uint64_t i = 0; i < 40; ++i) {
        for (const Scene &s : quizTrainingItem(1, i, 2).scenes)
            capped.insert(s.objects.size());
        for (const Scene &s : quizTrainingItem(1, i).scenes)
            uncapped.insert(s.objects.size());
    }
    EXPECT_EQ(capped, (std::set<size_t>{1, 2}));
    EXPECT_GT(*uncapped.rbegin(), 2u) << "the default drills keep scenes of up to eight objects";
}

namespace {

int colourOf(const std::string &name)
{
    for (size_t c = 0; c < objectColours().size(); ++c)
        if (objectColours()[c].name == name)
            return static_cast<int>(c);
    return -1;
}

int shapeOf(const std::string &name)
{
    for (size_t k = 0; k < shapeNames().size(); ++k)
        if (shapeNames()[k] == name)
            return static_cast<int>(k);
    return -1;
}

// A short turn of a drill: the scene it is asked about, its question's words without the "?",
// and its answer.
struct AskedTurn
{
    const Scene *scene;
    std::string question;
    std::vector<std::string> words;
    std::string answer;
};

std::vector<AskedTurn> shortTurns(const Conversation &c)
{
    std::vector<AskedTurn> out;
    int image = -1;
    for (const auto &t : c.turns) {
        if (t.image >= 0)
            image = t.image;
        if (t.kind != TurnKind::Short)
            continue;
        std::istringstream words(t.question.substr(0, t.question.size() - 1));
        out.push_back({&c.scenes[static_cast<size_t>(image)],
                       t.question,
                       {std::istream_iterator<std::string>(words), {}},
                       t.answer});
    }
    return out;
}

} // namespace

// Search drills ask only the forms that search or count by colour and shape, each answered from
// the scene on show; follow-ups and the earlier-image question stay as in the question drills.
TEST(DemoWorld, SearchItemsAskOnlySearchAndCountFormsAnsweredByTheScene)
{
    std::map<std::string, int> forms;
    std::set<std::string> isThereAnswers;
    for (uint64_t i = 0; i < 40; ++i) {
        const Conversation c = searchTrainingItem(1, i);
        EXPECT_EQ(conversationText(c), conversationText(searchTrainingItem(1, i)));
        EXPECT_NE(conversationText(c), conversationText(quizTrainingItem(1, i)));
        for (const auto &t : shortTurns(c)) {
            const Scene &scene = *t.scene;
            const auto &w = t.words;
            ASSERT_GE(w.size(), 4u) << t.question;
            if (w[0] == "Is" && w[1] == "there") {
                const int n = scene.count(colourOf(w[3]), shapeOf(w[4]));
                EXPECT_EQ(t.answer, n > 0 ? "yes" : "no") << t.question;
                isThereAnswers.insert(t.answer);
                ++forms["is there"];
            } else if (w[0] == "Where") {
                const int colour = colourOf(w[3]), shape = shapeOf(w[4]);
                ASSERT_EQ(scene.count(colour, shape), 1) << t.question;
                const auto o =
                    std::find_if(scene.objects.begin(), scene.objects.end(), [&](const Object &x) {
                        return x.colour == colour && x.shape == shape;
                    });
                EXPECT_EQ(t.answer, cellNames()[static_cast<size_t>(o->cell)]) << t.question;
                ++forms["where"];
            } else if (w[0] == "How" && w[3] == "objects") {
                ASSERT_GE(colourOf(w[2]), 0) << t.question;
                EXPECT_EQ(t.answer, std::to_string(scene.count(colourOf(w[2]), -1)));
                ++forms["count colour"];
            } else {
                ASSERT_EQ(w[0], "How") << "not a search or count: " << t.question;
                const int shape = shapeOf(w[2].substr(0, w[2].size() - 1)); // "stars"
                ASSERT_GE(shape, 0) << t.question;
                EXPECT_EQ(t.answer, std::to_string(scene.count(-1, shape)));
                ++forms["count shape"];
            }
        }
    }
    EXPECT_EQ(forms.size(), 4u);
    for (const auto &[form, n] : forms)
        EXPECT_GE(n, 20) << form;
    EXPECT_EQ(isThereAnswers, (std::set<std::string>{"no", "yes"}));
}

// Existence drills ask only "Is there a COLOUR SHAPE?", answered by the scene, yes and no about
// equally often; a no names a colour and a shape that are both in the scene on different objects
// whenever the scene has such a pair.
TEST(DemoWorld, ExistenceItemsAskIsThereAndTheirNosSplitAColourAndAShape)
{
    int yes = 0, no = 0, split = 0;
    for (uint64_t i = 0; i < 60; ++i) {
        const Conversation c = existenceTrainingItem(1, i);
        EXPECT_EQ(conversationText(c), conversationText(existenceTrainingItem(1, i)));
        EXPECT_NE(conversationText(c), conversationText(searchTrainingItem(1, i)));
        for (const auto &t : shortTurns(c)) {
            const Scene &scene = *t.scene;
            const auto &w = t.words;
            ASSERT_EQ(w.size(), 5u) << t.question;
            ASSERT_TRUE(w[0] == "Is" && w[1] == "there" && w[2] == "a") << t.question;
            const int colour = colourOf(w[3]), shape = shapeOf(w[4]);
            ASSERT_GE(colour, 0) << t.question;
            ASSERT_GE(shape, 0) << t.question;
            if (scene.count(colour, shape) > 0) {
                EXPECT_EQ(t.answer, "yes") << t.question;
                ++yes;
                continue;
            }
            EXPECT_EQ(t.answer, "no") << t.question;
            ++no;
            bool sceneHasSplit = false;
            for (int c2 = 0; c2 < static_cast<int>(objectColours().size()); ++c2)
                for (int s2 = 0; s2 < static_cast<int>(shapeNames().size()); ++s2)
                    sceneHasSplit =
                        sceneHasSplit || (scene.count(c2, s2) == 0 && scene.count(c2, -1) > 0 &&
                                          scene.count(-1, s2) > 0);
            const bool asksSplit = scene.count(colour, -1) > 0 && scene.count(-1, shape) > 0;
            EXPECT_EQ(asksSplit, sceneHasSplit) << t.question;
            split += asksSplit ? 1 : 0;
        }
    }
    EXPECT_GE(yes, 100);
    EXPECT_GE(no, 100);
    EXPECT_GE(split, no * 3 / 4); // most scenes of 2+ objects have a split pair
}

// Listing drills: every short question names a colour, a shape or both, and its answer lists the
// cells holding such an object in reading order, re-derived here cell by cell from the scene. A
// drill asked for one key draws the same scenes as the mixed drill and asks only that key; an
// echoed drill asks the same questions.
TEST(DemoWorld, ListingItemsListTheCellsThatHoldTheNamedObjects)
{
    const std::map<ListingKey, std::string> names{
        {ListingKey::Colour, "colour"}, {ListingKey::Shape, "shape"}, {ListingKey::Both, "both"}};
    for (ListingKey asked :
         {ListingKey::Any, ListingKey::Colour, ListingKey::Shape, ListingKey::Both}) {
        std::map<std::string, int> keys;
        std::set<size_t> listLengths;
        for (uint64_t i = 0; i < 40; ++i) {
            const Conversation c = listingTrainingItem(1, i, {asked});
            EXPECT_EQ(conversationText(c), conversationText(listingTrainingItem(1, i, {asked})));
            EXPECT_NE(conversationText(c), conversationText(searchTrainingItem(1, i)));
            const Conversation mixed = listingTrainingItem(1, i);
            ASSERT_EQ(c.scenes.size(), mixed.scenes.size());
            for (size_t k = 0; k < c.scenes.size(); ++k)
                EXPECT_EQ(describeScene(c.scenes[k]), describeScene(mixed.scenes[k]));
            // Echoed, the same questions; each answer first repeats what it searches for.
            const Conversation echoed = listingTrainingItem(1, i, {asked, true});
            ASSERT_EQ(echoed.turns.size(), c.turns.size());
            for (size_t k = 0; k < c.turns.size(); ++k) {
                const auto &plain = c.turns[k], &echo = echoed.turns[k];
                ASSERT_EQ(echo.question, plain.question);
                std::string expected = plain.answer;
                if (plain.kind == TurnKind::Short) { // "Where are the red objects?"
                    const size_t from = std::string("Where are the ").size();
                    expected = plain.question.substr(from, plain.question.size() - from - 1) +
                               ": " + plain.answer; // "red objects: top left"
                }
                EXPECT_EQ(echo.answer, expected);
            }
            for (const auto &t : shortTurns(c)) {
                const auto &w = t.words;
                ASSERT_TRUE(w.size() == 4 || w.size() == 5) << t.question;
                ASSERT_EQ(w[0] + " " + w[1] + " " + w[2], "Where are the") << t.question;
                const std::string last = w.back().substr(0, w.back().size() - 1); // "stars"
                const int colour = w.size() == 5 ? colourOf(w[3]) : -1;
                const int shape = last == "object" ? -1 : shapeOf(last);
                ASSERT_TRUE(w.size() == 4 || colour >= 0) << t.question;
                ASSERT_TRUE(last == "object" || shape >= 0) << t.question;
                ASSERT_TRUE(colour >= 0 || shape >= 0) << t.question;
                std::vector<std::string> cells;
                for (int cell = 0; cell < 9; ++cell) {
                    const Object *o = t.scene->at(cell);
                    if (o && (colour < 0 || o->colour == colour) &&
                        (shape < 0 || o->shape == shape))
                        cells.push_back(cellNames()[static_cast<size_t>(cell)]);
                }
                std::string expected = cells.empty() ? "none" : cells[0];
                for (size_t k = 1; k < cells.size(); ++k)
                    expected += ", " + cells[k];
                EXPECT_EQ(t.answer, expected) << t.question;
                listLengths.insert(cells.size());
                ++keys[colour < 0 ? "shape" : shape < 0 ? "colour" : "both"];
            }
        }
        if (asked == ListingKey::Any) {
            EXPECT_EQ(keys.size(), 3u);
            for (const auto &[key, n] : keys)
                EXPECT_GE(n, 20) << key;
        } else {
            ASSERT_EQ(keys.size(), 1u) << names.at(asked);
            EXPECT_EQ(keys.begin()->first, names.at(asked));
            EXPECT_GE(keys.begin()->second, 60);
        }
        // Both keys together rarely match more than one object.
        const size_t longest = asked == ListingKey::Both ? 1 : 3;
        for (size_t n = 0; n <= longest; ++n)
            EXPECT_TRUE(listLengths.count(n)) << "no list of " << n << " cells";
    }
}

// Reading drills: each image is described when it is shown, and every question after it is
// about a described image, so each answer can be read from the conversation above it.
TEST(DemoWorld, ReadingItemsAskAboutImagesDescribedAbove)
{
    const std::vector<std::string> ordinals = {"first", "second", "third"};
    auto lower = [](std::string s) {
        std::transform(s.begin(), s.end(), s.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        return s;
    };
    int earlier = 0, expectedEarlier = 0, wordsFound = 0;
    std::set<size_t> imageCounts, objectCounts;
    for (uint64_t i = 0; i < 20; ++i) {
        const Conversation c = readingTrainingItem(1, i);
        for (const auto &scene : c.scenes)
            objectCounts.insert(scene.objects.size());
        EXPECT_EQ(conversationText(c), conversationText(readingTrainingItem(1, i)));
        EXPECT_NE(conversationText(c), conversationText(longTrainingItem(1, i)));
        ASSERT_GE(c.scenes.size(), 2u);
        ASSERT_LE(c.scenes.size(), 3u);
        imageCounts.insert(c.scenes.size());
        expectedEarlier += static_cast<int>(c.scenes.size()) - 1;
        std::vector<std::string> descriptions;
        std::vector<int> questions;
        for (const auto &t : c.turns) {
            if (t.kind == TurnKind::Description) {
                ASSERT_EQ(t.image, static_cast<int>(descriptions.size())) << "item " << i;
                EXPECT_EQ(t.answer, describeScene(c.scenes[static_cast<size_t>(t.image)]));
                descriptions.push_back(lower(t.answer));
                questions.push_back(0);
                continue;
            }
            ASSERT_FALSE(descriptions.empty()) << "a question before the first description";
            EXPECT_EQ(t.image, -1) << "only descriptions show an image";
            size_t about = descriptions.size() - 1;
            if (t.kind == TurnKind::EarlierImage) {
                ++earlier;
                const auto it = std::find_if(ordinals.begin(), ordinals.end(), [&](const auto &o) {
                    return t.question.rfind("In the " + o + " image", 0) == 0;
                });
                ASSERT_NE(it, ordinals.end()) << t.question;
                about = static_cast<size_t>(it - ordinals.begin());
                EXPECT_LT(about, descriptions.size() - 1) << "an earlier image: " << t.question;
            } else {
                ++questions.back();
            }
            const bool word = std::all_of(t.answer.begin(), t.answer.end(), [](unsigned char ch) {
                return std::isalpha(ch) || ch == ' ';
            });
            if (word && t.answer != "yes" && t.answer != "no") {
                EXPECT_NE(descriptions[about].find(lower(t.answer)), std::string::npos)
                    << t.question << " -> " << t.answer;
                ++wordsFound;
            }
        }
        for (int q : questions) {
            EXPECT_GE(q, 3) << "item " << i;
            EXPECT_LE(q, 5) << "item " << i;
        }
    }
    EXPECT_EQ(earlier, expectedEarlier);
    EXPECT_EQ(imageCounts, (std::set<size_t>{2, 3}));
    // One-object scenes too: without them the model forgets how to describe one.
    EXPECT_EQ(objectCounts, (std::set<size_t>{1, 2, 3, 4, 5, 6, 7, 8}));
    EXPECT_GT(wordsFound, 100);
}
