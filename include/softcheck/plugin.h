/*
 * softcheck plugin ABI, version 1: how a shared library hands its kernels to softcheck.
 *
 * A plugin is a shared library (built with -shared -fPIC) that exports one C function,
 * softcheck_plugin_entry(), returning a description of the plugin: its name and a table of
 * kernels. `softcheck gate --plugin PATH` and `softcheck list --plugin PATH` load it with
 * dlopen(RTLD_NOW | RTLD_LOCAL), check the ABI version and every table entry, and register
 * each kernel as
 *
 *     plugin:<plugin name>/<op>/<format>/<algorithm>     e.g. plugin:mylib/softmax/f32/fast
 *
 * Every plugin kernel runs in a worker process (one per kernel, reused across calls, forked
 * again after a failure), so a kernel that crashes, exits or hangs (past --timeout-ms) is
 * reported as a `crash` violation of that kernel instead of ending the gate. Static state
 * of the plugin therefore lives in the worker: it persists across calls to the same kernel
 * and starts afresh after a failure. The library stays loaded until the process exits.
 *
 * This header is C89 (plus <stddef.h> and <stdint.h>) and can be included from C++.
 * Any change of layout or meaning raises SOFTCHECK_PLUGIN_ABI_VERSION; softcheck refuses a
 * plugin built for another version.
 */
#ifndef SOFTCHECK_PLUGIN_H
#define SOFTCHECK_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version this header describes. A plugin puts it in softcheck_plugin.abi_version. */
#define SOFTCHECK_PLUGIN_ABI_VERSION 1

/* The name of the one symbol softcheck looks up in a plugin. */
#define SOFTCHECK_PLUGIN_ENTRY_SYMBOL "softcheck_plugin_entry"

/* Marks the entry point as exported even when the library is built with
 * -fvisibility=hidden. */
#if defined(_WIN32)
#define SOFTCHECK_PLUGIN_EXPORT __declspec(dllexport)
#elif defined(__GNUC__)
#define SOFTCHECK_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define SOFTCHECK_PLUGIN_EXPORT
#endif

/* What a kernel computes, for each of `rows` rows of `n` logits x_0 .. x_{n-1}:
 *   SOFTCHECK_OP_SOFTMAX        out[i] = exp(x_i) / sum_j exp(x_j)
 *   SOFTCHECK_OP_LOG_SOFTMAX    out[i] = x_i - log(sum_j exp(x_j))
 *   SOFTCHECK_OP_LOGSUMEXP      one value per row: log(sum_j exp(x_j))
 *   SOFTCHECK_OP_CROSS_ENTROPY  one loss per row, logsumexp(x) - x_target, and its gradient
 *                               with respect to the logits: softmax(x)_i - (i == target)
 * StableMax (Prieto et al. 2025), with s(x) = x + 1 (x >= 0), 1 / (1 - x) (x < 0):
 *   SOFTCHECK_OP_STABLEMAX      out[i] = s(x_i) / sum_j s(x_j)
 *   SOFTCHECK_OP_LOG_STABLEMAX  out[i] = log s(x_i) - log(sum_j s(x_j))
 *   SOFTCHECK_OP_STABLEMAX_CROSS_ENTROPY  one loss per row, -log stablemax(x)_target, and its
 *                               gradient s'(x_i) / sum_j s(x_j) - (i == target) s'(x_i) / s(x_i),
 *                               s'(x) = 1 (x >= 0), 1 / (1 - x)^2 (x < 0)
 * The values are fixed: they are part of the ABI. Codes 4-6 were added within version 1
 * (a plugin that does not use them is unaffected; an older softcheck rejects them as unknown). */
typedef enum softcheck_op {
  SOFTCHECK_OP_SOFTMAX = 0,
  SOFTCHECK_OP_LOG_SOFTMAX = 1,
  SOFTCHECK_OP_LOGSUMEXP = 2,
  SOFTCHECK_OP_CROSS_ENTROPY = 3,
  SOFTCHECK_OP_STABLEMAX = 4,
  SOFTCHECK_OP_LOG_STABLEMAX = 5,
  SOFTCHECK_OP_STABLEMAX_CROSS_ENTROPY = 6
} softcheck_op;

/* How every input and output element is stored. The values are fixed: part of the ABI.
 *   SOFTCHECK_FORMAT_F64   double (IEEE binary64)
 *   SOFTCHECK_FORMAT_F32   float (IEEE binary32)
 *   SOFTCHECK_FORMAT_BF16  uint16_t: the upper 16 bits of the binary32 encoding
 *   SOFTCHECK_FORMAT_F16   uint16_t: IEEE binary16 encoding */
typedef enum softcheck_format {
  SOFTCHECK_FORMAT_F64 = 0,
  SOFTCHECK_FORMAT_F32 = 1,
  SOFTCHECK_FORMAT_BF16 = 2,
  SOFTCHECK_FORMAT_F16 = 3
} softcheck_format;

/* One call of a kernel over a batch. Row r starts at element r * stride (stride >= n);
 * elements have the type of the kernel's format.
 *   x       input: rows * stride elements; only the first n of each row are logits.
 *   out     softmax, log_softmax, stablemax, log_stablemax: out[r * stride + i] for i < n.
 *           logsumexp: out[r], one element per row.
 *           cross_entropy, stablemax_cross_entropy: the gradient, out[r * stride + i], i < n.
 *   loss    the two cross-entropy ops: loss[r], one element per row; NULL for the others.
 *   target  the two cross-entropy ops: target[r] in [0, n), the true class of row r; NULL
 *           otherwise.
 *   rows    number of rows (may be 0).
 *   n       logits per row (may be 0: then a row has no outputs, and logsumexp is -inf).
 *   stride  elements from one row to the next.
 * All outputs are in the kernel's format. A kernel must not write past n in a row: the
 * gate fills the padding with NaN and reports any change as a `bounds` violation.
 * softcheck's special-value semantics (NaN, +-inf, fully masked rows) are in README.md. */
typedef void (*softcheck_kernel_fn)(const void* x, void* out, void* loss, const int64_t* target,
                                    size_t rows, size_t n, size_t stride);

/* One kernel of a plugin. */
typedef struct softcheck_kernel_entry {
  uint32_t op;             /* a softcheck_op value */
  uint32_t format;         /* a softcheck_format value */
  const char* algorithm;   /* the last part of the kernel's name: 1 to 64 characters from
                              [A-Za-z0-9_.+-], unique within the plugin for an op and format */
  softcheck_kernel_fn run; /* the kernel; never NULL */
} softcheck_kernel_entry;

/* What softcheck_plugin_entry() returns. It and everything it points to must stay valid
 * while the library is loaded (static storage is the usual choice). */
typedef struct softcheck_plugin {
  uint32_t abi_version; /* SOFTCHECK_PLUGIN_ABI_VERSION of the header the plugin was built with */
  const char* name;     /* the plugin's name, 1 to 64 characters from [A-Za-z0-9_.-]; the
                           kernels' provider is "plugin:<name>" */
  size_t kernel_count;  /* number of entries in `kernels`, at least 1 */
  const softcheck_kernel_entry* kernels; /* the kernel table */
} softcheck_plugin;

/* The entry point every plugin exports (define it with SOFTCHECK_PLUGIN_EXPORT). softcheck
 * calls it once, in its own process, right after loading the library; it must not return
 * NULL. */
SOFTCHECK_PLUGIN_EXPORT const softcheck_plugin* softcheck_plugin_entry(void);

/* The type of softcheck_plugin_entry, for dlsym. */
typedef const softcheck_plugin* (*softcheck_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* SOFTCHECK_PLUGIN_H */
