// Internal: everything a loaded Tokenizer consists of. Only the loaders and tokenizer.cpp use it.
#pragma once

#include "engine/text/added_tokens.h"
#include "engine/text/bpe.h"
#include "engine/text/spm_normalizer.h"
#include "engine/text/unigram.h"
#include "engine/text/vocab.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ec::text {

enum class Algorithm { SpmBpe, HfBpe, Unigram };

// How a run of plain text (between added tokens) becomes the string the model segments.
enum class TextFlavour {
    SentencePiece, // SpNormalizer: dummy prefix on every run (sentencepiece itself)
    HfSteps,       // HF normalizer steps (legacy LLaMA: Prepend "▁", Replace " " -> "▁")
};

struct HfStep
{
    enum Kind { Prepend, Replace } kind;
    std::string a; // prepended text, or the pattern
    std::string b; // replacement
};

struct Metaspace
{
    enum Scheme { Always, First, Never } scheme = First;
    std::string replacement = "\xE2\x96\x81";
    bool split = false;
};

struct TokenizerData
{
    Vocab vocab;
    Algorithm algorithm = Algorithm::SpmBpe;
    TextFlavour flavour = TextFlavour::SentencePiece;
    SpNormalizer spNormalizer;
    std::vector<std::string> userDefined;
    std::vector<HfStep> hfSteps;
    std::optional<Metaspace> metaspace;
    MergeTable merges;
    UnigramModel unigram;
    bool byteFallback = false;
    bool fuseUnk = true;
    bool stripLeadingSpaceOnDecode = true;
    std::string unkSurface = " \xE2\x81\x87 ";
    AddedTokenMatcher added;
    int bos = -1, eos = -1, pad = -1, unk = -1;
    bool addBos = true;
    std::string kind; // for description()

    // Registers an added token, growing the vocabulary when its id is beyond it.
    void addToken(const AddedToken &token);
};

// The loaders (tokenizer_spm.cpp, tokenizer_json.cpp); they throw std::runtime_error.
std::shared_ptr<TokenizerData> buildFromSentencePiece(std::string_view modelBytes);
std::shared_ptr<TokenizerData> buildFromTokenizerJson(std::string_view jsonText);

} // namespace ec::text
