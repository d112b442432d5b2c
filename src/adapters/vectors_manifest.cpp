// Reading and writing manifest.json (see vectors_manifest.hpp and docs/vectors.md).
#include "adapters/vectors_manifest.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "adapters/vectors_error.hpp"
#include "core/attention_families.hpp"

namespace softcheck::vectors {
namespace {

using nlohmann::json;

// What the manifest says about each dtype's files, for the framework side.
json dtype_notes() {
  json notes = json::object();
  for (Format f : kAllFormats) {
    json note = {{"npy", std::string(npy_dtype(f))}};
    if (f == Format::bf16)
      note["note"] =
          "bit patterns: the upper 16 bits of the IEEE binary32 encoding (view as bfloat16)";
    notes[std::string(name(f))] = note;
  }
  return notes;
}

json nullable(const std::string& path) {
  return path.empty() ? json(nullptr) : json(path);
}

json mask_json(const AttentionMask& m) {
  return {{"kind", std::string(name(m.kind))},
          {"query_offset", m.query_offset},
          {"window", m.window},
          {"valid_keys", m.valid_keys},
          {"additive", m.additive},
          {"sentinel", hex_text(m.sentinel)},
          {"sentinel_decimal", exact_decimal(m.sentinel)}};
}

// The fields every case starts with: what it is and where it comes from.
json case_identity_json(const VectorCase& c) {
  return {{"id", c.id},
          {"op", std::string(name(c.op))},
          {"dtype", std::string(name(c.format))},
          {"npy_dtype", std::string(npy_dtype(c.format))},
          {"family", c.family},
          {"batch", c.batch}};
}

json attention_case_json(const VectorCase& c) {
  const VectorAttention& a = *c.attention;
  json j = case_identity_json(c);
  j.update({{"lq", a.shape.lq},
            {"lk", a.shape.lk},
            {"d", a.shape.d},
            {"scale", hex_text(a.scale)},
            {"scale_decimal", exact_decimal(a.scale)},
            {"softcap", hex_text(a.softcap)},
            {"softcap_decimal", exact_decimal(a.softcap)},
            {"mask", mask_json(a.mask)},
            {"q", a.q},
            {"k", a.k},
            {"v", a.v},
            {"keep", nullable(a.keep)},
            {"bias", nullable(a.bias)},
            {"input_hash", c.input_hash},
            {"output", c.output},
            {"output_shape", c.output_shape()},
            {"lse", a.lse},
            {"lse_shape", std::vector<std::size_t>{a.shape.lq}}});
  if (!c.skipped.empty()) j["skipped"] = c.skipped;
  return j;
}

json lse_json(double value) {
  return std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf";
}

json declaration_json(const AttentionDeclaration& d) {
  json formats = json::object();
  for (const auto& [format, f] : d.formats)
    formats[std::string(name(format))] = {{"accumulation", std::string(name(f.accumulation))},
                                          {"p", std::string(name(f.p))}};
  return {{"masked_row", std::string(name(d.masked_row))},
          {"masked_row_lse", lse_json(d.masked_row_lse)},
          {"formats", formats}};
}

json case_json(const VectorCase& c) {
  if (c.attention) return attention_case_json(c);
  json j = case_identity_json(c);
  j.update({{"rows", c.rows},
            {"n", c.n},
            {"input", c.input},
            {"input_hash", c.input_hash},
            {"target", c.target.empty() ? json(nullptr) : json(c.target)},
            {"output", c.output},
            {"output_shape", c.output_shape()},
            {"loss", c.loss.empty() ? json(nullptr) : json(c.loss)}});
  for (const auto& [key, path] : c.other_inputs) j[key] = path;
  if (!c.skipped.empty()) j["skipped"] = c.skipped;
  return j;
}

class ManifestReader {
 public:
  explicit ManifestReader(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw VectorsError(origin_ + ": " + problem);
  }

  Manifest read(const json& doc) {
    if (!doc.is_object()) fail("not a JSON object");
    if (string_field(doc, "format", "") != kManifestFormat)
      fail("\"format\" is not \"" + std::string(kManifestFormat) + "\"");
    if (!doc.contains("version") || doc["version"] != kManifestVersion)
      fail("unsupported \"version\" (expected " + std::to_string(kManifestVersion) + ")");
    Manifest m;
    const std::string suite = string_field(doc, "suite", "");
    const auto parsed = parse_suite(suite);
    if (!parsed) fail("unknown \"suite\" '" + suite + "' (expected quick, default or deep)");
    m.suite = *parsed;
    if (!doc.contains("seed") || !doc["seed"].is_number_unsigned()) fail("\"seed\" is not a non-negative integer");
    m.seed = doc["seed"].get<std::uint64_t>();
    m.name = optional_string(doc, "name", "");
    m.algorithm = optional_string(doc, "algorithm", "");
    if (doc.contains("attention") && !doc["attention"].is_null())
      m.attention = read_declaration(doc["attention"]);
    if (!doc.contains("cases") || !doc["cases"].is_array()) fail("\"cases\" is not an array");
    std::set<std::string> ids;
    for (const json& c : doc["cases"]) {
      m.cases.push_back(read_case(c));
      if (!ids.insert(m.cases.back().id).second) fail("duplicate case id '" + m.cases.back().id + "'");
    }
    return m;
  }

 private:
  std::string string_field(const json& object, const char* key, const std::string& where) const {
    if (!object.contains(key) || !object[key].is_string())
      fail(where + "\"" + key + "\" is missing or not a string");
    return object[key].get<std::string>();
  }
  std::string optional_string(const json& object, const char* key, const std::string& where) const {
    if (!object.contains(key) || object[key].is_null()) return "";
    if (!object[key].is_string()) fail(where + "\"" + key + "\" is not a string");
    return object[key].get<std::string>();
  }
  std::size_t count_field(const json& object, const char* key, const std::string& where) const {
    if (!object.contains(key) || !object[key].is_number_unsigned())
      fail(where + "\"" + key + "\" is missing or not a non-negative integer");
    return object[key].get<std::size_t>();
  }
  // A relative path that stays inside the directory.
  std::string path_field(const json& object, const char* key, const std::string& where,
                         bool required) const {
    const std::string path =
        required ? string_field(object, key, where) : optional_string(object, key, where);
    const std::filesystem::path p(path);
    if (required && path.empty()) fail(where + "\"" + key + "\" is empty");
    if (p.is_absolute()) fail(where + "\"" + key + "\" '" + path + "' is not a relative path");
    for (const auto& part : p)
      if (part == "..") fail(where + "\"" + key + "\" '" + path + "' leaves the directory");
    return path;
  }

  // An exact double written as hex_text (and, when `decimal_key` is given, the same value as
  // exact_decimal, which must agree).
  double exact_field(const json& object, const char* key, const char* decimal_key,
                     const std::string& where) const {
    const std::string text = string_field(object, key, where);
    const std::optional<double> value = parse_double(text);
    if (!value) fail(where + "\"" + key + "\" '" + text + "' is not a number (hex float or inf)");
    if (object.contains(decimal_key)) {
      const std::string decimal = string_field(object, decimal_key, where);
      const std::optional<double> other = parse_double(decimal);
      if (!other || !(*other == *value || (std::isnan(*other) && std::isnan(*value))))
        fail(where + "\"" + decimal_key + "\" '" + decimal + "' is not the value of \"" + key +
             "\" '" + text + "'");
    }
    return *value;
  }
  static std::optional<double> parse_double(const std::string& text) {
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size()) return std::nullopt;
    return value;
  }
  bool bool_field(const json& object, const char* key, const std::string& where) const {
    if (!object.contains(key) || !object[key].is_boolean())
      fail(where + "\"" + key + "\" is missing or not true/false");
    return object[key].get<bool>();
  }
  std::int64_t integer_field(const json& object, const char* key, const std::string& where) const {
    if (!object.contains(key) || !object[key].is_number_integer())
      fail(where + "\"" + key + "\" is missing or not an integer");
    return object[key].get<std::int64_t>();
  }

  AttentionDeclaration read_declaration(const json& j) const {
    const std::string where = "\"attention\": ";
    if (!j.is_object()) fail(where + "not a JSON object");
    AttentionDeclaration d;
    d.present = true;
    const std::string row = optional_string(j, "masked_row", where);
    if (row == "zero")
      d.masked_row = MaskedRowOutput::zero;
    else if (row == "uniform")
      d.masked_row = MaskedRowOutput::uniform;
    else if (!row.empty() && row != "nan")
      fail(where + "unknown \"masked_row\" '" + row + "' (expected nan, zero or uniform)");
    const std::string lse = optional_string(j, "masked_row_lse", where);
    if (lse == "inf" || lse == "+inf")
      d.masked_row_lse = HUGE_VAL;
    else if (lse == "nan")
      d.masked_row_lse = std::nan("");
    else if (!lse.empty() && lse != "-inf")
      fail(where + "unknown \"masked_row_lse\" '" + lse + "' (expected -inf, inf or nan)");
    if (!j.contains("formats") || j["formats"].is_null()) return d;
    if (!j["formats"].is_object()) fail(where + "\"formats\" is not a JSON object");
    for (const auto& [dtype, f] : j["formats"].items()) {
      const std::string at = where + "\"formats\" \"" + dtype + "\": ";
      const auto storage = parse_format(dtype);
      if (!storage) fail(at + "unknown dtype");
      if (!f.is_object()) fail(at + "not a JSON object");
      AttentionFormats formats = d.formats_of(*storage);
      const std::string accumulation = optional_string(f, "accumulation", at);
      if (accumulation == "f32" || accumulation == "f64")
        formats.accumulation = *parse_format(accumulation);
      else if (!accumulation.empty())
        fail(at + "unknown \"accumulation\" '" + accumulation + "' (expected f32 or f64)");
      const std::string p = optional_string(f, "p", at);
      if (!p.empty()) {
        const auto parsed = parse_p_format(p);
        if (!parsed)
          fail(at + "unknown \"p\" '" + p + "' (expected none, bf16, f16, e4m3 or e5m2)");
        formats.p = *parsed;
      }
      d.formats[*storage] = formats;
    }
    return d;
  }

  AttentionMask read_mask(const json& j, const std::string& where) const {
    if (!j.contains("mask") || !j["mask"].is_object())
      fail(where + "\"mask\" is missing or not an object");
    const json& m = j["mask"];
    const std::string at = where + "\"mask\": ";
    AttentionMask mask;
    const std::string kind = string_field(m, "kind", at);
    bool known = false;
    for (MaskKind k : {MaskKind::none, MaskKind::causal, MaskKind::sliding_window,
                       MaskKind::key_padding, MaskKind::explicit_keep})
      if (name(k) == kind) mask.kind = k, known = true;
    if (!known) fail(at + "unknown \"kind\" '" + kind + "'");
    mask.query_offset = integer_field(m, "query_offset", at);
    mask.window = count_field(m, "window", at);
    mask.valid_keys = count_field(m, "valid_keys", at);
    mask.additive = bool_field(m, "additive", at);
    mask.sentinel = exact_field(m, "sentinel", "sentinel_decimal", at);
    return mask;
  }

  // The fields of an attention case after id, op, dtype, family and batch.
  void read_attention(const json& j, VectorCase& c, const std::string& where) const {
    VectorAttention a;
    a.shape = {count_field(j, "lq", where), count_field(j, "lk", where),
               count_field(j, "d", where)};
    a.scale = exact_field(j, "scale", "scale_decimal", where);
    a.softcap = exact_field(j, "softcap", "softcap_decimal", where);
    a.mask = read_mask(j, where);
    a.q = path_field(j, "q", where, true);
    a.k = path_field(j, "k", where, true);
    a.v = path_field(j, "v", where, true);
    a.keep = path_field(j, "keep", where, !a.mask.additive);
    a.bias = path_field(j, "bias", where, a.mask.additive);
    if (a.mask.additive && !a.keep.empty())
      fail(where + "an additive mask has \"bias\", not \"keep\"");
    if (!a.mask.additive && !a.bias.empty())
      fail(where + "a boolean mask has \"keep\", not \"bias\"");
    a.lse = path_field(j, "lse", where, false);
    c.input_hash = string_field(j, "input_hash", where);
    c.skipped = optional_string(j, "skipped", where);
    if (j.contains("skipped") && c.skipped.empty()) fail(where + "\"skipped\" must give a reason");
    c.output = path_field(j, "output", where, true);
    c.attention = std::move(a);
  }

  VectorCase read_case(const json& j) const {
    if (!j.is_object()) fail("a case is not a JSON object");
    VectorCase c;
    c.id = string_field(j, "id", "case: ");
    const std::string where = "case '" + c.id + "': ";
    const std::string op = string_field(j, "op", where);
    const auto parsed_op = parse_op(op);
    if (!parsed_op) fail(where + "unknown op '" + op + "'");
    if (!parsed_op->spec().vector_files)
      fail(where + "op '" + op + "' is not carried by vector files (docs/vectors.md)");
    c.op = *parsed_op;
    const std::string dtype = string_field(j, "dtype", where);
    const auto format = parse_format(dtype);
    if (!format) fail(where + "unknown dtype '" + dtype + "'");
    c.format = *format;
    c.family = string_field(j, "family", where);
    if (!row_kernels(c.op.spec().outputs)) {
      if (!find_attention_family(c.family))
        fail(where + "unknown attention family '" + c.family + "'");
      c.batch = count_field(j, "batch", where);
      read_attention(j, c, where);
      return c;
    }
    if (!find_family(c.family)) fail(where + "unknown family '" + c.family + "'");
    c.batch = count_field(j, "batch", where);
    c.rows = count_field(j, "rows", where);
    c.n = count_field(j, "n", where);
    if (c.rows == 0 || c.n == 0) fail(where + "empty batch (rows and n must be positive)");
    c.input = path_field(j, "input", where, true);
    c.input_hash = string_field(j, "input_hash", where);
    c.skipped = optional_string(j, "skipped", where);
    if (j.contains("skipped") && c.skipped.empty()) fail(where + "\"skipped\" must give a reason");
    c.output = path_field(j, "output", where, true);
    const OpSpec& spec = c.op.spec();
    const bool with_target = spec.takes(Input::target);
    c.target = path_field(j, "target", where, with_target);
    c.loss = path_field(j, "loss", where, spec.has_loss());
    if (!with_target && !c.target.empty())
      fail(where + "op '" + op + "' takes no target, but the case has \"target\"");
    if (!spec.has_loss() && !c.loss.empty())
      fail(where + "op '" + op + "' has no loss, but the case has \"loss\"");
    for (Input input : spec.inputs)
      if (per_element(input) && input != Input::logits) {
        const std::string key(name(input));
        c.other_inputs[key] = path_field(j, key.c_str(), where, true);
      }
    return c;
  }

  std::string origin_;
};

}  // namespace

AttentionFormats AttentionDeclaration::formats_of(Format storage) const {
  if (const auto found = formats.find(storage); found != formats.end()) return found->second;
  return {storage, storage == Format::f64 ? Format::f64 : Format::f32, PFormat::none};
}

std::string hex_text(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%a", value);
  return text;
}

std::string exact_decimal(double value) {
  // %g drops trailing zeros; 800 significant digits hold any double's exact expansion
  // (at most 767), and glibc prints them exactly.
  char text[1024];
  std::snprintf(text, sizeof text, "%.800g", value);
  return text;
}

std::string_view npy_dtype(Format format) {
  switch (format) {
    case Format::f64: return "<f8";
    case Format::f32: return "<f4";
    case Format::bf16: return "<u2";
    case Format::f16: return "<f2";
  }
  return "?";
}

std::vector<std::size_t> VectorCase::output_shape() const {
  if (attention) return {attention->shape.lq, attention->shape.d};
  if (has_row_output(op)) return {rows};
  return {rows, n};
}

Manifest read_manifest(const std::filesystem::path& dir) {
  const std::filesystem::path path = dir / kManifestFile;
  const std::string origin = path.string();
  std::ifstream in(path);
  if (!in) throw VectorsError(origin + ": cannot read (is --dir an exported vector directory?)");
  std::stringstream text;
  text << in.rdbuf();
  return parse_manifest(text.str(), origin);
}

Manifest parse_manifest(const std::string& text, const std::string& origin) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& error) {
    throw VectorsError(origin + ": not valid JSON (byte " + std::to_string(error.byte) + ")");
  } catch (const json::out_of_range&) {  // a number the JSON reader cannot hold (1e400)
    throw VectorsError(origin + ": not valid JSON (a number beyond the range of a double)");
  }
  return ManifestReader(origin).read(doc);
}

void write_manifest(const std::filesystem::path& dir, const Manifest& manifest) {
  json cases = json::array();
  for (const VectorCase& c : manifest.cases) cases.push_back(case_json(c));
  json empty = json::array();
  for (const EmptyBatch& b : manifest.not_exported)
    empty.push_back({{"dtype", std::string(name(b.format))},
                     {"family", b.family},
                     {"batch", b.batch},
                     {"rows", b.rows},
                     {"n", b.n},
                     {"reason", "no elements"}});
  json doc = {{"format", std::string(kManifestFormat)},
              {"version", kManifestVersion},
              {"suite", std::string(name(manifest.suite))},
              {"seed", manifest.seed},
              {"dtypes", dtype_notes()},
              {"cases", cases},
              {"not_exported", empty}};
  if (manifest.attention.present) doc["attention"] = declaration_json(manifest.attention);
  if (!manifest.name.empty()) doc["name"] = manifest.name;
  if (!manifest.algorithm.empty()) doc["algorithm"] = manifest.algorithm;
  const std::filesystem::path path = dir / kManifestFile;
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw VectorsError(path.string() + ": cannot write");
  out << doc.dump(1) << "\n";
  if (!out) throw VectorsError(path.string() + ": write error");
}

}  // namespace softcheck::vectors
