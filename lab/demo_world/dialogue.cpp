#include "lab/demo_world/dialogue.h"

#include <cctype>
#include <functional>
#include <tuple>
#include <utility>

namespace ec::demo {

namespace {

const std::vector<std::string> kOrdinals{"first", "second", "third", "fourth"};

std::string colourOf(const Object &o)
{
    return objectColours()[static_cast<size_t>(o.colour)].name;
}
std::string shapeOf(const Object &o)
{
    return shapeNames()[static_cast<size_t>(o.shape)];
}
std::string capitalised(std::string s)
{
    if (!s.empty())
        s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    return s;
}
const Object &randomObject(Rng &rng, const Scene &scene)
{
    return scene.objects[static_cast<size_t>(rng.below(static_cast<int>(scene.objects.size())))];
}
bool uniquePair(const Scene &scene, const Object &o)
{
    return scene.count(o.colour, o.shape) == 1;
}

} // namespace

const char *kindName(TurnKind kind)
{
    switch (kind) {
    case TurnKind::Short:
        return "short";
    case TurnKind::Description:
        return "description";
    case TurnKind::FollowUp:
        return "followup";
    case TurnKind::EarlierImage:
        return "earlier_image";
    }
    return "?";
}

std::string describeScene(const Scene &scene)
{
    const size_t n = scene.objects.size();
    std::string text = "There is 1 object";
    if (n != 1) {
        text = "There are ";
        text += std::to_string(n);
        text += " objects";
    }
    text += " on a " + backgroundColours()[static_cast<size_t>(scene.background)].name;
    text += " background.";
    // Every cell is named, empty or not, so the description is complete and 60-150 tokens.
    for (int cell = 0; cell < 9; ++cell) {
        // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + string&&.
        text += ' ';
        text += capitalised(cellNames()[static_cast<size_t>(cell)]);
        text += ": ";
        if (const Object *o = scene.at(cell))
            text += "a " + sizeNames()[static_cast<size_t>(o->size)] + " " + colourOf(*o) + " " +
                    shapeOf(*o) + ".";
        else
            text += "empty.";
    }
    text += " In total: " + std::to_string(n) + (n == 1 ? " object." : " objects.");
    return text;
}

namespace {

// "Is there a COLOUR SHAPE?", answered by the scene.
QA isThere(const Scene &scene, int colour, int shape)
{
    return {"Is there a " + objectColours()[static_cast<size_t>(colour)].name + " " +
                shapeNames()[static_cast<size_t>(shape)] + "?",
            scene.count(colour, shape) > 0 ? "yes" : "no", -1, -1};
}

// shortQuestion's nine forms; o is the object the question is about (where it is about one).
enum Form { kColour, kShape, kCount, kCountColour, kCountShape, kWhere, kIsThere, kSize, kEmpty };

QA questionOfForm(Rng &rng, const Scene &scene, const Object &o, int form)
{
    const std::string where = cellNames()[static_cast<size_t>(o.cell)];
    switch (form) {
    case kColour:
        return {"What color is the object in the " + where + "?", colourOf(o), o.cell, 1};
    case kShape:
        return {"What shape is in the " + where + "?", shapeOf(o), o.cell, 0};
    case kCount:
        return {"How many objects are there?", std::to_string(scene.objects.size()), -1, -1};
    case kCountColour: {
        const int c = rng.below(static_cast<int>(objectColours().size()));
        return {"How many " + objectColours()[static_cast<size_t>(c)].name + " objects are there?",
                std::to_string(scene.count(c, -1)), -1, 3};
    }
    case kCountShape: {
        const int s = rng.below(static_cast<int>(shapeNames().size()));
        return {"How many " + shapeNames()[static_cast<size_t>(s)] + "s are there?",
                std::to_string(scene.count(-1, s)), -1, -1};
    }
    case kWhere:
        if (uniquePair(scene, o))
            return {"Where is the " + colourOf(o) + " " + shapeOf(o) + "?", where, o.cell, 2};
        return {"Is the object in the " + where + " small or large?",
                sizeNames()[static_cast<size_t>(o.size)], o.cell, 0};
    case kIsThere: {
        // Half the time ask about an object that is there, so yes and no are balanced.
        int c = o.colour, s = o.shape;
        if (rng.below(2) == 1) {
            c = rng.below(static_cast<int>(objectColours().size()));
            s = rng.below(static_cast<int>(shapeNames().size()));
        }
        return isThere(scene, c, s);
    }
    case kSize:
        return {"Is the object in the " + where + " small or large?",
                sizeNames()[static_cast<size_t>(o.size)], o.cell, 1};
    case kEmpty:
    default: {
        const int cell = rng.below(9);
        return {"Is the " + cellNames()[static_cast<size_t>(cell)] + " empty?",
                scene.at(cell) ? "no" : "yes", scene.at(cell) ? cell : -1, 1};
    }
    }
}

} // namespace

QA shortQuestion(Rng &rng, const Scene &scene)
{
    const Object &o = randomObject(rng, scene);
    return questionOfForm(rng, scene, o, rng.below(9));
}

QA searchQuestion(Rng &rng, const Scene &scene)
{
    constexpr int kSearchForms[] = {kCountColour, kCountShape, kWhere, kIsThere};
    const Object &o = randomObject(rng, scene);
    int form = kSearchForms[rng.below(4)];
    // "Where is" needs an object whose colour and shape are unique; shortQuestion asks about the
    // size then, which is no search.
    if (form == kWhere && !uniquePair(scene, o))
        form = kIsThere;
    return questionOfForm(rng, scene, o, form);
}

QA existenceQuestion(Rng &rng, const Scene &scene)
{
    const Object &o = randomObject(rng, scene);
    int colour = o.colour, shape = o.shape;
    if (rng.below(2) == 1) {
        // A colour and a shape that are both in the scene, never on one object: a model that
        // finds only one of them answers yes. Scenes without such a pair take any absent one.
        std::vector<std::pair<int, int>> split, absent;
        for (int c = 0; c < static_cast<int>(objectColours().size()); ++c) {
            for (int s = 0; s < static_cast<int>(shapeNames().size()); ++s) {
                if (scene.count(c, s) > 0)
                    continue;
                absent.emplace_back(c, s);
                if (scene.count(c, -1) > 0 && scene.count(-1, s) > 0)
                    split.emplace_back(c, s);
            }
        }
        const auto &pool = split.empty() ? absent : split;
        std::tie(colour, shape) =
            pool[static_cast<size_t>(rng.below(static_cast<int>(pool.size())))];
    }
    return isThere(scene, colour, shape);
}

QA listQuestion(Rng &rng, const Scene &scene, const ListingStyle &style)
{
    // Half the keys come from an object that is there, so most lists are not empty.
    const Object &o = randomObject(rng, scene);
    const bool present = rng.below(2) == 0;
    const int colour = present ? o.colour : rng.below(static_cast<int>(objectColours().size()));
    const int shape = present ? o.shape : rng.below(static_cast<int>(shapeNames().size()));
    const int drawn = rng.below(3); // 0 colour, 1 shape, 2 both
    const int key = style.key == ListingKey::Any ? drawn : static_cast<int>(style.key) - 1;
    const int c = key == 1 ? -1 : colour, s = key == 0 ? -1 : shape;
    std::string sought; // "red objects", "stars", "red stars"
    if (c >= 0)
        sought += objectColours()[static_cast<size_t>(c)].name + " ";
    sought += s >= 0 ? shapeNames()[static_cast<size_t>(s)] + "s" : std::string("objects");
    std::string answer;
    for (const Object &each : scene.objects) { // sorted by cell: reading order
        if ((c >= 0 && each.colour != c) || (s >= 0 && each.shape != s))
            continue;
        if (!answer.empty())
            answer += ", ";
        answer += cellNames()[static_cast<size_t>(each.cell)];
    }
    if (answer.empty())
        answer = "none";
    return {"Where are the " + sought + "?", style.echo ? sought + ": " + answer : answer, -1, -1};
}

QA followUp(Rng &rng, const Scene &scene, const QA &previous)
{
    if (previous.topic == 3) {
        const int s = rng.below(static_cast<int>(shapeNames().size()));
        return {"And how many " + shapeNames()[static_cast<size_t>(s)] + "s?",
                std::to_string(scene.count(-1, s)), -1, -1};
    }
    const Object *o = previous.subject >= 0 ? scene.at(previous.subject) : nullptr;
    if (!o)
        return {};
    switch (previous.topic) {
    case 0:
        return {"What color is it?", colourOf(*o), o->cell, 1};
    case 1:
        return {"What shape is it?", shapeOf(*o), o->cell, 2};
    default:
        return {"Is it small or large?", sizeNames()[static_cast<size_t>(o->size)], o->cell, 0};
    }
}

QA earlierImageQuestion(Rng &rng, const Scene &scene, int index)
{
    const std::string prefix = "In the " + kOrdinals[static_cast<size_t>(index)] + " image, ";
    const Object &o = randomObject(rng, scene);
    const std::string where = cellNames()[static_cast<size_t>(o.cell)];
    switch (rng.below(4)) {
    case 0:
        return {prefix + "what color is the object in the " + where + "?", colourOf(o), o.cell, 1};
    case 1:
        return {prefix + "what shape is in the " + where + "?", shapeOf(o), o.cell, 0};
    case 2:
        return {prefix + "how many objects are there?", std::to_string(scene.objects.size()), -1,
                -1};
    default:
        return {prefix + "is the object in the " + where + " small or large?",
                sizeNames()[static_cast<size_t>(o.size)], o.cell, 1};
    }
}

namespace {

using Ask = std::function<QA(Rng &, const Scene &)>;

void addShortTurns(Rng &rng, Conversation &c, int image, int count, bool showImage,
                   Ask ask = shortQuestion)
{
    const Scene &scene = c.scenes[static_cast<size_t>(image)];
    QA previous;
    for (int i = 0; i < count; ++i) {
        QA qa;
        TurnKind kind = TurnKind::Short;
        if (i > 0 && rng.below(2) == 0) {
            qa = followUp(rng, scene, previous);
            kind = TurnKind::FollowUp;
        }
        if (qa.question.empty()) {
            qa = ask(rng, scene);
            kind = TurnKind::Short;
        }
        c.turns.push_back({showImage && i == 0 ? image : -1, qa.question, qa.answer, kind});
        previous = qa;
    }
}

void addEarlierImageTurn(Rng &rng, Conversation &c, int image)
{
    const QA qa = earlierImageQuestion(rng, c.scenes[static_cast<size_t>(image)], image);
    c.turns.push_back({-1, qa.question, qa.answer, TurnKind::EarlierImage});
}

} // namespace

Conversation trainingConversation(Rng &rng)
{
    Conversation c;
    const int images = 1 + rng.below(3);
    for (int i = 0; i < images; ++i) {
        c.scenes.push_back(randomScene(rng));
        if (rng.below(3) == 0) {
            c.turns.push_back({i, "Describe the image in detail.", describeScene(c.scenes.back()),
                               TurnKind::Description});
            addShortTurns(rng, c, i, rng.below(2), false);
        } else {
            addShortTurns(rng, c, i, 1 + rng.below(3), true);
        }
        if (i > 0 && rng.below(3) != 0)
            addEarlierImageTurn(rng, c, rng.below(i));
    }
    return c;
}

namespace {

Conversation drill(Rng &rng, int maxObjects, Ask ask)
{
    Conversation c;
    const int images = 1 + rng.below(2);
    for (int i = 0; i < images; ++i) {
        c.scenes.push_back(randomScene(rng, 1, maxObjects));
        addShortTurns(rng, c, i, 4 + rng.below(3), true, ask);
    }
    if (images > 1)
        addEarlierImageTurn(rng, c, 0);
    return c;
}

} // namespace

Conversation quizConversation(Rng &rng, int maxObjects)
{
    return drill(rng, maxObjects, shortQuestion);
}

Conversation searchConversation(Rng &rng)
{
    return drill(rng, 8, searchQuestion);
}

Conversation existenceConversation(Rng &rng)
{
    return drill(rng, 8, existenceQuestion);
}

Conversation listingConversation(Rng &rng, const ListingStyle &style)
{
    return drill(rng, 8,
                 [&style](Rng &r, const Scene &scene) { return listQuestion(r, scene, style); });
}

Conversation readingConversation(Rng &rng)
{
    Conversation c;
    const int images = 2 + rng.below(2);
    for (int i = 0; i < images; ++i) {
        c.scenes.push_back(randomScene(rng));
        c.turns.push_back({i, "Describe the image in detail.", describeScene(c.scenes.back()),
                           TurnKind::Description});
        addShortTurns(rng, c, i, 3 + rng.below(3), false);
        if (i > 0)
            addEarlierImageTurn(rng, c, rng.below(i));
    }
    return c;
}

Conversation longConversation(Rng &rng, bool earlierImage)
{
    Conversation c;
    for (int i = 0; i < 4; ++i) {
        c.scenes.push_back(randomScene(rng, 3, 8));
        c.turns.push_back({i, "Describe the image in detail.", describeScene(c.scenes.back()),
                           TurnKind::Description});
        if (i < 3)
            addShortTurns(rng, c, i, 2, false);
    }
    if (earlierImage) {
        addEarlierImageTurn(rng, c, 0);
    } else {
        const Scene &last = c.scenes.back();
        QA first = shortQuestion(rng, last);
        QA next = followUp(rng, last, first);
        while (next.question.empty()) {
            first = shortQuestion(rng, last);
            next = followUp(rng, last, first);
        }
        c.turns.push_back({-1, first.question, first.answer, TurnKind::Short});
        c.turns.push_back({-1, next.question, next.answer, TurnKind::FollowUp});
    }
    return c;
}

} // namespace ec::demo
