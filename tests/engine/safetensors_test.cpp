#include "engine/checkpoint/safetensors.h"
#include "engine_test_support.h"

#include <ATen/ATen.h>

using namespace ec::engine::checkpoint;
using ec::test::expectThrowsWith;

namespace {

// A file from a raw header and a buffer of `bufferBytes` zero bytes.
std::string rawFile(const std::string &header, size_t bufferBytes, int64_t claimedLength = -1)
{
    uint64_t n = claimedLength >= 0 ? static_cast<uint64_t>(claimedLength) : header.size();
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i)
        out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return out + header + std::string(bufferBytes, '\0');
}

} // namespace

TEST(Safetensors, ReproducesReferenceTestVector)
{
    // safetensors tensor.rs test_serialization: one F32 [1,2,3] tensor, no metadata.
    NamedTensors t{{"attn.0", at::zeros({1, 2, 3})}};
    const std::string header = serializeHeader(t, {});
    EXPECT_EQ(header, R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})");
    EXPECT_EQ(header.size(), 64u);
}

TEST(Safetensors, HeaderIsPaddedWithSpacesAndSortedByAlignmentThenName)
{
    NamedTensors t{{"b", at::zeros({3}, at::kHalf)},
                   {"a", at::zeros({1}, at::kHalf)},
                   {"z", at::zeros({2}, at::kFloat)}};
    const std::string header = serializeHeader(t, {{"format", "pt"}});
    EXPECT_EQ(header.size() % 8, 0u);
    EXPECT_EQ(header.rfind("{\"__metadata__\":{\"format\":\"pt\"},\"z\"", 0), 0u) << header;
    EXPECT_LT(header.find("\"a\""), header.find("\"b\""));
    EXPECT_NE(header.find(R"("z":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})"),
              std::string::npos);
    EXPECT_NE(header.find(R"("a":{"dtype":"F16","shape":[1],"data_offsets":[8,10]})"),
              std::string::npos);
    const auto last = header.find_last_not_of(' ');
    EXPECT_EQ(header[last], '}');
}

TEST(Safetensors, RoundTripsEveryDtypeBitExactly)
{
    ec::test::TempDir dir;
    NamedTensors in{{"f32", at::randn({3, 5})},
                    {"f16", at::randn({7}).to(at::kHalf)},
                    {"bf16", at::randn({2, 2, 3}).to(at::kBFloat16)},
                    {"i64", at::arange(5, at::kLong)},
                    {"scalar", at::tensor(1.5f).reshape({})},
                    {"empty", at::zeros({0, 4})}};
    writeSafetensors(dir / "x.safetensors", in);
    SafetensorsFile file(dir / "x.safetensors");
    EXPECT_EQ(file.metadata().at("format"), "pt");
    ASSERT_EQ(file.tensors().size(), in.size());
    for (const auto &[name, t] : in) {
        at::Tensor back = file.view(name);
        EXPECT_EQ(back.scalar_type(), t.scalar_type()) << name;
        EXPECT_EQ(back.sizes(), t.sizes()) << name;
        EXPECT_TRUE(at::equal(back, t)) << name;
    }
}

TEST(Safetensors, RejectsFileShorterThanLengthPrefix)
{
    ec::test::TempDir dir;
    ec::test::writeFile(dir / "t.safetensors", "abc");
    expectThrowsWith([&] { SafetensorsFile f(dir / "t.safetensors"); },
                     {"t.safetensors", "fewer than the 8-byte header length"});
}

TEST(Safetensors, RejectsTruncatedHeader)
{
    ec::test::TempDir dir;
    ec::test::writeFile(dir / "t.safetensors", rawFile("{\"a\":", 0, 400));
    expectThrowsWith([&] { SafetensorsFile f(dir / "t.safetensors"); },
                     {"header length 400 runs past the end", "truncated"});
}

TEST(Safetensors, RejectsOversizedHeader)
{
    ec::test::TempDir dir;
    ec::test::writeFile(dir / "t.safetensors", rawFile("{}", 0, 200'000'000));
    expectThrowsWith([&] { SafetensorsFile f(dir / "t.safetensors"); },
                     {"200000000", "100 MB limit"});
}

TEST(Safetensors, RejectsMalformedJson)
{
    ec::test::TempDir dir;
    ec::test::writeFile(dir / "t.safetensors", rawFile("{\"a\": [1, 2", 0));
    expectThrowsWith([&] { SafetensorsFile f(dir / "t.safetensors"); },
                     {"t.safetensors", "not valid JSON"});
}

TEST(Safetensors, RejectsOffsetsOutsideTheFile)
{
    expectThrowsWith(
        [] { parseHeader(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8, "f"); },
        {"tensor 'w'", "outside the data buffer of 8 bytes"});
}

TEST(Safetensors, RejectsOverlappingTensors)
{
    expectThrowsWith(
        [] {
            parseHeader(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                        R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                        12, "f");
        },
        {"'a' and 'b' overlap"});
}

TEST(Safetensors, RejectsGapsAndTrailingBytes)
{
    expectThrowsWith(
        [] { parseHeader(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8, "f"); },
        {"gap of 4 bytes before tensor 'a'"});
    expectThrowsWith(
        [] { parseHeader(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 8, "f"); },
        {"cover 4 of the 8 data bytes"});
}

TEST(Safetensors, RejectsDtypeShapeLengthMismatch)
{
    expectThrowsWith(
        [] { parseHeader(R"({"a":{"dtype":"F16","shape":[3],"data_offsets":[0,8]}})", 8, "f"); },
        {"tensor 'a'", "F16 with 6 bytes by its shape but 8 bytes"});
}

TEST(Safetensors, RejectsUnknownDtypeAndDuplicateNames)
{
    expectThrowsWith(
        [] { parseHeader(R"({"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}})", 1, "f"); },
        {"unknown dtype \"Q4\""});
    expectThrowsWith(
        [] {
            parseHeader(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                        R"("a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                        2, "f");
        },
        {"'a' appears twice"});
}

TEST(Safetensors, RejectsNegativeShapeAndOverflow)
{
    expectThrowsWith(
        [] { parseHeader(R"({"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})", 1, "f"); },
        {"negative"});
    expectThrowsWith(
        [] {
            parseHeader(R"({"a":{"dtype":"F64","shape":[4611686018427387904,8],)"
                        R"("data_offsets":[0,1]}})",
                        1, "f");
        },
        {"overflows"});
}
