// The vector-file kernels (see vectors_kernel.hpp): validation of a directory against its
// suite, and KernelFns that serve the stored outputs.
#include "adapters/vectors_kernel.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <tuple>

#include "adapters/vectors_attention.hpp"
#include "adapters/vectors_error.hpp"
#include "adapters/vectors_export.hpp"
#include "adapters/vectors_hash.hpp"
#include "adapters/vectors_npy.hpp"
#include "core/batch.hpp"

namespace softcheck::vectors {

namespace fs = std::filesystem;

// The cases of one (op, dtype), and the lookup from input hash to case.
struct Group {
  Op op;
  Format format;
  std::vector<std::size_t> cases;                              // manifest indices, in order
  std::map<std::uint64_t, std::vector<std::size_t>> by_hash;   // cases with stored outputs
  std::set<std::pair<std::string, std::size_t>> stored;        // their (family, batch)
  std::size_t skipped = 0;
  std::string kernel_name;
  bool lse = false;  // attention: every stored case has its LSE file
};

struct VectorSet::State {
  fs::path dir;
  Manifest manifest;
  std::string provider, algorithm;
  std::vector<Group> groups;
  std::vector<Kernel> kernels;       // one per group with stored outputs; never resized later
  std::vector<std::size_t> kernel_group;  // kernels[k] serves groups[kernel_group[k]]
  std::vector<bool> served;          // per manifest case
  std::vector<bool> has_lse;         // per manifest case: attention, the LSE file exists
  std::vector<AttentionKernel> attention_kernels;  // one per attention group with stored outputs
  std::vector<std::size_t> attention_group;        // attention_kernels[k] serves that group

  std::string shown(const std::string& relative) const { return (dir / relative).string(); }
  // One group per (op, dtype), in manifest order, indexing the cases with stored outputs.
  void build_groups();
  // A kernel per group with stored outputs; each serves its group from this state.
  void make_kernels();
  // Attention groups: provides_lse when every stored case has its LSE file (some but not
  // all is an input error).
  void decide_lse();
  AttentionKernel attention_kernel(std::size_t g);
  const Group* group_of(const Kernel& kernel) const;
  const Group* group_of(const AttentionKernel& kernel) const;
  void serve(const Group& group, const KernelCall& call);
  void serve_attention(const Group& group, const AttentionCall& call);
};

namespace {

// Hash of a call's logits, row by row: n elements per row whatever the stride, so it equals
// the hash of the input file's data (rows of exactly n elements).
std::uint64_t call_hash(const KernelCall& call, Format format) {
  const std::size_t width = traits(format).storage_bytes;
  const auto* x = static_cast<const std::byte*>(call.x);
  std::uint64_t hash = kFnvOffsetBasis;
  for (std::size_t r = 0; r < call.rows; ++r)
    hash = fnv1a64({x + r * call.stride * width, call.n * width}, hash);
  return hash;
}

std::string directory_name(const fs::path& dir) {
  std::error_code error;
  const fs::path full = fs::weakly_canonical(fs::absolute(dir), error);
  const std::string leaf = (error ? dir : full).filename().string();
  return leaf.empty() ? "vectors" : leaf;
}

void check_name_part(const std::string& value, const std::string& what, const std::string& origin) {
  if (value.empty() || value.find('/') != std::string::npos ||
      value.find_first_of(" \t\n*?") != std::string::npos)
    fail_vectors(origin + ": " + what + " '" + value +
         "' must be non-empty without '/', spaces, '*' or '?' (it is part of kernel names)");
}

// Compares the stored inputs (and targets) of every case with the regenerated batches.
class InputVerifier {
 public:
  InputVerifier(const fs::path& dir, const Manifest& manifest) : dir_(dir), manifest_(manifest) {}

  void verify_all() {
    std::map<std::pair<Format, std::string>, std::vector<const VectorCase*>> by_family;
    for (const VectorCase& c : manifest_.cases)
      if (!c.attention) by_family[{c.format, c.family}].push_back(&c);
    for (const auto& [key, cases] : by_family) {
      const Family& family = *find_family(key.second);
      const auto batches =
          family.generate(key.first, manifest_.suite, family_seed(manifest_.seed, family.name));
      for (const VectorCase* c : cases) verify(*c, batches);
    }
  }

 private:
  std::string suite_text() const {
    return "suite " + std::string(name(manifest_.suite)) + ", seed " + std::to_string(manifest_.seed);
  }
  [[noreturn]] void mismatch(const std::string& kind, const std::string& relative,
                             const std::string& detail) const {
    fail_vectors(kind + " file " + (dir_ / relative).string() + " does not match the suite (" +
         suite_text() + "): " + detail);
  }

  void verify(const VectorCase& c, const std::vector<Batch>& batches) {
    if (c.batch >= batches.size())
      mismatch("input", c.input, "family " + c.family + " has " + std::to_string(batches.size()) +
                                     " batches, case '" + c.id + "' names batch " +
                                     std::to_string(c.batch));
    const Batch& batch = batches[c.batch];
    if (batch.rows != c.rows || batch.n != c.n)
      mismatch("input", c.input, "family " + c.family + " batch " + std::to_string(c.batch) +
                                     " is " + std::to_string(batch.rows) + " rows of n = " +
                                     std::to_string(batch.n) + ", case '" + c.id + "' says " +
                                     std::to_string(c.rows) + " of n = " + std::to_string(c.n));
    const std::vector<std::byte> expected = input_bytes(batch);
    const std::string hash = hash_text(fnv1a64(expected));
    if (!verified_.contains(c.input)) {
      compare(c.input, "input", npy_dtype(c.format), {c.rows, c.n}, expected, c.n,
              std::string(name(c.format)) + " logits");
      verified_.insert(c.input);
    }
    if (c.input_hash != hash)
      fail_vectors((dir_ / kManifestFile).string() + ": case '" + c.id + "': input_hash " + c.input_hash +
           " does not match the input file (" + hash + ")");
    if (!c.target.empty() && !verified_.contains(c.target)) {
      compare(c.target, "target", kTargetDtype, {c.rows}, target_bytes(batch), 1,
              "cross-entropy targets");
      verified_.insert(c.target);
    }
    if (c.other_inputs.empty()) return;
    Batch with_inputs = batch;  // the op's other inputs, as the export generated them
    add_op_inputs(with_inputs, c.op, family_seed(manifest_.seed, c.family), c.batch);
    for (const auto& [key, path] : c.other_inputs) {
      if (verified_.contains(path)) continue;
      const Input kind = *std::find_if(c.op.spec().inputs.begin(), c.op.spec().inputs.end(),
                                       [&](Input i) { return name(i) == key; });
      compare(path, key, npy_dtype(c.format), {c.rows, c.n},
              pack_input(with_inputs, kind, c.n).bytes, c.n,
              std::string(name(c.format)) + " " + key);
      verified_.insert(path);
    }
  }

  void compare(const std::string& relative, const std::string& kind, std::string_view descr,
               const std::vector<std::size_t>& shape, const std::vector<std::byte>& expected,
               std::size_t n, const std::string& what) const {
    const fs::path path = dir_ / relative;
    const NpyArray stored = read_npy(path, path.string());
    expect_npy(stored.header, path.string(), descr, shape, what);
    if (stored.data != expected)
      mismatch(kind, relative,
               first_difference(stored.data, expected, n, npy_item_size(descr)));
  }

  const fs::path& dir_;
  const Manifest& manifest_;
  std::set<std::string> verified_;
};

// Each output file the framework should have written exists with the right dtype and shape.
void verify_output_files(const fs::path& dir, const VectorCase& c) {
  const std::string what = std::string(name(c.format)) + " " + std::string(name(c.op));
  for (auto [relative, shape, kind] :
       {std::tuple{&c.output, c.output_shape(), "output"},
        std::tuple{&c.loss, std::vector<std::size_t>{c.rows}, "loss"}}) {
    if (relative->empty()) continue;
    const fs::path path = dir / *relative;
    std::error_code error;
    if (!fs::exists(path, error))
      fail_vectors(std::string(kind) + " file " + path.string() + " is missing (case '" + c.id +
           "': write it, or mark the case \"skipped\" with a reason)");
    expect_npy(read_npy_header(path, path.string()), path.string(), npy_dtype(c.format), shape,
               what + " " + kind);
  }
}

}  // namespace

void VectorSet::State::build_groups() {
  for (std::size_t i = 0; i < manifest.cases.size(); ++i) {
    const VectorCase& c = manifest.cases[i];
    auto group = std::find_if(groups.begin(), groups.end(),
                              [&](const Group& g) { return g.op == c.op && g.format == c.format; });
    if (group == groups.end()) {
      groups.push_back({c.op, c.format, {}, {}, {}, 0,
                        provider + "/" + std::string(name(c.op)) + "/" +
                            std::string(name(c.format)) + "/" + algorithm,
                        false});
      group = groups.end() - 1;
    }
    group->cases.push_back(i);
    if (!c.skipped.empty()) {
      ++group->skipped;
      continue;
    }
    // The input verifier found input_hash equal to the hash of the regenerated input.
    group->by_hash[*parse_hash_text(c.input_hash)].push_back(i);
    group->stored.insert({c.family, c.batch});
  }
  served.assign(manifest.cases.size(), false);
}

void VectorSet::State::decide_lse() {
  for (Group& group : groups) {
    if (row_kernels(group.op.spec().outputs)) continue;
    const VectorCase* with = nullptr;
    const VectorCase* without = nullptr;
    for (std::size_t i : group.cases) {
      if (!manifest.cases[i].skipped.empty()) continue;
      (has_lse[i] ? with : without) = &manifest.cases[i];
    }
    if (with && without)
      fail_vectors("lse file " + shown(without->attention->lse) + " is missing, but case '" + with->id +
           "' has one: write every " + std::string(name(group.format)) +
           " attention case's lse, or none");
    group.lse = with != nullptr;
  }
}

AttentionKernel VectorSet::State::attention_kernel(std::size_t g) {
  const Group& group = groups[g];
  AttentionKernel kernel;
  kernel.formats = manifest.attention.formats_of(group.format);
  kernel.algorithm = algorithm;
  kernel.provider = provider;
  kernel.provides_lse = group.lse;
  kernel.declared.masked_row = manifest.attention.masked_row;
  kernel.declared.masked_row_lse = manifest.attention.masked_row_lse;
  // The kernels live inside the state they point to, so a plain pointer cannot dangle.
  kernel.run = [this, g](const AttentionCall& call) { serve_attention(groups[g], call); };
  return kernel;
}

void VectorSet::State::make_kernels() {
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (groups[g].skipped == groups[g].cases.size()) continue;
    if (!row_kernels(groups[g].op.spec().outputs)) {
      attention_kernels.push_back(attention_kernel(g));
      attention_group.push_back(g);
      continue;
    }
    // The kernels live inside the state they point to, so a plain pointer cannot dangle.
    kernels.push_back({groups[g].op, groups[g].format, algorithm, provider,
                       [this, g](const KernelCall& call) { serve(groups[g], call); }});
    kernel_group.push_back(g);
  }
}

const Group* VectorSet::State::group_of(const Kernel& kernel) const {
  for (std::size_t k = 0; k < kernels.size(); ++k)
    if (&kernels[k] == &kernel || (kernels[k].op == kernel.op && kernels[k].format == kernel.format &&
                                   kernels[k].provider == kernel.provider))
      return &groups[kernel_group[k]];
  return nullptr;
}

const Group* VectorSet::State::group_of(const AttentionKernel& kernel) const {
  for (std::size_t k = 0; k < attention_kernels.size(); ++k)
    if (&attention_kernels[k] == &kernel || attention_kernels[k].name() == kernel.name())
      return &groups[attention_group[k]];
  return nullptr;
}

void VectorSet::State::serve_attention(const Group& group, const AttentionCall& call) {
  const auto found = group.by_hash.find(attention_hash(attention_input_bytes(call, group.format)));
  std::size_t chosen = manifest.cases.size();
  if (found != group.by_hash.end())
    for (std::size_t index : found->second) {  // identical inputs: serve them in order
      const VectorAttention& a = *manifest.cases[index].attention;
      if (a.shape.lq != call.shape.lq || a.shape.lk != call.shape.lk || a.shape.d != call.shape.d ||
          a.scale != call.scale || a.softcap != call.softcap)
        continue;
      if (chosen == manifest.cases.size() || (served[chosen] && !served[index])) chosen = index;
    }
  if (chosen == manifest.cases.size())
    throw std::runtime_error("the vector files hold no output for this head (Lq x Lk x d = " +
                             std::to_string(call.shape.lq) + " x " + std::to_string(call.shape.lk) +
                             " x " + std::to_string(call.shape.d) + ")");
  copy_attention_outputs(dir, manifest.cases[chosen], call);
  served[chosen] = true;
}

void VectorSet::State::serve(const Group& group, const KernelCall& call) {
  const auto found = group.by_hash.find(call_hash(call, group.format));
  std::size_t chosen = manifest.cases.size();
  if (found != group.by_hash.end())
    for (std::size_t index : found->second) {  // identical inputs: serve them in order
      const VectorCase& c = manifest.cases[index];
      if (c.rows != call.rows || c.n != call.n) continue;
      if (chosen == manifest.cases.size() || (served[chosen] && !served[index])) chosen = index;
    }
  if (chosen == manifest.cases.size())
    throw KernelFailure("the vector files hold no output for this input (" +
                        std::to_string(call.rows) + " rows of n = " + std::to_string(call.n) + ")");
  const VectorCase& c = manifest.cases[chosen];
  const std::size_t width = traits(group.format).storage_bytes;
  const std::string what = std::string(name(c.format)) + " " + std::string(name(c.op));
  const NpyArray output = read_npy(dir / c.output, shown(c.output));
  expect_npy(output.header, shown(c.output), npy_dtype(c.format), c.output_shape(), what + " output");
  auto* out = static_cast<std::byte*>(call.out);
  if (has_row_output(c.op)) {
    std::memcpy(out, output.data.data(), c.rows * width);
  } else {
    for (std::size_t r = 0; r < c.rows; ++r)
      std::memcpy(out + r * call.stride * width, output.data.data() + r * c.n * width, c.n * width);
  }
  if (has_loss(c.op)) {
    const NpyArray loss = read_npy(dir / c.loss, shown(c.loss));
    expect_npy(loss.header, shown(c.loss), npy_dtype(c.format), {c.rows}, what + " loss");
    std::memcpy(call.loss, loss.data.data(), c.rows * width);
  }
  served[chosen] = true;
}

VectorSet VectorSet::open(const fs::path& dir, const std::string& name_override) {
  auto state = std::make_shared<State>();
  state->dir = dir;
  state->manifest = read_manifest(dir);
  const Manifest& m = state->manifest;
  const std::string origin = (dir / kManifestFile).string();
  if (m.cases.empty()) fail_vectors(origin + ": no cases");
  const std::string provider_name =
      !name_override.empty() ? name_override : !m.name.empty() ? m.name : directory_name(dir);
  check_name_part(provider_name, "name", name_override.empty() ? origin : "--name");
  state->provider = "vectors:" + provider_name;
  state->algorithm = m.algorithm.empty() ? std::string(kDefaultAlgorithm) : m.algorithm;
  check_name_part(state->algorithm, "algorithm", origin);

  InputVerifier(dir, m).verify_all();
  verify_attention_inputs(dir, m);
  state->has_lse.assign(m.cases.size(), false);
  for (std::size_t i = 0; i < m.cases.size(); ++i) {
    const VectorCase& c = m.cases[i];
    if (!c.skipped.empty()) continue;
    if (c.attention)
      state->has_lse[i] = verify_attention_outputs(dir, c);
    else
      verify_output_files(dir, c);
  }

  state->build_groups();
  state->decide_lse();
  state->make_kernels();
  VectorSet set;
  set.state_ = std::move(state);
  return set;
}

const Manifest& VectorSet::manifest() const { return state_->manifest; }
const std::string& VectorSet::provider() const { return state_->provider; }

std::vector<const Kernel*> VectorSet::kernels() const {
  std::vector<const Kernel*> kernels;
  for (const Kernel& k : state_->kernels) kernels.push_back(&k);
  return kernels;
}

bool VectorSet::includes(const Kernel& kernel, const std::string& family, std::size_t batch) const {
  const Group* group = state_->group_of(kernel);
  return group && group->stored.contains({family, batch});
}

std::vector<const AttentionKernel*> VectorSet::attention_kernels() const {
  std::vector<const AttentionKernel*> kernels;
  for (const AttentionKernel& k : state_->attention_kernels) kernels.push_back(&k);
  return kernels;
}

bool VectorSet::includes_attention(const AttentionKernel& kernel, const std::string& family,
                                   std::size_t index) const {
  const Group* group = state_->group_of(kernel);
  return group && group->stored.contains({family, index});
}

std::vector<KernelCases> VectorSet::summary() const {
  std::vector<KernelCases> rows;
  for (const Group& g : state_->groups) {
    KernelCases row{g.kernel_name, g.op, g.format, g.cases.size(), g.skipped, 0};
    for (std::size_t i : g.cases) row.checked += state_->served[i] ? 1 : 0;
    rows.push_back(row);
  }
  return rows;
}

std::vector<const VectorCase*> VectorSet::skipped_cases() const {
  std::vector<const VectorCase*> cases;
  for (const VectorCase& c : state_->manifest.cases)
    if (!c.skipped.empty()) cases.push_back(&c);
  return cases;
}

std::vector<const VectorCase*> VectorSet::unserved_cases() const {
  std::vector<const VectorCase*> cases;
  for (std::size_t i = 0; i < state_->manifest.cases.size(); ++i)
    if (state_->manifest.cases[i].skipped.empty() && !state_->served[i])
      cases.push_back(&state_->manifest.cases[i]);
  return cases;
}

}  // namespace softcheck::vectors
