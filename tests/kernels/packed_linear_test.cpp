// The q8/q4 formats and the CPU products: bytes against an independent numpy implementation
// (tests/kernels/oracles/quant_oracle.py), the SIMD kernels against the scalar reference, and
// linear() on every path against float64 products.
#include "kernels/cpu/quant_kernels.h"
#include "kernels/packed_linear.h"
#include "support/run_process.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <filesystem>
#include <fstream>
#include <tuple>

namespace {

using ec::kernels::PackedLinear;
using ec::kernels::WeightFormat;
namespace cpu = ec::kernels::cpu;
namespace fs = std::filesystem;

void writeRaw(const fs::path &path, const at::Tensor &t)
{
    at::Tensor c = t.contiguous();
    std::ofstream(path, std::ios::binary)
        .write(static_cast<const char *>(c.data_ptr()),
               static_cast<std::streamsize>(c.numel() * c.element_size()));
}

at::Tensor readRaw(const fs::path &path, at::ScalarType dtype)
{
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
    const auto n = static_cast<int64_t>(bytes.size() / at::elementSize(dtype));
    return at::from_blob(bytes.data(), {n}, at::dtype(dtype)).clone();
}

bool haveNumpy()
{
    return ec::test::runProcess("/usr/bin/python3 -c 'import numpy' 2>/dev/null").exitCode == 0;
}

// Weights with outliers and an all-zero block, so the scale choice and the zero case matter.
at::Tensor testWeight(int64_t rows, int64_t cols, uint64_t seed)
{
    at::manual_seed(seed);
    at::Tensor w = at::randn({rows, cols}) * 0.05;
    w.index_put_({0, at::indexing::Slice(0, std::min<int64_t>(cols, 32))}, 0.0);
    w.view(-1).index_put_({at::randint(0, rows * cols, {rows})}, 0.7);
    w.view(-1).index_put_({at::randint(0, rows * cols, {rows})}, -0.9);
    return w;
}

class QuantOracle : public ::testing::TestWithParam<std::tuple<WeightFormat, int, int, int>>
{
};

TEST_P(QuantOracle, BytesDequantAndProductMatchNumpy)
{
    if (!haveNumpy())
        GTEST_SKIP() << "oracle unavailable: /usr/bin/python3 lacks python3-numpy "
                        "(packaging/install-deps.sh installs it)";
    auto [format, rows, cols, batch] = GetParam();
    const at::Tensor w = testWeight(rows, cols, 11 + static_cast<uint64_t>(cols));
    const at::Tensor x = at::randn({batch, cols});
    const fs::path dir = fs::temp_directory_path() / ("ec-quant-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    writeRaw(dir / "w.f32", w);
    writeRaw(dir / "x.f32", x);
    const std::string name = ec::kernels::weightFormatName(format);
    const auto r = ec::test::runProcess(
        "/usr/bin/python3 " EC_TEST_SOURCE_DIR "/tests/kernels/oracles/quant_oracle.py " +
        (dir / "w.f32").string() + " " + std::to_string(rows) + " " + std::to_string(cols) + " " +
        name + " " + (dir / "x.f32").string() + " " + std::to_string(batch) + " " + dir.string() +
        " 2>&1");
    ASSERT_EQ(r.exitCode, 0) << r.output;

    const PackedLinear p = PackedLinear::pack(w, format);
    const at::Tensor wantQ = readRaw(dir / "quants.bin", at::kByte);
    const at::Tensor wantD = readRaw(dir / "scales.bin", at::kShort);
    EXPECT_TRUE(at::equal(p.quants().view(at::kByte).reshape(-1), wantQ)) << name << " quants";
    EXPECT_TRUE(at::equal(p.scales().view(at::kShort).reshape(-1), wantD)) << name << " scales";
    const at::Tensor wantW = readRaw(dir / "dequant.f32", at::kFloat).view({rows, cols});
    EXPECT_TRUE(at::equal(p.unpacked(at::kFloat), wantW)) << name << " dequantized";

    // The product (activations quantized as the kernels do), within float32 summation error.
    const at::Tensor wantY = readRaw(dir / "y.f64", at::kDouble).view({batch, rows});
    for (const auto *k : {&cpu::scalarKernels(), cpu::avx2Kernels()}) {
        if (!k)
            continue;
        const int64_t padded = cpu::paddedCols(cols), blocks = padded / cpu::kQuantBlock;
        std::vector<int8_t> xq(static_cast<size_t>(batch * padded));
        std::vector<float> xd(static_cast<size_t>(batch * blocks)), xo(xd.size());
        for (int64_t m = 0; m < batch; ++m)
            cpu::quantizeActivation(x.data_ptr<float>() + m * cols, cols, xq.data() + m * padded,
                                    xd.data() + m * blocks, xo.data() + m * blocks);
        at::Tensor y = at::zeros({batch, rows});
        const auto *d = reinterpret_cast<const uint16_t *>(p.scales().data_ptr());
        if (format == WeightFormat::Q8)
            k->q8(p.quants().data_ptr<int8_t>(), d, xq.data(), xd.data(), batch,
                  y.data_ptr<float>(), rows, 0, rows, padded);
        else
            k->q4(p.quants().data_ptr<uint8_t>(), d, xq.data(), xd.data(), xo.data(), batch,
                  y.data_ptr<float>(), rows, 0, rows, padded);
        const double err = (y.to(at::kDouble) - wantY).abs().max().item<double>();
        const double scale = wantY.abs().max().item<double>();
        EXPECT_LT(err, 2e-6 * scale * std::sqrt(double(cols))) << k->name << " " << name;
    }
    fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, QuantOracle,
    ::testing::Values(std::make_tuple(WeightFormat::Q8, 37, 256, 1),
                      std::make_tuple(WeightFormat::Q8, 19, 344, 3), // padded last block
                      std::make_tuple(WeightFormat::Q4, 37, 256, 1),
                      std::make_tuple(WeightFormat::Q4, 19, 344, 3),
                      std::make_tuple(WeightFormat::Q4, 8, 40, 16),
                      // four-row groups, whole and partial eight-block steps, a tail row
                      std::make_tuple(WeightFormat::Q4, 13, 1056, 2)));

// linear() against a float64 product with the weight as the format stores it, on the kernel
// path (<= 16 rows) and the unpack-and-GEMM path, with a bias and a 3-D input.
class LinearPaths : public ::testing::TestWithParam<std::tuple<WeightFormat, int>>
{
};

TEST_P(LinearPaths, MatchFloat64ProductOfTheStoredWeight)
{
    auto [format, tokens] = GetParam();
    const int64_t out = 75, in = 200;
    const at::Tensor w = testWeight(out, in, 3);
    const at::Tensor bias = at::randn({out});
    const at::Tensor x = at::randn({1, tokens, in});
    const PackedLinear p = PackedLinear::pack(w, format);
    const at::Tensor y = ec::kernels::linear(x, p, bias);
    ASSERT_EQ(y.sizes(), (at::IntArrayRef{1, tokens, out}));
    ASSERT_EQ(y.scalar_type(), at::kFloat);
    const at::Tensor want = at::linear(x.to(at::kDouble), p.unpacked(at::kDouble),
                                       bias.to(at::kDouble));
    const double err = (y.to(at::kDouble) - want).abs().max().item<double>();
    const double scale = want.abs().max().item<double>();
    // q8/q4 also quantize the activations to int8 on the kernel path (~0.4% a block).
    const bool actQuant = ec::kernels::isQuantized(format) && tokens <= 16;
    EXPECT_LT(err, (actQuant ? 2e-2 : 1e-5) * scale)
        << ec::kernels::weightFormatName(format) << " x" << tokens;
}

INSTANTIATE_TEST_SUITE_P(All, LinearPaths,
                         ::testing::Combine(::testing::Values(WeightFormat::F32, WeightFormat::BF16,
                                                              WeightFormat::F16, WeightFormat::Q8,
                                                              WeightFormat::Q4),
                                            ::testing::Values(1, 5, 16, 17, 40)));

TEST(DenseKernels, SimdMatchesScalarForEveryWidth)
{
    const auto *avx2 = cpu::avx2Kernels();
    if (!avx2)
        GTEST_SKIP() << "this CPU has no AVX2 + FMA + F16C";
    for (int64_t cols : {1, 15, 16, 33, 200, 2048}) {
        const int64_t rows = 9, batch = 2;
        const at::Tensor x = at::randn({batch, cols});
        for (auto dtype : {at::kBFloat16, at::kHalf}) {
            const at::Tensor w = at::randn({rows, cols}).to(dtype);
            const auto *wp = reinterpret_cast<const uint16_t *>(w.data_ptr());
            at::Tensor a = at::zeros({batch, rows}), b = at::zeros({batch, rows});
            auto fn = dtype == at::kBFloat16 ? &cpu::GemvKernels::bf16 : &cpu::GemvKernels::f16;
            (cpu::scalarKernels().*fn)(wp, x.data_ptr<float>(), batch, a.data_ptr<float>(), rows,
                                       0, rows, cols);
            (avx2->*fn)(wp, x.data_ptr<float>(), batch, b.data_ptr<float>(), rows, 0, rows, cols);
            const at::Tensor want = at::matmul(x.to(at::kDouble), w.to(at::kDouble).t());
            const double tol = 1e-6 * static_cast<double>(cols); // float32 summation error
            EXPECT_LT((a.to(at::kDouble) - want).abs().max().item<double>(), tol) << cols;
            EXPECT_LT((b.to(at::kDouble) - want).abs().max().item<double>(), tol) << cols;
        }
    }
}

TEST(WeightFormats, NamesRoundTripAndOthersAreRefused)
{
    for (auto f : {WeightFormat::F32, WeightFormat::BF16, WeightFormat::F16, WeightFormat::Q8,
                   WeightFormat::Q4})
        EXPECT_EQ(ec::kernels::parseWeightFormat(ec::kernels::weightFormatName(f)), f);
    EXPECT_FALSE(ec::kernels::parseWeightFormat("q5").has_value());
    EXPECT_FALSE(ec::kernels::parseWeightFormat("").has_value());
}

TEST(WeightFormats, QuantizedBytesAreTheFormatsBitsPerWeight)
{
    const at::Tensor w = at::randn({64, 4096});
    EXPECT_EQ(PackedLinear::pack(w, WeightFormat::Q8).bytes(), 64 * 4096 * 34 / 32);
    EXPECT_EQ(PackedLinear::pack(w, WeightFormat::Q4).bytes(), 64 * 4096 * 18 / 32);
    EXPECT_EQ(PackedLinear::pack(w, WeightFormat::BF16).bytes(), 64 * 4096 * 2);
}

} // namespace

TEST(WeightFormats, StackedWeightsMultiplyAsTheirParts)
{
    const at::Tensor a = testWeight(40, 96, 5), b = testWeight(24, 96, 6);
    const at::Tensor x = at::randn({3, 96});
    for (auto f : {WeightFormat::BF16, WeightFormat::Q8, WeightFormat::Q4}) {
        const PackedLinear pa = PackedLinear::pack(a, f), pb = PackedLinear::pack(b, f);
        const PackedLinear both = PackedLinear::stack({pa, pb});
        EXPECT_EQ(both.outFeatures(), 64);
        EXPECT_EQ(both.bytes(), pa.bytes() + pb.bytes());
        const at::Tensor want = at::cat({ec::kernels::linear(x, pa), ec::kernels::linear(x, pb)}, -1);
        EXPECT_TRUE(at::equal(ec::kernels::linear(x, both), want)) << ec::kernels::weightFormatName(f);
    }
    EXPECT_THROW(PackedLinear::stack({PackedLinear::pack(a, WeightFormat::Q8),
                                      PackedLinear::pack(b, WeightFormat::Q4)}),
                 std::invalid_argument);
}

// Prefill-sized inputs against weights taller than one slab of unpacked rows (256): every slab's
// product lands in its own columns, for the 16-bit and the quantized formats.
TEST(LinearPaths, ManyRowsOverSeveralSlabsMatchFloat64)
{
    const int64_t out = 600, in = 96, tokens = 33;
    const at::Tensor w = testWeight(out, in, 5);
    const at::Tensor x = at::randn({tokens, in});
    for (WeightFormat format :
         {WeightFormat::BF16, WeightFormat::F16, WeightFormat::Q8, WeightFormat::Q4}) {
        const PackedLinear p = PackedLinear::pack(w, format);
        const at::Tensor y = ec::kernels::linear(x, p);
        const at::Tensor want = at::linear(x.to(at::kDouble), p.unpacked(at::kDouble));
        const double err = (y.to(at::kDouble) - want).abs().max().item<double>();
        EXPECT_LT(err, 1e-5 * want.abs().max().item<double>()) << weightFormatName(format);
    }
}
