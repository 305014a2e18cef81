// Questions and answers about scenes: short questions, detailed descriptions, follow-ups that
// refer to an earlier turn, and questions about an earlier image once another one was shown.
// Every answer is computed from the Scene, never from the pixels.
#pragma once

#include "lab/demo_world/scene.h"

#include <string>
#include <vector>

namespace ec::demo {

enum class TurnKind { Short, Description, FollowUp, EarlierImage };
const char *kindName(TurnKind kind);

struct Turn
{
    int image = -1; // index into Conversation::scenes shown with this turn, or -1
    std::string question;
    std::string answer;
    TurnKind kind = TurnKind::Short;
};

struct Conversation
{
    std::vector<Scene> scenes;
    std::vector<Turn> turns;
};

std::string describeScene(const Scene &scene);

struct QA
{
    std::string question, answer;
    int subject = -1; // cell of the object the question is about (for follow-ups), or -1
    int topic = -1;   // 0 colour, 1 shape, 2 size, 3 count-by-colour: what a follow-up may ask
};

QA shortQuestion(Rng &rng, const Scene &scene);
// A short question that searches or counts by colour and shape: "Is there a red star?", "Where
// is the red star?", "How many stars are there?" or "How many red objects are there?", four of
// shortQuestion's nine forms, the ones a model learns last (docs/demo-model.md).
QA searchQuestion(Rng &rng, const Scene &scene);
// "Is there a COLOUR SHAPE?", half the time about an object that is there and half the time
// about a colour and a shape that are both in the scene but never on one object (any absent pair
// when the scene has none such). The held-out form draws its absent pairs at random, so most
// of them share a colour or a shape with some object; this form makes every no need both.
QA existenceQuestion(Rng &rng, const Scene &scene);
// A question that lists, in reading order, the cells whose object has a colour, a shape or both:
// "Where are the red objects?" -> "top left, center", "Where are the red stars?" -> "none". Not
// a held-out form: an answer of several cells trains search by content on every word, where a
// yes, a no or a count trains it on one. The key is drawn (a third each) unless one is given;
// the draws from `rng` are the same either way. With `echo` the answer first repeats what it
// searches for ("red objects: top left, center"): the token that predicts the first cell is then
// the key word itself, so a search can be learnt before the model has learnt to carry the key
// from the question to the answer (docs/demo-model.md; docs/lab/findings.md).
enum class ListingKey { Any, Colour, Shape, Both };
struct ListingStyle
{
    ListingKey key = ListingKey::Any;
    bool echo = false;
};
QA listQuestion(Rng &rng, const Scene &scene, const ListingStyle &style = {});
// A question that needs the earlier turn `previous` to be understood ("What color is it?").
// Returns an empty question when `previous` offers nothing to refer to.
QA followUp(Rng &rng, const Scene &scene, const QA &previous);
// A question about scene number `index` (0-based) asked after later images were shown.
QA earlierImageQuestion(Rng &rng, const Scene &scene, int index);

// Training conversations: 1-3 images, each with a description or short questions, follow-ups
// and questions about earlier images, mixed at random.
Conversation trainingConversation(Rng &rng);
// Question drill: 1-2 images, each with 4-6 short questions and follow-ups (no description), and
// a question about the first image after the second. Short sequences dense in one-word answers.
// Scenes hold 1..maxObjects objects (fewer: an easier first stage of a curriculum).
Conversation quizConversation(Rng &rng, int maxObjects = 8);
// Search drill: a question drill of 1-8 objects whose short questions are all searchQuestion's
// (follow-ups and the earlier-image question as in quizConversation).
Conversation searchConversation(Rng &rng);
// Existence drill: a question drill of 1-8 objects whose short questions are all
// existenceQuestion's.
Conversation existenceConversation(Rng &rng);
// Listing drill: a question drill of 1-8 objects whose short questions are all listQuestion's.
Conversation listingConversation(Rng &rng, const ListingStyle &style = {});
// Reading drill: 2-3 images of 1-8 objects, each described and then asked 3-5 short questions
// and follow-ups, with a question about an earlier image after every later one. Every answer is
// also in a description above it: the drill teaches the model to read its conversation, which
// the held-out follow-ups and earlier-image questions allow (the drills above have no text to
// read, and the long conversations hold two questions per description).
Conversation readingConversation(Rng &rng);
// Held-out multi-turn form: four images with descriptions and questions (500+ tokens), whose
// last turn is a follow-up (`earlierImage` false) or asks about the first image (true).
Conversation longConversation(Rng &rng, bool earlierImage);

} // namespace ec::demo
