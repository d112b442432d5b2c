// A shard's file: see gate_shard.hpp.
#include "report/gate_shard.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/fp8.hpp"

namespace softcheck {
namespace {

using nlohmann::json;

// A double exactly: C's %a ("0x1.8p+1", "inf", "-inf", "nan").
std::string exact(double value) {
  if (std::isnan(value)) return "nan";
  char text[64];
  std::snprintf(text, sizeof text, "%a", value);
  return text;
}

json exact_list(const std::vector<double>& values) {
  json list = json::array();
  for (double x : values) list.push_back(exact(x));
  return list;
}

}  // namespace

nlohmann::json exact_contract_json(const Contract& c) {
  return {{"max_ulp", exact(c.max_ulp)},
          {"ulp_per_gap", exact(c.ulp_per_gap)},
          {"ulp_per_element", exact(c.ulp_per_element)},
          {"abs_ulp_of_scale", exact(c.abs_ulp_of_scale)},
          {"abs_ulp_of_output_norm", exact(c.abs_ulp_of_output_norm)},
          {"abs_eps", exact(c.abs_eps)},
          {"subnormal_ulp", exact(c.subnormal_ulp)},
          {"flush_subnormals", c.flush_subnormals},
          {"sum_slack", exact(c.sum_slack)},
          {"special_values", c.special_values},
          {"fully_masked", std::string(name(c.fully_masked))},
          {"max_bias_ulp", exact(c.max_bias_ulp)},
          {"empty_error", c.empty_error},
          {"in_place", c.in_place},
          {"expect_fail", c.expect_fail},
          {"reason", c.reason}};
}

namespace {

json violation_fields(const Violation& v) {
  json inputs = json::array();
  for (const auto& [input, values] : v.inputs) inputs.push_back({input, exact_list(values)});
  return {{"kernel", v.kernel},   {"check", std::string(name(v.check))},
          {"family", v.family},   {"family_seed", v.family_seed},
          {"batch", v.batch},     {"row", v.row},
          {"element", v.element}, {"output", v.output},
          {"got", exact(v.got)},  {"expected", exact(v.expected)},
          {"exact", exact(v.exact)}, {"error", exact(v.error)},
          {"allowed", exact(v.allowed)}, {"n", v.n},
          {"target", v.target},   {"logits", exact_list(v.logits)},
          {"message", v.message}, {"inputs", inputs}};
}

json part_fields(const GatePart& part) {
  json fields = exact_kernel_result_json(part.result);
  json unit = nullptr;
  if (part.unit != GatePart::kZeroSizeUnit) {
    const std::size_t families_count = families().size();
    unit = {{"format", std::string(name(kAllFormats[part.unit / families_count]))},
            {"family", families()[part.unit % families_count].name}};
  }
  fields["kernel"] = part.kernel;
  fields["unit"] = unit;
  return fields;
}

json attention_fields(const AttentionGateResult& result) {
  json kernels = json::array();
  for (const AttentionKernelResult& k : result.kernels) {
    const AttentionKernel& kernel = *k.kernel;
    json checks = json::object();
    for (const auto& [check, s] : k.checks)
      checks[check] = {{"checked", s.checked},
                       {"violations", s.violations},
                       {"worst_ratio", exact(s.worst_ratio)},
                       {"vacuous", s.vacuous},
                       {"kept", s.kept}};
    json reproducers = json::array();
    for (const AttentionViolation& v : k.reproducers)
      reproducers.push_back({{"kernel", v.kernel},       {"check", v.check},
                             {"family", v.family},       {"family_seed", v.family_seed},
                             {"case", v.case_index},     {"row", v.row},
                             {"column", v.column},       {"got", exact(v.got)},
                             {"expected", exact(v.expected)}, {"exact", exact(v.exact)},
                             {"error", exact(v.error)},  {"allowed", exact(v.allowed)},
                             {"description", v.description}, {"message", v.message}});
    kernels.push_back({{"name", kernel.name()},
                       {"algorithm", kernel.algorithm},
                       {"provider", kernel.provider},
                       {"storage", std::string(name(kernel.formats.storage))},
                       {"accumulation", std::string(name(kernel.formats.accumulation))},
                       {"p_format", std::string(name(kernel.formats.p))},
                       {"provides_lse", kernel.provides_lse},
                       {"masked_row", std::string(name(kernel.declared.masked_row))},
                       {"masked_row_lse", exact(kernel.declared.masked_row_lse)},
                       {"cases", k.cases},
                       {"refused", k.refused},
                       {"checks", checks},
                       {"reproducers", reproducers}});
  }
  return {{"cases", result.cases},
          {"reference_rows", result.reference_rows},
          {"mpfr_rows", result.mpfr_rows},
          {"seconds", exact(result.seconds)},
          {"kernels", kernels}};
}

// Reading: every accessor throws ShardFileError naming the field.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw ShardFileError(path_ + ": " + what);
  }
  const json& field(const json& object, const char* key) const {
    if (!object.is_object() || !object.contains(key)) fail(std::string("missing field '") + key + "'");
    return object.at(key);
  }
  std::string text(const json& object, const char* key) const {
    const json& v = field(object, key);
    if (!v.is_string()) fail(std::string("field '") + key + "' is not a string");
    return v.get<std::string>();
  }
  std::uint64_t count(const json& object, const char* key) const {
    const json& v = field(object, key);
    if (!v.is_number_unsigned()) fail(std::string("field '") + key + "' is not a count");
    return v.get<std::uint64_t>();
  }
  std::int64_t integer(const json& object, const char* key) const {
    const json& v = field(object, key);
    if (!v.is_number_integer()) fail(std::string("field '") + key + "' is not an integer");
    return v.get<std::int64_t>();
  }
  bool flag(const json& object, const char* key) const {
    const json& v = field(object, key);
    if (!v.is_boolean()) fail(std::string("field '") + key + "' is not true or false");
    return v.get<bool>();
  }
  double number(const json& v, const char* key) const {
    if (!v.is_string()) fail(std::string("field '") + key + "' is not an exact number");
    const std::string s = v.get<std::string>();
    if (s == "nan") return NAN;
    char* end = nullptr;
    const double value = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0') fail(std::string("field '") + key + "' is not a number: " + s);
    return value;
  }
  // The exact number in object[key].
  double exact_field(const json& object, const char* key) const { return number(field(object, key), key); }
  std::vector<double> numbers(const json& object, const char* key) const {
    return number_list(field(object, key), key);
  }
  std::vector<double> number_list(const json& v, const char* key) const {
    if (!v.is_array()) fail(std::string("field '") + key + "' is not a list");
    std::vector<double> values;
    for (const json& x : v) values.push_back(number(x, key));
    return values;
  }
  template <class T, class Parse>
  T parsed(const json& object, const char* key, Parse parse) const {
    const std::string s = text(object, key);
    const std::optional<T> value = parse(s);
    if (!value) fail(std::string("field '") + key + "' has an unknown value '" + s + "'");
    return *value;
  }

 private:
  std::string path_;
};

// The value of an enum whose name(value) is `text`, among `all`.
template <class T, std::size_t N>
std::optional<T> by_name(std::string_view text, const T (&all)[N]) {
  for (T value : all)
    if (name(value) == text) return value;
  return std::nullopt;
}

constexpr FullyMaskedOutcome kFullyMaskedOutcomes[] = {
    FullyMaskedOutcome::nan, FullyMaskedOutcome::zero, FullyMaskedOutcome::nan_or_zero};
constexpr MaskedRowOutput kMaskedRowOutputs[] = {MaskedRowOutput::nan, MaskedRowOutput::zero,
                                                 MaskedRowOutput::uniform};

Contract read_contract(const Reader& in, const json& c) {
  Contract k;
  k.max_ulp = in.exact_field(c, "max_ulp");
  k.ulp_per_gap = in.exact_field(c, "ulp_per_gap");
  k.ulp_per_element = in.exact_field(c, "ulp_per_element");
  k.abs_ulp_of_scale = in.exact_field(c, "abs_ulp_of_scale");
  k.abs_ulp_of_output_norm = in.exact_field(c, "abs_ulp_of_output_norm");
  k.abs_eps = in.exact_field(c, "abs_eps");
  k.subnormal_ulp = in.exact_field(c, "subnormal_ulp");
  k.flush_subnormals = in.flag(c, "flush_subnormals");
  k.sum_slack = in.exact_field(c, "sum_slack");
  k.special_values = in.flag(c, "special_values");
  k.fully_masked = in.parsed<FullyMaskedOutcome>(
      c, "fully_masked", [](std::string_view s) { return by_name(s, kFullyMaskedOutcomes); });
  k.max_bias_ulp = in.exact_field(c, "max_bias_ulp");
  k.empty_error = in.flag(c, "empty_error");
  k.in_place = in.flag(c, "in_place");
  k.expect_fail = in.flag(c, "expect_fail");
  k.reason = in.text(c, "reason");
  return k;
}

Check read_check(const Reader& in, const json& object, const char* key) {
  return in.parsed<Check>(object, key, [](std::string_view s) { return by_name(s, kAllChecks); });
}

Check check_named(const Reader& in, const std::string& text) {
  const auto check = by_name(std::string_view(text), kAllChecks);
  if (!check) in.fail("unknown check '" + text + "'");
  return *check;
}

Violation read_violation(const Reader& in, const json& v) {
  Violation out{in.text(v, "kernel"), read_check(in, v, "check"), in.text(v, "family"),
                in.count(v, "family_seed"), in.count(v, "batch"), in.count(v, "row"),
                in.count(v, "element"), in.text(v, "output"), in.exact_field(v, "got"),
                in.exact_field(v, "expected"), in.exact_field(v, "exact"),
                in.exact_field(v, "error"), in.exact_field(v, "allowed"), in.count(v, "n"),
                in.integer(v, "target"), in.numbers(v, "logits"), in.text(v, "message")};
  for (const json& input : in.field(v, "inputs")) {
    if (!input.is_array() || input.size() != 2 || !input[0].is_string())
      in.fail("a reproducer's 'inputs' entry is not [name, values]");
    out.inputs.emplace_back(input[0].get<std::string>(), in.number_list(input[1], "inputs"));
  }
  return out;
}

void read_kernel_result(const Reader& in, const json& p, KernelResult& r) {
  for (const auto& [check, s] : in.field(p, "checks").items())
    r.checks[check_named(in, check)] = {in.count(s, "elements"), in.count(s, "violations"),
                                        in.exact_field(s, "worst_error"),
                                        in.exact_field(s, "worst_allowed"), in.count(s, "kept")};
  for (const auto& [check, count] : in.field(p, "declared").items()) {
    if (!count.is_number_unsigned()) in.fail("a declared count is not a count");
    r.declared[check_named(in, check)] = count.get<std::size_t>();
  }
  for (const json& f : in.field(p, "bias")) {
    FamilyBias bias;
    bias.family = in.text(f, "family");
    bias.stats.values = in.count(f, "values");
    bias.stats.rows = in.count(f, "rows");
    bias.stats.error = {in.exact_field(f, "error_sum"), in.exact_field(f, "error_squares")};
    bias.stats.excess = {in.exact_field(f, "excess_sum"), in.exact_field(f, "excess_squares")};
    bias.stats.away = in.count(f, "away");
    r.bias.push_back(std::move(bias));
  }
  for (const json& v : in.field(p, "reproducers")) r.reproducers.push_back(read_violation(in, v));
}

void read_part(const Reader& in, const json& p, GateShard& shard) {
  GatePart part;
  part.kernel = in.count(p, "kernel");
  if (part.kernel >= shard.rows.kernels.size()) in.fail("a part names kernel " + std::to_string(part.kernel) + ", past the list");
  part.result = shard.rows.kernels[part.kernel];
  const json& unit = in.field(p, "unit");
  if (!unit.is_null()) {
    const Format format = in.parsed<Format>(unit, "format", parse_format);
    const auto order = unit_order(format, in.text(unit, "family"));
    if (!order) in.fail("unknown family '" + in.text(unit, "family") + "'");
    part.unit = *order;
  }
  read_kernel_result(in, p, part.result);
  shard.rows.parts.push_back(std::move(part));
}

void read_kernels(const Reader& in, const json& list, GateShard& shard) {
  for (const json& k : list) {
    Kernel kernel;
    kernel.op = in.parsed<Op>(k, "op", parse_op);
    kernel.format = in.parsed<Format>(k, "format", parse_format);
    kernel.algorithm = in.text(k, "algorithm");
    kernel.provider = in.text(k, "provider");
    if (kernel.name() != in.text(k, "name")) in.fail("kernel '" + in.text(k, "name") + "' does not match its fields");
    shard.kernels.push_back(std::make_unique<Kernel>(std::move(kernel)));
    KernelResult result;
    result.kernel = shard.kernels.back().get();
    result.contract = read_contract(in, in.field(k, "contract"));
    result.baseline = read_contract(in, in.field(k, "strict_contract"));
    shard.rows.kernels.push_back(std::move(result));
  }
}

AttentionGateResult read_attention(const Reader& in, const json& a, GateShard& shard) {
  AttentionGateResult result;
  result.suite = shard.rows.suite;
  result.seed = shard.rows.seed;
  result.cases = in.count(a, "cases");
  result.reference_rows = in.count(a, "reference_rows");
  result.mpfr_rows = in.count(a, "mpfr_rows");
  result.seconds = in.exact_field(a, "seconds");
  for (const json& k : in.field(a, "kernels")) {
    AttentionKernel kernel;
    kernel.algorithm = in.text(k, "algorithm");
    kernel.provider = in.text(k, "provider");
    kernel.formats.storage = in.parsed<Format>(k, "storage", parse_format);
    kernel.formats.accumulation = in.parsed<Format>(k, "accumulation", parse_format);
    kernel.formats.p = in.parsed<PFormat>(k, "p_format", parse_p_format);
    kernel.provides_lse = in.flag(k, "provides_lse");
    kernel.declared.masked_row = in.parsed<MaskedRowOutput>(
        k, "masked_row", [](std::string_view s) { return by_name(s, kMaskedRowOutputs); });
    kernel.declared.masked_row_lse = in.exact_field(k, "masked_row_lse");
    if (kernel.name() != in.text(k, "name")) in.fail("attention kernel '" + in.text(k, "name") + "' does not match its fields");
    shard.attention_kernels.push_back(std::make_unique<AttentionKernel>(std::move(kernel)));
    AttentionKernelResult r;
    r.kernel = shard.attention_kernels.back().get();
    r.cases = in.count(k, "cases");
    for (const auto& [reason, count] : in.field(k, "refused").items()) {
      if (!count.is_number_unsigned()) in.fail("a refused count is not a count");
      r.refused[reason] = count.get<std::size_t>();
    }
    for (const auto& [check, s] : in.field(k, "checks").items())
      r.checks[check] = {in.count(s, "checked"), in.count(s, "violations"),
                         in.exact_field(s, "worst_ratio"), in.count(s, "vacuous"),
                         in.count(s, "kept")};
    for (const json& v : in.field(k, "reproducers"))
      r.reproducers.push_back({in.text(v, "kernel"), in.text(v, "check"), in.text(v, "family"),
                               in.count(v, "family_seed"), in.count(v, "case"), in.count(v, "row"),
                               in.count(v, "column"), in.exact_field(v, "got"),
                               in.exact_field(v, "expected"), in.exact_field(v, "exact"),
                               in.exact_field(v, "error"), in.exact_field(v, "allowed"),
                               in.text(v, "description"), in.text(v, "message")});
    result.kernels.push_back(std::move(r));
  }
  return result;
}

}  // namespace

json exact_kernel_result_json(const KernelResult& r) {
  json checks = json::object();
  for (const auto& [check, s] : r.checks)
    checks[std::string(name(check))] = {{"elements", s.elements},
                                        {"violations", s.violations},
                                        {"worst_error", exact(s.worst_error)},
                                        {"worst_allowed", exact(s.worst_allowed)},
                                        {"kept", s.kept}};
  json declared = json::object();
  for (const auto& [check, count] : r.declared) declared[std::string(name(check))] = count;
  json bias = json::array();
  for (const FamilyBias& f : r.bias)
    bias.push_back({{"family", f.family},
                    {"values", f.stats.values},
                    {"rows", f.stats.rows},
                    {"error_sum", exact(f.stats.error.sum)},
                    {"error_squares", exact(f.stats.error.squares)},
                    {"excess_sum", exact(f.stats.excess.sum)},
                    {"excess_squares", exact(f.stats.excess.squares)},
                    {"away", f.stats.away}});
  json reproducers = json::array();
  for (const Violation& v : r.reproducers) reproducers.push_back(violation_fields(v));
  return {{"checks", checks}, {"declared", declared}, {"bias", bias}, {"reproducers", reproducers}};
}

void read_exact_kernel_result(const nlohmann::json& value, const std::string& path,
                              KernelResult& into) {
  const Reader in(path);
  try {
    read_kernel_result(in, value, into);
  } catch (const json::exception& e) {
    in.fail(std::string("malformed (") + e.what() + ")");
  }
}

std::string exact_number_text(double value) { return exact(value); }

double exact_number_value(const nlohmann::json& value, const std::string& path) {
  return Reader(path).number(value, "number");
}

void write_gate_shard(std::ostream& out, const ShardHeader& header, const GateParts& rows,
                      const AttentionGateResult* attention) {
  json kernels = json::array();
  for (const KernelResult& k : rows.kernels)
    kernels.push_back({{"name", k.kernel->name()},
                       {"op", std::string(name(k.kernel->op))},
                       {"format", std::string(name(k.kernel->format))},
                       {"algorithm", k.kernel->algorithm},
                       {"provider", k.kernel->provider},
                       {"contract", exact_contract_json(k.contract)},
                       {"strict_contract", exact_contract_json(k.baseline)}});
  json parts = json::array();
  for (const GatePart& part : rows.parts) parts.push_back(part_fields(part));
  json elements = json::array();
  const std::size_t families_count = families().size();
  for (const auto& [unit, batches] : rows.batch_elements)
    elements.push_back({{"format", std::string(name(kAllFormats[unit / families_count]))},
                        {"family", families()[unit % families_count].name},
                        {"batches", batches}});
  json document = {{"document", kGateShardDocument},
                   {"tool", "softcheck"},
                   {"version", header.version},
                   {"command", header.command},
                   {"plan", header.plan},
                   {"shard", {{"index", header.shard.index + 1}, {"count", header.shard.count}}},
                   {"suite", std::string(name(rows.suite))},
                   {"seed", rows.seed},
                   {"reproducers_per_check", header.reproducers_per_check},
                   {"seconds", exact(header.seconds)},
                   {"kernels", kernels},
                   {"parts", parts},
                   {"batch_elements", elements},
                   {"attention", attention ? attention_fields(*attention) : json(nullptr)},
                   {"extra", header.extra}};
  out << document.dump(1) << "\n";
}

GateShard read_gate_shard(const std::string& path) {
  const Reader in(path);
  std::ifstream file(path);
  if (!file) in.fail("cannot open");
  json document;
  try {
    document = json::parse(file);
  } catch (const json::exception& e) {
    in.fail(std::string("not JSON (") + e.what() + ")");
  }
  if (!document.is_object() || !document.contains("document") ||
      document["document"] != kGateShardDocument)
    in.fail("not a shard file (write one with softcheck gate --shard K/N --json FILE)");
  GateShard shard;
  try {
    shard.header.version = in.text(document, "version");
    shard.header.command = in.text(document, "command");
    shard.header.plan = in.text(document, "plan");
    const json& s = in.field(document, "shard");
    const std::uint64_t index = in.count(s, "index"), count = in.count(s, "count");
    if (index < 1 || index > count) in.fail("shard index " + std::to_string(index) + " is not in 1.." + std::to_string(count));
    shard.header.shard = {index - 1, count};
    shard.header.reproducers_per_check = in.count(document, "reproducers_per_check");
    shard.header.seconds = in.exact_field(document, "seconds");
    shard.rows.suite = in.parsed<Suite>(document, "suite", parse_suite);
    shard.rows.seed = in.count(document, "seed");
    read_kernels(in, in.field(document, "kernels"), shard);
    for (const json& p : in.field(document, "parts")) read_part(in, p, shard);
    for (const json& e : in.field(document, "batch_elements")) {
      const Format format = in.parsed<Format>(e, "format", parse_format);
      const auto order = unit_order(format, in.text(e, "family"));
      if (!order) in.fail("unknown family '" + in.text(e, "family") + "'");
      std::vector<std::size_t>& batches = shard.rows.batch_elements[*order];
      for (const json& b : in.field(e, "batches")) {
        if (!b.is_number_unsigned()) in.fail("a batch's element count is not a count");
        batches.push_back(b.get<std::size_t>());
      }
    }
    shard.header.extra = in.field(document, "extra");
    const json& attention = in.field(document, "attention");
    if (!attention.is_null()) shard.attention = read_attention(in, attention, shard);
  } catch (const json::exception& e) {
    in.fail(std::string("malformed (") + e.what() + ")");
  }
  return shard;
}

}  // namespace softcheck
