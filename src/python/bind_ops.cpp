// softcheck.ops(): the op table (core/op.hpp), one dict per op.
#include "python/bindings.hpp"

namespace softcheck::python {
namespace {

py::list names_of(const auto& items) {
  py::list names;
  for (const auto& item : items) names.append(std::string(name(item)));
  return names;
}

py::list op_table() {
  py::list ops;
  for (Op op : all_ops()) {
    const OpSpec& spec = op.spec();
    py::dict d;
    d["op"] = spec.name;
    d["family"] = spec.family;
    d["inputs"] = names_of(spec.inputs);
    d["outputs"] = std::string(name(spec.outputs));
    d["parameters"] = names_of(spec.parameters);
    d["plugin_abi"] = spec.plugin_code >= 0;
    d["vector_files"] = spec.vector_files;
    ops.append(d);
  }
  return ops;
}

}  // namespace

void bind_ops(py::module_& m) {
  m.def("ops", &op_table, "The op table: each op's family, inputs, outputs and parameters");
}

}  // namespace softcheck::python
