// Reading and writing manifest.json (see vectors_manifest.hpp and docs/vectors.md).
#include "adapters/vectors_manifest.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "adapters/vectors_error.hpp"

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

json case_json(const VectorCase& c) {
  json j = {{"id", c.id},
            {"op", std::string(name(c.op))},
            {"dtype", std::string(name(c.format))},
            {"npy_dtype", std::string(npy_dtype(c.format))},
            {"family", c.family},
            {"batch", c.batch},
            {"rows", c.rows},
            {"n", c.n},
            {"input", c.input},
            {"input_hash", c.input_hash},
            {"target", c.target.empty() ? json(nullptr) : json(c.target)},
            {"output", c.output},
            {"output_shape", c.output_shape()},
            {"loss", c.loss.empty() ? json(nullptr) : json(c.loss)}};
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
  json doc;
  try {
    doc = json::parse(text.str());
  } catch (const json::parse_error& error) {
    throw VectorsError(origin + ": not valid JSON (byte " + std::to_string(error.byte) + ")");
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
  if (!manifest.name.empty()) doc["name"] = manifest.name;
  if (!manifest.algorithm.empty()) doc["algorithm"] = manifest.algorithm;
  const std::filesystem::path path = dir / kManifestFile;
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw VectorsError(path.string() + ": cannot write");
  out << doc.dump(1) << "\n";
  if (!out) throw VectorsError(path.string() + ": write error");
}

}  // namespace softcheck::vectors
