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
 * Attention (added within version 1): a plugin may also export softcheck_attention_kernels()
 * (below), listing attention kernels, registered as
 *
 *     plugin:<plugin name>/attention/<format>/<algorithm>  e.g. plugin:mylib/attention/f32/naive
 *
 * and run, isolated the same way, by the attention gate. The symbol is optional: a plugin
 * without it is read as before, and a softcheck that predates it ignores it.
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
  size_t kernel_count;  /* number of entries in `kernels`: at least 1, or 0 when the plugin
                           exports attention kernels only (softcheck_attention_kernels) */
  const softcheck_kernel_entry* kernels; /* the kernel table */
} softcheck_plugin;

/* The entry point every plugin exports (define it with SOFTCHECK_PLUGIN_EXPORT). softcheck
 * calls it once, in its own process, right after loading the library; it must not return
 * NULL. */
SOFTCHECK_PLUGIN_EXPORT const softcheck_plugin* softcheck_plugin_entry(void);

/* The type of softcheck_plugin_entry, for dlsym. */
typedef const softcheck_plugin* (*softcheck_plugin_entry_fn)(void);

/* ---- Attention (optional; added within ABI version 1) ------------------------------------
 *
 * Per head: scores s_ik = scale * sum_j q[i*d+j] k[k*d+j], softcapped when softcap > 0
 * (s -> softcap * tanh(s / softcap)), then masked: with `keep`, keys with keep[i*lk+k] == 0
 * are left out (score -inf); with `bias`, bias[i*lk+k] is added to the (softcapped) score.
 * P = softmax over each row, out[i*d+j] = sum_k P_ik v[k*d+j], lse[i] = log sum_k exp(s_ik).
 * docs/attention.md has the full definition, the contract and the input families. */

/* The version of the attention table layout; a plugin puts it in
 * softcheck_attention_table.version. */
#define SOFTCHECK_ATTENTION_VERSION 1

/* The optional symbol softcheck looks up for attention kernels. */
#define SOFTCHECK_ATTENTION_KERNELS_SYMBOL "softcheck_attention_kernels"

/* What P (the softmax weights) is rounded to before P V. Values fixed: part of the ABI. */
typedef enum softcheck_p_format {
  SOFTCHECK_P_NONE = 0, /* not rounded: kept in the accumulation format */
  SOFTCHECK_P_BF16 = 1,
  SOFTCHECK_P_F16 = 2,
  SOFTCHECK_P_E4M3 = 3, /* OCP OFP8 E4M3, saturating at +-448 */
  SOFTCHECK_P_E5M2 = 4  /* OCP OFP8 E5M2 */
} softcheck_p_format;

/* What a fully masked query row (no key attended) holds in `out`. */
typedef enum softcheck_masked_row {
  SOFTCHECK_MASKED_ROW_NAN = 0,    /* NaN (0/0; the default of softcheck's special values) */
  SOFTCHECK_MASKED_ROW_ZERO = 1,   /* 0 (FlashAttention) */
  SOFTCHECK_MASKED_ROW_UNIFORM = 2 /* the mean of V, 1/lk per key (a finite sentinel for -inf) */
} softcheck_masked_row;

/* What a fully masked row's LSE holds. */
typedef enum softcheck_masked_row_lse {
  SOFTCHECK_MASKED_LSE_NEG_INF = 0, /* -inf (the default) */
  SOFTCHECK_MASKED_LSE_POS_INF = 1, /* +inf (FlashAttention) */
  SOFTCHECK_MASKED_LSE_NAN = 2
} softcheck_masked_row_lse;

/* One head. Elements of q, k, v, bias and out have the type of the kernel's storage format
 * (as for row kernels); all arrays are row-major and contiguous.
 *   q      lq x d          k, v   lk x d
 *   keep   lq x lk bytes, 1 = attended, 0 = masked; or NULL
 *   bias   lq x lk additive bias (0, or a sentinel: -inf or a large finite negative); or NULL.
 *          keep and bias are never both given; with neither, every key is attended.
 *   scale  used exactly as given (never 0); softcap 0 means none.
 *   out    lq x d, to be written.
 *   lse    lq doubles, to be written in the kernel's accumulation format; NULL when the kernel
 *          does not provide the LSE or softcheck does not ask for it. */
typedef struct softcheck_attention_call {
  size_t lq, lk, d;
  const void* q;
  const void* k;
  const void* v;
  const uint8_t* keep;
  const void* bias;
  double scale;
  double softcap;
  void* out;
  double* lse;
} softcheck_attention_call;

/* Runs one head. Returns 0 on success. On failure returns nonzero and may write a message,
 * NUL-terminated, into message (message_size bytes, at least 1); the gate reports it as a
 * `crash` of that head. */
typedef int (*softcheck_attention_fn)(const softcheck_attention_call* call, char* message,
                                      size_t message_size);

/* One attention kernel: the formats it computes in (the unit roundoffs of its contract) and
 * what it declares. */
typedef struct softcheck_attention_entry {
  uint32_t format;            /* storage of q, k, v, bias and out: a softcheck_format value */
  uint32_t accumulation;      /* scores, running max and sum, P V and the LSE:
                                 SOFTCHECK_FORMAT_F32 or SOFTCHECK_FORMAT_F64 */
  uint32_t p_format;          /* a softcheck_p_format value */
  uint32_t provides_lse;      /* 1: writes lse when given; 0: leaves it alone */
  uint32_t masked_row;        /* a softcheck_masked_row value */
  uint32_t masked_row_lse;    /* a softcheck_masked_row_lse value */
  const char* algorithm;      /* as for row kernels: 1 to 64 characters from [A-Za-z0-9_.+-],
                                 unique within the plugin for a format */
  softcheck_attention_fn run; /* never NULL */
} softcheck_attention_entry;

/* What softcheck_attention_kernels() returns; valid while the library is loaded. */
typedef struct softcheck_attention_table {
  uint32_t version;    /* SOFTCHECK_ATTENTION_VERSION */
  size_t kernel_count; /* at least 1 */
  const softcheck_attention_entry* kernels;
} softcheck_attention_table;

/* The optional attention entry point (define it with SOFTCHECK_PLUGIN_EXPORT). It is looked
 * up after softcheck_plugin_entry(), whose name is the kernels' provider; a plugin with
 * attention kernels only returns kernel_count 0 there. It must not return NULL. */
SOFTCHECK_PLUGIN_EXPORT const softcheck_attention_table* softcheck_attention_kernels(void);

/* The type of softcheck_attention_kernels, for dlsym. */
typedef const softcheck_attention_table* (*softcheck_attention_kernels_fn)(void);

/* ---- Ops with inputs beyond the logits (ABI 1.1) ----------------------------------------
 *
 * An op whose inputs go beyond the logits and the target (the backward ops: y or log_y, and
 * dy) is provided through a second optional table, so that the kernel gets every input:
 *
 *   SOFTCHECK_OP_SOFTMAX_BACKWARD      inputs y, dy:     out[i] = y_i (dy_i - sum_j y_j dy_j)
 *   SOFTCHECK_OP_LOG_SOFTMAX_BACKWARD  inputs log_y, dy: out[i] = dy_i - exp(log_y_i) sum_j dy_j
 *
 * (y = softmax(x) and log_y = log_softmax(x) as the forward kernel wrote them, dy the incoming
 * gradient; docs/backward.md). These ops are listed here, not in the softcheck_op enum above,
 * and are refused in softcheck_plugin's table. A plugin built for ABI 1.0 loads unchanged
 * (abi_version stays SOFTCHECK_PLUGIN_ABI_VERSION); a softcheck that predates 1.1 ignores the
 * symbol. */
#define SOFTCHECK_PLUGIN_ABI_MINOR 1
#define SOFTCHECK_INPUT_KERNELS_VERSION 1
#define SOFTCHECK_INPUT_KERNELS_SYMBOL "softcheck_input_kernels"
#define SOFTCHECK_OP_SOFTMAX_BACKWARD 7
#define SOFTCHECK_OP_LOG_SOFTMAX_BACKWARD 8

/* One call: inputs[k] is the op's k-th input in the order listed above (e.g. inputs[0] = y,
 * inputs[1] = dy), each rows * stride elements of the kernel's format, row r at r * stride;
 * out as for softcheck_kernel_fn (one value per element). rows and n may be 0. */
typedef void (*softcheck_input_kernel_fn)(const void* const* inputs, void* out, size_t rows,
                                          size_t n, size_t stride);

typedef struct softcheck_input_kernel_entry {
  uint32_t op;                   /* SOFTCHECK_OP_SOFTMAX_BACKWARD, ... */
  uint32_t format;               /* a softcheck_format value */
  const char* algorithm;         /* as for row kernels */
  softcheck_input_kernel_fn run; /* never NULL */
} softcheck_input_kernel_entry;

typedef struct softcheck_input_kernel_table {
  uint32_t version;    /* SOFTCHECK_INPUT_KERNELS_VERSION */
  size_t kernel_count; /* at least 1 */
  const softcheck_input_kernel_entry* kernels;
} softcheck_input_kernel_table;

/* The optional entry point for these kernels, looked up after softcheck_plugin_entry(); a
 * plugin with such kernels only returns kernel_count 0 there. It must not return NULL. */
SOFTCHECK_PLUGIN_EXPORT const softcheck_input_kernel_table* softcheck_input_kernels(void);

/* The type of softcheck_input_kernels, for dlsym. */
typedef const softcheck_input_kernel_table* (*softcheck_input_kernels_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* SOFTCHECK_PLUGIN_H */
