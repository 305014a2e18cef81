#include "app/history/base64.h"

#include <stdexcept>

namespace ec::history {

namespace {
const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int decodeChar(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}
} // namespace

std::string base64Encode(const std::vector<unsigned char> &bytes)
{
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        unsigned v = unsigned(bytes[i]) << 16 | unsigned(bytes[i + 1]) << 8 | bytes[i + 2];
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    std::size_t rest = bytes.size() - i;
    if (rest) {
        unsigned v = unsigned(bytes[i]) << 16 | (rest == 2 ? unsigned(bytes[i + 1]) << 8 : 0u);
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::vector<unsigned char> base64Decode(std::string_view text)
{
    if (text.size() % 4 != 0)
        throw std::invalid_argument("base64: length is not a multiple of 4");
    std::vector<unsigned char> out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        bool last = i + 4 == text.size();
        int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
        if (pad == 1 && text[i + 2] == '=')
            throw std::invalid_argument("base64: misplaced padding");
        unsigned v = 0;
        for (int k = 0; k < 4 - pad; ++k) {
            int d = decodeChar(text[i + k]);
            if (d < 0)
                throw std::invalid_argument("base64: invalid character");
            v |= unsigned(d) << (18 - 6 * k);
        }
        out.push_back(static_cast<unsigned char>(v >> 16));
        if (pad < 2)
            out.push_back(static_cast<unsigned char>(v >> 8));
        if (pad < 1)
            out.push_back(static_cast<unsigned char>(v));
    }
    return out;
}

} // namespace ec::history
