// Vector files: .npy encoding and its error messages, the manifest, and the round trip
// export -> outputs written by a built-in kernel -> gate through the vector-file kernels.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "adapters/vectors_attention.hpp"
#include "adapters/vectors_error.hpp"
#include "adapters/vectors_export.hpp"
#include "adapters/vectors_kernel.hpp"
#include "adapters/vectors_npy.hpp"
#include "checks/attention_gate.hpp"
#include "checks/gate.hpp"
#include "core/rng.hpp"
#include "gate_test_support.hpp"
#include "temp_dir.hpp"
#include "test_seed.hpp"

using namespace softcheck;
using namespace softcheck::vectors;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
namespace fs = std::filesystem;

namespace {

using testing::TempDir;

std::vector<std::byte> bytes_of(std::string_view text) {
  std::vector<std::byte> bytes;
  for (char c : text) bytes.push_back(static_cast<std::byte>(c));
  return bytes;
}

// A version 1.0 file with this header text (padded like numpy) and these data bytes.
std::vector<std::byte> npy_with_header(std::string header, std::size_t data_bytes) {
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string file = std::string("\x93NUMPY\x01\x00", 8);
  file += static_cast<char>(header.size() & 0xFF);
  file += static_cast<char>(header.size() >> 8);
  file += header;
  file.append(data_bytes, '\x01');
  return bytes_of(file);
}

const Kernel& builtin_kernel(Op op, Format format, const std::string& algorithm) {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  const auto found = registry.match("builtin/" + std::string(name(op)) + "/" +
                                    std::string(name(format)) + "/" + algorithm);
  REQUIRE(found.size() == 1);
  return *found.front();
}

// Plays the framework: computes every case with a built-in kernel and writes its outputs.
void write_outputs_with(const fs::path& dir, const Manifest& manifest,
                        const std::string& algorithm) {
  for (const VectorCase& c : manifest.cases) {
    const Kernel& kernel = builtin_kernel(c.op, c.format, algorithm);
    const NpyArray x = read_npy(dir / c.input);
    std::vector<std::int64_t> targets(c.rows, 0);
    if (!c.target.empty())
      std::memcpy(targets.data(), read_npy(dir / c.target).data.data(),
                  c.rows * sizeof(std::int64_t));
    const std::size_t width = traits(c.format).storage_bytes;
    std::vector<std::byte> out(c.op == Op::logsumexp ? c.rows * width : c.rows * c.n * width);
    std::vector<std::byte> loss(c.rows * width);
    kernel.run({x.data.data(), out.data(), loss.data(), targets.data(), c.rows, c.n, c.n});
    fs::create_directories((dir / c.output).parent_path());
    write_npy(dir / c.output, npy_dtype(c.format), c.output_shape(), out);
    if (!c.loss.empty()) write_npy(dir / c.loss, npy_dtype(c.format), {c.rows}, loss);
  }
}

GateResult gate(const VectorSet& set) {
  GateOptions options = testing::quick_gate_options();
  options.seed = set.manifest().seed;
  options.probe_calls = false;  // stored outputs: nothing to call (as `vectors check`)
  options.include_batch = [&set](const Kernel& k, const std::string& family, std::size_t b) {
    return set.includes(k, family, b);
  };
  return run_gate(set.kernels(), ContractSet::builtin(), options);
}

ExportOptions quick_export(std::vector<Op> ops, std::vector<Format> formats) {
  return {Suite::quick, softcheck::testing::seed(), std::move(ops), std::move(formats)};
}

const AttentionKernel& builtin_attention(Format format, const std::string& algorithm) {
  AttentionRegistry& registry = AttentionRegistry::instance();
  register_builtin_attention_kernels(registry);
  const auto found =
      registry.match("builtin/attention/" + std::string(name(format)) + "/" + algorithm);
  REQUIRE(found.size() == 1);
  return *found.front();
}

// Plays the framework for attention: runs every head through a built-in kernel from the
// stored inputs and writes O and (as float64) the LSE.
void write_attention_outputs_with(const fs::path& dir, const Manifest& manifest,
                                  const std::string& algorithm) {
  for (const VectorCase& c : manifest.cases) {
    if (!c.attention) continue;
    const VectorAttention& a = *c.attention;
    const AttentionKernel& kernel = builtin_attention(c.format, algorithm);
    const NpyArray q = read_npy(dir / a.q), k = read_npy(dir / a.k), v = read_npy(dir / a.v);
    const NpyArray mask = read_npy(dir / (a.mask.additive ? a.bias : a.keep));
    std::vector<std::byte> out(a.shape.lq * a.shape.d * traits(c.format).storage_bytes);
    std::vector<double> lse(a.shape.lq);
    AttentionCall call;
    call.shape = a.shape;
    call.q = q.data.data(), call.k = k.data.data(), call.v = v.data.data();
    if (a.mask.additive)
      call.bias = mask.data.data();
    else
      call.keep = reinterpret_cast<const std::uint8_t*>(mask.data.data());
    call.mask = a.mask;
    call.scale = a.scale, call.softcap = a.softcap;
    call.out = out.data(), call.lse = lse.data();
    kernel.run(call);
    fs::create_directories((dir / c.output).parent_path());
    write_npy(dir / c.output, npy_dtype(c.format), c.output_shape(), out);
    write_npy(dir / a.lse, "<f8", {a.shape.lq},
              {reinterpret_cast<const std::byte*>(lse.data()), lse.size() * sizeof(double)});
  }
}

AttentionGateResult attention_gate(const VectorSet& set) {
  AttentionGateOptions options;
  options.suite = set.manifest().suite;
  options.seed = set.manifest().seed;
  options.include_case = [&set](const AttentionKernel& k, const std::string& family,
                                std::size_t i) { return set.includes_attention(k, family, i); };
  return run_attention_gate(set.attention_kernels(), options);
}

const VectorCase& find_case(const Manifest& manifest, const std::string& id) {
  for (const VectorCase& c : manifest.cases)
    if (c.id == id) return c;
  FAIL("no case " << id);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("npy files round-trip in every dtype, with numpy's 64-byte header alignment") {
  Rng rng(softcheck::testing::seed());
  for (std::string_view descr : kNpyDtypes)
    for (const std::vector<std::size_t>& shape :
         {std::vector<std::size_t>{3, 5}, {7}, {1, 1}, {0, 4}}) {
      INFO(descr << " " << shape_text(shape));
      std::size_t count = 1;
      for (std::size_t d : shape) count *= d;
      std::vector<std::byte> data(count * npy_item_size(descr));
      for (std::byte& b : data) b = static_cast<std::byte>(rng.below(256));
      const auto bytes = encode_npy(descr, shape, data);
      const NpyArray array = parse_npy(bytes, "memory");
      CHECK(array.header.descr == descr);
      CHECK(array.header.shape == shape);
      CHECK(array.header.data_offset % 64 == 0);
      CHECK(array.data == data);
    }
  TempDir dir("softcheck-vectors");
  const std::vector<std::byte> data(6 * 2, std::byte{0x7F});
  write_npy(dir.path() / "a.npy", "<u2", {2, 3}, data);
  CHECK(read_npy(dir.path() / "a.npy").data == data);
  CHECK(read_npy_header(dir.path() / "a.npy").shape == std::vector<std::size_t>{2, 3});
}

TEST_CASE("the npy encoding is byte for byte what numpy 1.24 writes") {
  // np.save(f, np.array([[1.5, -2.0], [0.0, 3.0]], '<f4'))
  const std::vector<std::byte> data =
      bytes_of(std::string("\x00\x00\xc0\x3f\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x40\x40", 16));
  auto expected = npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 0);
  expected.insert(expected.end(), data.begin(), data.end());
  CHECK(expected.size() == 144);
  CHECK(encode_npy("<f4", {2, 2}, data) == expected);
  // np.save(f, np.array([3, -1], '<i8')): a 1-tuple shape keeps its comma.
  const auto targets =
      npy_with_header("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", 16);
  CHECK(parse_npy(targets, "t.npy").header.shape == std::vector<std::size_t>{2});
  CHECK(encode_npy("<i8", {2}, std::vector<std::byte>(16, std::byte{1})) == targets);
}

TEST_CASE("malformed npy files are rejected with one line naming the file and the problem") {
  const std::string good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  const struct {
    const char* label;
    std::vector<std::byte> bytes;
    const char* needle;
  } cases[] = {
      {"bad magic", bytes_of("PK\x03\x04 not numpy at all"), "bad magic"},
      {"empty file", {}, "bad magic"},
      {"version",
       [] {
         auto b = npy_with_header("{}", 0);
         b[6] = std::byte{9};
         return b;
       }(),
       "unsupported .npy version 9"},
      {"header past the end", bytes_of(std::string("\x93NUMPY\x01\x00\xff\x00{", 11)),
       "truncated .npy header"},
      {"not a dict", npy_with_header("['<f4']", 24), "expected '{'"},
      {"no descr", npy_with_header("{'fortran_order': False, 'shape': (2, 3), }", 24),
       "no 'descr'"},
      {"no shape", npy_with_header("{'descr': '<f4', 'fortran_order': False, }", 24), "no 'shape'"},
      {"big-endian",
       npy_with_header("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", 24),
       "unsupported dtype '>f4'"},
      {"uint8 dtype",
       npy_with_header("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", 6),
       "unsupported dtype '|u1'"},
      {"structured",
       npy_with_header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8),
       "structured dtypes"},
      {"fortran order",
       npy_with_header("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24),
       "Fortran-order"},
      {"bad shape",
       npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", 24),
       "non-negative integer"},
      {"unknown key",
       npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", 24),
       "unexpected key 'x'"},
      {"unterminated", npy_with_header("{'descr': '<f4", 24), "unterminated string"},
      {"truncated data", npy_with_header(good, 23),
       "truncated data: shape (2, 3) needs 24 bytes, the file has 23"},
      {"trailing data", npy_with_header(good, 25), "1 bytes after the data of shape (2, 3)"},
  };
  for (const auto& c : cases) {
    INFO(c.label);
    try {
      parse_npy(c.bytes, "dir/x.npy");
      FAIL("accepted");
    } catch (const VectorsError& error) {
      const std::string message = error.what();
      CHECK_THAT(message, StartsWith("dir/x.npy: ") && Contains(c.needle));
      CHECK(message.find('\n') == std::string::npos);
    }
  }
  CHECK_THROWS_WITH(read_npy("/nonexistent/softcheck.npy"), Contains("no such file"));
  NpyHeader header{"<f4", {2, 3}, 64};
  CHECK_THROWS_WITH(expect_npy(header, "o.npy", "<f2", {2, 3}, "f16 softmax output"),
                    "o.npy: dtype '<f4', expected '<f2' (f16 softmax output)");
  CHECK_THROWS_WITH(expect_npy(header, "o.npy", "<f4", {2}, "f32 logsumexp output"),
                    "o.npy: shape (2, 3), expected (2,) (f32 logsumexp output)");
}

TEST_CASE(
    "outputs of a built-in kernel pass the gate through the vector files, every case checked") {
  TempDir dir("softcheck-vectors");
  const Manifest manifest = export_vectors(
      dir.path(),
      quick_export({Op::softmax, Op::logsumexp, Op::cross_entropy}, {Format::f32, Format::bf16}));
  REQUIRE(manifest.cases.size() > 100);
  for (const VectorCase& c : manifest.cases) {
    CHECK(c.rows > 0);
    CHECK(c.n > 0);
    CHECK(fs::exists(dir.path() / c.input));
  }
  write_outputs_with(dir.path(), manifest, "online");
  const VectorSet set = VectorSet::open(dir.path(), "test");
  REQUIRE(set.kernels().size() == 6);
  CHECK(set.kernels().front()->name() == "vectors:test/softmax/f32/outputs");
  const GateResult result = gate(set);
  for (const KernelResult& k : result.kernels) {
    INFO(k.kernel->name());
    CHECK(k.verdict == Verdict::pass);
    CHECK(k.checks.at(Check::accuracy).elements > 0);
    CHECK(k.checks.count(Check::crash) == 0);
  }
  CHECK(result.ok());
  CHECK(set.unserved_cases().empty());
  for (const KernelCases& k : set.summary()) CHECK(k.checked == k.total);
}

TEST_CASE("an output one element off by 1000 ulps is a violation at that family, batch and row") {
  TempDir dir("softcheck-vectors");
  const Manifest manifest = export_vectors(dir.path(), quick_export({Op::softmax}, {Format::f32}));
  write_outputs_with(dir.path(), manifest, "three-pass-reload");
  const VectorCase& c = find_case(manifest, "softmax/f32/normal-s3/1");
  const std::size_t row = c.rows - 1, column = c.n / 2;
  NpyArray out = read_npy(dir.path() / c.output);
  float value = 0;
  std::memcpy(&value, out.data.data() + (row * c.n + column) * 4, 4);
  REQUIRE(std::isnormal(value));
  std::uint32_t bits = 0;
  std::memcpy(&bits, &value, 4);
  bits += 1000;  // 1000 ulps up (same binade or the next: still far outside 4 + gap ulps)
  std::memcpy(out.data.data() + (row * c.n + column) * 4, &bits, 4);
  write_npy(dir.path() / c.output, "<f4", out.header.shape, out.data);

  const VectorSet set = VectorSet::open(dir.path(), "perturbed");
  const GateResult result = gate(set);
  const KernelResult& k = result.kernels.front();
  CHECK(k.verdict == Verdict::fail);
  CHECK(k.checks.at(Check::accuracy).violations == 1);
  REQUIRE_FALSE(k.reproducers.empty());
  const Violation& v = k.reproducers.front();
  CHECK(v.check == Check::accuracy);
  CHECK(v.family == "normal-s3");
  CHECK(v.batch == 1);
  CHECK(v.row == row);
  CHECK(v.element == column);
  CHECK(v.error > 900);
}

// The f16 log_softmax and cross-entropy export with the online kernel's outputs, made once:
// the sections below each change a copy of it (making it is most of their time, and Catch
// runs the test case once per section).
const fs::path& valid_f16_export() {
  static TempDir dir("softcheck-vectors-valid");
  static const bool made = [] {
    const Manifest manifest = export_vectors(
        dir.path(), quick_export({Op::log_softmax, Op::cross_entropy}, {Format::f16}));
    write_outputs_with(dir.path(), manifest, "online");
    VectorSet::open(dir.path());  // throws if the export itself were not valid
    return true;
  }();
  REQUIRE(made);
  return dir.path();
}

TEST_CASE(
    "inputs that do not match the suite, and missing or misshapen outputs, are input errors") {
  TempDir dir("softcheck-vectors");
  fs::copy(valid_f16_export(), dir.path(), fs::copy_options::recursive);
  const Manifest manifest = read_manifest(dir.path());
  const VectorCase& c = find_case(manifest, "cross_entropy/f16/confident/0");

  SECTION("a changed logit") {
    NpyArray x = read_npy(dir.path() / c.input);
    x.data[2 * (c.n + 3)] ^= std::byte{1};  // row 1, column 3
    write_npy(dir.path() / c.input, "<f2", x.header.shape, x.data);
    CHECK_THROWS_WITH(VectorSet::open(dir.path()),
                      Contains(c.input) && Contains("does not match the suite") &&
                          Contains("first difference at row 1, column 3"));
  }
  SECTION("a changed target") {
    NpyArray t = read_npy(dir.path() / c.target);
    t.data[8] ^= std::byte{1};
    write_npy(dir.path() / c.target, "<i8", t.header.shape, t.data);
    CHECK_THROWS_WITH(VectorSet::open(dir.path()), Contains("target file") &&
                                                       Contains("does not match the suite") &&
                                                       Contains("row 1"));
  }
  SECTION("another seed") {
    Manifest other = read_manifest(dir.path());
    other.seed += 1;
    write_manifest(dir.path(), other);
    CHECK_THROWS_WITH(VectorSet::open(dir.path()), Contains("does not match the suite"));
  }
  SECTION("a missing output") {
    fs::remove(dir.path() / c.loss);
    CHECK_THROWS_WITH(VectorSet::open(dir.path()),
                      Contains("loss file") && Contains(c.loss) && Contains("is missing"));
  }
  SECTION("an output of the wrong shape") {
    write_npy(dir.path() / c.output, "<f2", {c.rows}, std::vector<std::byte>(c.rows * 2));
    CHECK_THROWS_WITH(VectorSet::open(dir.path()),
                      Contains(c.output) && Contains("expected (" + std::to_string(c.rows)));
  }
  SECTION("an output of the wrong dtype") {
    write_npy(dir.path() / c.output, "<f4", c.output_shape(),
              std::vector<std::byte>(c.rows * c.n * 4));
    CHECK_THROWS_WITH(VectorSet::open(dir.path()), Contains("dtype '<f4', expected '<f2'"));
  }
}

TEST_CASE("malformed manifests are input errors naming manifest.json") {
  TempDir dir("softcheck-vectors");
  export_vectors(dir.path(), quick_export({Op::softmax}, {Format::f64}));
  const auto rewrite = [&](const std::string& from, const std::string& to) {
    std::ifstream in(dir.path() / "manifest.json");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    std::ofstream(dir.path() / "manifest.json") << text;
  };
  SECTION("not JSON") {
    std::ofstream(dir.path() / "manifest.json") << "{\"format\": ";
    CHECK_THROWS_WITH(read_manifest(dir.path()), Contains("manifest.json: not valid JSON"));
  }
  SECTION("another format") {
    rewrite("softcheck-vectors", "other");
    CHECK_THROWS_WITH(read_manifest(dir.path()), Contains("\"format\" is not"));
  }
  SECTION("unknown op") {
    rewrite("\"op\": \"softmax\"", "\"op\": \"softmaxx\"");
    CHECK_THROWS_WITH(read_manifest(dir.path()), Contains("unknown op 'softmaxx'"));
  }
  SECTION("a path leaving the directory") {
    rewrite("\"output\": \"outputs/", "\"output\": \"../outputs/");
    CHECK_THROWS_WITH(read_manifest(dir.path()), Contains("leaves the directory"));
  }
  SECTION("missing manifest") {
    fs::remove(dir.path() / "manifest.json");
    CHECK_THROWS_WITH(read_manifest(dir.path()), Contains("manifest.json: cannot read"));
  }
}

TEST_CASE(
    "skipped cases are neither checked nor passed; an all-skipped (op, dtype) has no kernel") {
  TempDir dir("softcheck-vectors");
  Manifest manifest =
      export_vectors(dir.path(), quick_export({Op::softmax, Op::log_softmax}, {Format::f32}));
  write_outputs_with(dir.path(), manifest, "online");
  std::size_t log_softmax_cases = 0;
  for (VectorCase& c : manifest.cases) {
    if (c.op == Op::log_softmax || c.id == "softmax/f32/masked/1") {
      c.skipped = "not implemented on this device";
      fs::remove(dir.path() / c.output);
      log_softmax_cases += c.op == Op::log_softmax;
    }
  }
  write_manifest(dir.path(), manifest);
  const VectorSet set = VectorSet::open(dir.path());
  REQUIRE(set.kernels().size() == 1);
  const Kernel& softmax = *set.kernels().front();
  CHECK_FALSE(set.includes(softmax, "masked", 1));
  CHECK(set.includes(softmax, "masked", 0));
  const GateResult result = gate(set);
  CHECK(result.ok());
  CHECK(set.unserved_cases().empty());
  CHECK(set.skipped_cases().size() == log_softmax_cases + 1);
  for (const KernelCases& k : set.summary()) {
    INFO(k.kernel);
    CHECK(k.checked + k.skipped == k.total);
    CHECK(k.has_kernel() == (k.op == Op::softmax));
  }
}

TEST_CASE("export refuses a non-empty directory that is not an earlier export") {
  TempDir dir("softcheck-vectors");
  std::ofstream(dir.path() / "notes.txt") << "mine";
  CHECK_THROWS_WITH(export_vectors(dir.path(), quick_export({Op::softmax}, {Format::f32})),
                    Contains("not empty"));
  fs::remove(dir.path() / "notes.txt");
  const Manifest first = export_vectors(dir.path(), quick_export({Op::softmax}, {Format::f32}));
  write_outputs_with(dir.path(), first, "online");
  export_vectors(dir.path(),
                 quick_export({Op::softmax}, {Format::f32}));        // an earlier export: fine
  CHECK_FALSE(fs::exists(dir.path() / first.cases.front().output));  // stale outputs removed
}

TEST_CASE("doubles are written exactly: C99 hex and every decimal digit") {
  CHECK(hex_text(0.25) == "0x1p-2");
  CHECK(hex_text(-HUGE_VAL) == "-inf");
  CHECK(exact_decimal(0.25) == "0.25");
  CHECK(exact_decimal(0.1) == "0.1000000000000000055511151231257827021181583404541015625");
  CHECK(exact_decimal(-HUGE_VAL) == "-inf");
  CHECK(std::strtod(exact_decimal(default_scale(3)).c_str(), nullptr) == default_scale(3));
  CHECK(std::strtod(hex_text(default_scale(3)).c_str(), nullptr) == default_scale(3));
}

TEST_CASE("attention heads of built-in kernels pass the attention gate through the vector files") {
  TempDir dir("softcheck-vectors");
  Manifest manifest = export_vectors(
      dir.path(), quick_export({Op::attention, Op::softmax}, {Format::f32, Format::bf16}));
  std::size_t heads = 0;
  for (const VectorCase& c : manifest.cases) {
    if (!c.attention) continue;
    ++heads;
    CHECK(c.op == Op::attention);
    CHECK(fs::exists(dir.path() / c.attention->q));
    CHECK(fs::exists(dir.path() /
                     (c.attention->mask.additive ? c.attention->bias : c.attention->keep)));
    CHECK(c.output_shape() ==
          std::vector<std::size_t>{c.attention->shape.lq, c.attention->shape.d});
  }
  REQUIRE(heads > 50);
  // The bf16 naive kernel rounds P to bf16: the framework declares it in the manifest.
  manifest.attention.present = true;
  manifest.attention.formats[Format::bf16] = {Format::bf16, Format::f32, PFormat::bf16};
  write_manifest(dir.path(), manifest);
  write_attention_outputs_with(dir.path(), manifest, "naive");
  Manifest rows = manifest;
  std::erase_if(rows.cases, [](const VectorCase& c) { return c.attention.has_value(); });
  write_outputs_with(dir.path(), rows, "online");
  const VectorSet set = VectorSet::open(dir.path(), "test");
  REQUIRE(set.attention_kernels().size() == 2);
  const AttentionKernel& f32 = *set.attention_kernels().front();
  CHECK(f32.name() == "vectors:test/attention/f32/outputs");
  CHECK(f32.provides_lse);
  CHECK(set.attention_kernels().back()->formats.p == PFormat::bf16);
  CHECK(set.kernels().size() == 2);  // softmax f32 and bf16
  const AttentionGateResult result = attention_gate(set);
  for (const AttentionKernelResult& k : result.kernels) {
    INFO(k.kernel->name());
    CHECK(k.passed());
    CHECK(k.checks.at("lse").checked > 0);
  }
  CHECK(gate(set).ok());
  CHECK(set.unserved_cases().empty());
  for (const KernelCases& k : set.summary()) CHECK(k.checked == k.total);
}

TEST_CASE("attention: a stored input that is not the suite's, or a missing O, is an input error") {
  TempDir dir("softcheck-vectors");
  const Manifest manifest =
      export_vectors(dir.path(), quick_export({Op::attention}, {Format::f32}));
  write_attention_outputs_with(dir.path(), manifest, "naive");
  const VectorCase& c = manifest.cases.front();
  SECTION("a changed V") {
    NpyArray v = read_npy(dir.path() / c.attention->v);
    v.data[4] ^= std::byte{1};
    write_npy(dir.path() / c.attention->v, "<f4", v.header.shape, v.data);
    CHECK_THROWS_WITH(VectorSet::open(dir.path()), Contains("v file") &&
                                                       Contains("row 0, column 1") &&
                                                       Contains("does not match"));
  }
  SECTION("a keep file of the wrong dtype") {
    const VectorCase& boolean =
        *std::find_if(manifest.cases.begin(), manifest.cases.end(),
                      [](const VectorCase& x) { return !x.attention->mask.additive; });
    const AttentionShape& s = boolean.attention->shape;
    write_npy(dir.path() / boolean.attention->keep, "<f4", {s.lq, s.lk},
              std::vector<std::byte>(s.lq * s.lk * 4));
    CHECK_THROWS_WITH(VectorSet::open(dir.path()), Contains("dtype '<f4', expected '|b1'"));
  }
  SECTION("a missing O") {
    fs::remove(dir.path() / c.output);
    CHECK_THROWS_WITH(VectorSet::open(dir.path()), Contains(c.output) && Contains("is missing"));
  }
  SECTION("an LSE of the wrong dtype") {
    write_npy(dir.path() / c.attention->lse, "<f2", {c.attention->shape.lq},
              std::vector<std::byte>(c.attention->shape.lq * 2));
    CHECK_THROWS_WITH(VectorSet::open(dir.path()), Contains("expected '<f4' or '<f8'"));
  }
}
