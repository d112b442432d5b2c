"""softcheck in a test suite: assert_kernel(fn, op, ...) gates a Python function and raises
AssertionError with the gate's findings when it fails.

    from softcheck.testing import assert_kernel

    def test_my_softmax():
        assert_kernel(my_softmax, "softmax", dtypes=["f32", "bf16"])

The message is the violations table and the first reproducers, each with the
`softcheck reference` command that prints its correctly rounded value. Under pytest, the
plugin softcheck.pytest_plugin adds --softcheck-suite and --softcheck-seed: they set the
suite and seed of every assert_kernel that does not name its own (default: quick, seed 1).
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence

#: The suite and seed assert_kernel uses when the call names none (the pytest plugin's
#: --softcheck-suite and --softcheck-seed set them).
defaults: Dict[str, Any] = {"suite": "quick", "seed": 1}
#: Reproducers shown per failing kernel in the message.
REPRODUCERS_SHOWN = 3


def _hex(value: Any) -> str:
    """The exact (hexfloat) part of a "decimal hexfloat" pair of the gate's JSON."""
    if isinstance(value, str):
        return value.split()[-1]
    return float(value).hex()


def _takes_target(op: str) -> bool:
    """Whether the op table lists a target among the op's inputs."""
    import softcheck
    return any(o["op"] == op and "target" in o["inputs"] for o in softcheck.ops())


def reference_command(op: str, dtype: str, violation: Dict[str, Any]) -> str:
    """The `softcheck reference` command that prints the exact outputs of the violation's row."""
    command = f'softcheck reference {op} --dtype {dtype} --logits "{",".join(_hex(x) for x in violation["logits"])}"'
    if _takes_target(op):
        command += f" --target {violation['target']}"
    for name, values in sorted(violation.get("inputs", {}).items()):
        command += f' --input {name}={",".join(_hex(x) for x in values)}'
    return command


def _number(value: Any) -> str:
    """A number of the gate's JSON (non-finite ones are written as text)."""
    return value if isinstance(value, str) else f"{value:.3g}"


def _checks_line(kernel: Dict[str, Any]) -> str:
    parts = []
    for name, c in sorted(kernel["checks"].items()):
        if not c["violations"]:
            continue
        if "checked" in c:  # attention: the error as a ratio to the allowance
            parts.append(f"{name} {c['violations']}/{c['checked']} (worst {_number(c['worst_ratio'])}"
                         " of the allowance)")
        else:
            parts.append(f"{name} {c['violations']}/{c['elements']} (worst "
                         f"{_number(c['worst_error'])}, allowed {_number(c['allowed_at_worst'])})")
    return "; ".join(parts) or "no violations"


def _attention_reproducer(v: Dict[str, Any]) -> str:
    where = f"{v['family']} case {v['case']}: {v.get('case_description', '')}"
    if v["check"] == "crash":
        return f"  crash ({where}): {v.get('message', '')}"
    return (f"  {v['check']} ({where}), row {v.get('row')} column {v.get('column')}: got "
            f"{_hex(v['got'])}, expected {_hex(v['expected'])}, error {_number(v['error'])} "
            f"(allowed {_number(v['allowed'])})")


def failure_message(result: Dict[str, Any]) -> str:
    """The gate's findings on the kernels that did not pass, as assert_kernel reports them."""
    kernels = result["kernels"] + result.get("attention", {}).get("kernels", [])
    failing = [k for k in kernels if k["verdict"] not in ("pass", "xfail")]
    lines = [f"softcheck gate: {len(failing)} of {len(kernels)} kernel(s) failed "
             f"(suite {result['suite']}, seed {result['seed']}; {result['command']})", "",
             "kernel | verdict | violations by check (violations/checked, worst error in the "
             "check's unit)"]
    for k in failing:
        lines.append(f"{k['name']} | {k['verdict']} | {_checks_line(k)}")
    for k in failing:
        shown = k["reproducers"][:REPRODUCERS_SHOWN]
        if not shown:
            continue
        lines += ["", f"first reproducers of {k['name']}:"]
        for v in shown:
            if "case" in v:
                lines.append(_attention_reproducer(v))
                continue
            where = f"{v['family']} batch {v['batch']} row {v['row']}"
            if v["check"] == "crash":
                lines.append(f"  crash ({where}): {v['message']}")
                continue
            lines.append(f"  {v['check']} ({where}), {v['output']}[{v['element']}]: got "
                         f"{_hex(v['got'])}, expected {_hex(v['expected'])}, error "
                         f"{_number(v['error'])} (allowed {_number(v['allowed'])})"
                         + (f": {v['message']}" if v.get("message") else ""))
            if v.get("logits"):
                lines.append("    " + reference_command(k["op"], k["format"], v))
    return "\n".join(lines)


def assert_kernel(fn: Callable, op: str, dtypes: Optional[Sequence[str]] = None,
                  suite: Optional[str] = None, seed: Optional[int] = None,
                  **options: Any) -> Dict[str, Any]:
    """Gates fn as the kernel of op (softcheck.gate_callable; the same options) and returns
    the result; raises AssertionError with failure_message when a kernel fails. suite and
    seed default to `defaults` (the pytest options)."""
    import softcheck
    if dtypes is not None:
        options["dtypes"] = dtypes
    result = softcheck.gate_callable(fn, op, suite=suite or defaults["suite"],
                                     seed=defaults["seed"] if seed is None else seed, **options)
    if not result["passed"]:
        raise AssertionError(failure_message(result))
    return result


__all__: List[str] = ["assert_kernel", "failure_message", "reference_command", "defaults"]
