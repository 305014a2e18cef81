// The text tokenizer: SentencePiece `.model` files and HF `tokenizer.json` (SentencePiece-style
// BPE or unigram with byte fallback), added/special tokens, encode and decode. Plain C++ (no
// torch), immutable after loading, cheap to copy and safe to share between threads.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ec::text {

struct TokenizerData;

class Tokenizer
{
public:
    // Loads `dir`/tokenizer.json when present, else `dir`/tokenizer.model plus the added tokens
    // of added_tokens.json / tokenizer_config.json. Throws std::runtime_error.
    static Tokenizer fromDirectory(const std::filesystem::path &dir);
    static Tokenizer fromTokenizerJson(const std::filesystem::path &file);
    static Tokenizer fromTokenizerJsonText(std::string_view json);
    static Tokenizer fromSentencePieceModel(const std::filesystem::path &file);
    static Tokenizer fromSentencePieceBytes(std::string_view bytes);

    // Token ids of `text`, with the beginning-of-sequence id first when addBos (and the model
    // has one). Added tokens written in the text ("<image>") map to their ids.
    std::vector<int> encode(std::string_view text, bool addBos = true) const;
    // The pieces of `ids` ("▁Hello", "<0x0A>", "<image>").
    std::vector<std::string> pieces(std::span<const int> ids) const;

    // Text of `ids` as SentencePiece decodes it: "▁" becomes a space (the leading one dropped),
    // byte pieces are merged into UTF-8 (malformed bytes become U+FFFD), special tokens are
    // skipped unless skipSpecial is false. Throws std::out_of_range for an unknown id.
    std::string decode(std::span<const int> ids, bool skipSpecial = true) const;

    // Registers an extra special token (e.g. "<image>" for a checkpoint whose tokenizer lacks
    // it); `id` may lie outside the vocabulary. Returns a new tokenizer.
    Tokenizer withSpecialToken(const std::string &content, int id) const;

    int vocabSize() const; // every id decode() accepts is below this
    int bosId() const;     // -1 when none
    int eosId() const;
    int padId() const;
    int unkId() const;
    int tokenId(std::string_view piece) const; // -1 when unknown
    std::string idToPiece(int id) const;
    bool isSpecial(int id) const;
    std::string description() const; // "SentencePiece BPE, 32000 pieces, byte fallback"

private:
    explicit Tokenizer(std::shared_ptr<const TokenizerData> data);
    // decode() of ids that continue a decode: `atStart` says whether a leading "▁" may still be
    // dropped, and is updated for the ids that follow.
    std::string decodeAfter(std::span<const int> ids, bool skipSpecial, bool &atStart) const;
    friend class StreamingDecoder;
    std::shared_ptr<const TokenizerData> m_data;
};

} // namespace ec::text
