"""softcheck.gate_callable and softcheck.testing.assert_kernel: the gate on Python functions
(NumPy and PyTorch), the per-call failures it records, the worker-process mode, and the
pytest plugin's options."""
import os
import subprocess
import sys

import numpy as np
import pytest

import softcheck
from softcheck import numpy_bf16
from softcheck.testing import assert_kernel, failure_message

import kernels_under_test as K

HERE = os.path.dirname(os.path.abspath(__file__))


def checks_with_violations(kernel):
    return {name: c["violations"] for name, c in kernel["checks"].items() if c["violations"]}


def crash_messages(kernel):
    """The crash records' messages, without the "rows=R, n=N: " that the gate's zero-size
    probe calls put first."""
    return [v["message"].split(": ", 1)[1] if v["message"].startswith("rows=") else v["message"]
            for v in kernel["reproducers"] if v["check"] == "crash"]


@pytest.mark.parametrize("dtype", ["f64", "f32", "bf16", "f16"])
def test_numpy_softmax_rounded_once_passes(dtype):
    result = assert_kernel(K.softmax_rounded_once, "softmax", dtypes=[dtype])
    (kernel,) = result["kernels"]
    assert kernel["name"] == f"python/softmax/{dtype}/softmax_rounded_once"
    assert kernel["verdict"] == "pass"
    assert kernel["checks"]["accuracy"]["elements"] > 10000  # the suite's rows went through


def test_numpy_log_of_softmax_fails_with_the_findings():
    with pytest.raises(AssertionError) as raised:
        assert_kernel(K.log_softmax_as_log_of_softmax, "log_softmax", dtypes=["f32"])
    message = str(raised.value)
    assert "python/log_softmax/f32/log_softmax_as_log_of_softmax | FAIL" in message
    assert "accuracy" in message
    assert "softcheck reference log_softmax --dtype f32 --logits" in message
    result = softcheck.gate_callable(K.log_softmax_as_log_of_softmax, "log_softmax", dtypes="f32")
    assert checks_with_violations(result["kernels"][0])["accuracy"] > 0
    assert not result["passed"]


def test_the_reproducer_command_prints_the_expected_value():
    binary = os.environ.get("SOFTCHECK_BINARY")
    if not binary:
        pytest.skip("SOFTCHECK_BINARY not set (ctest sets it)")
    result = softcheck.gate_callable(K.log_softmax_as_log_of_softmax, "log_softmax", dtypes="f32")
    violation = next(v for v in result["kernels"][0]["reproducers"] if v["check"] == "accuracy")
    command = softcheck.testing.reference_command("log_softmax", "f32", violation)
    words = command.split(" ", 2)[1:]  # drop "softcheck"
    args = [words[0]] + words[1].replace('"', "").split()
    printed = subprocess.run([binary] + args, capture_output=True, text=True, check=True).stdout
    expected = violation["expected"].split()[-1]
    assert printed.splitlines()[violation["element"]].split()[-1] == expected


def torch_or_skip():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_torch_lambdas_get_the_torch_adapters_verdicts(op):
    torch = torch_or_skip()
    functions = {"softmax": lambda x: torch.softmax(x, -1),
                 "log_softmax": lambda x: torch.log_softmax(x, -1)}
    dtypes = ["f64", "f32", "bf16"]  # the adapter's: libtorch 1.13 has no f16 CPU softmax
    adapter_names = [f"torch/{op}/{d}/aten" for d in dtypes]
    if not all(softcheck.kernels(name) for name in adapter_names):
        pytest.skip("softcheck built without libtorch: no torch adapter to compare with")
    ours = softcheck.gate_callable(functions[op], op, dtypes=dtypes, tensors="torch")
    theirs = softcheck.gate(adapter_names)
    for mine, adapter in zip(ours["kernels"], theirs["kernels"]):
        assert mine["verdict"] == adapter["verdict"], (mine["name"], adapter["name"])
        # Every check both make counts alike; the adapter declares in-place use, which a
        # Python function (given fresh arrays) cannot be probed for.
        assert {c: v for c, v in mine["checks"].items()} == \
            {c: v for c, v in adapter["checks"].items() if c != "in_place"}, mine["name"]


def test_torch_bf16_travels_as_bfloat16():
    torch = torch_or_skip()
    seen = set()

    def spy(x):
        seen.add(x.dtype)
        return torch.softmax(x, -1)
    softcheck.gate_callable(spy, "softmax", dtypes="bf16", tensors="torch")
    assert seen == {torch.bfloat16}


def test_numpy_bf16_travels_as_uint16_bits():
    seen = set()

    def spy(x):
        seen.add(x.dtype)
        return K.softmax_rounded_once(x)
    softcheck.gate_callable(spy, "softmax", dtypes="bf16")
    assert seen == {np.dtype(np.uint16)}


def one_failing_call(fn, op="softmax", **options):
    """The crash messages of a gate run on f32."""
    result = softcheck.gate_callable(fn, op, dtypes="f32", **options)
    (kernel,) = result["kernels"]
    assert kernel["verdict"] == "FAIL"
    assert kernel["checks"]["crash"]["violations"] > 0
    return crash_messages(kernel)


def test_a_function_that_raises_is_reported_per_call():
    def raises_on_long_rows(x):
        if x.shape[-1] > 100:
            raise ValueError("rows longer than 100 are not supported")
        return K.softmax_rounded_once(x)
    result = softcheck.gate_callable(raises_on_long_rows, "softmax", dtypes="f32")
    (kernel,) = result["kernels"]
    messages = crash_messages(kernel)
    assert messages and all(m == "raised ValueError: rows longer than 100 are not supported"
                            for m in messages)
    # the calls that did not raise were checked
    assert kernel["checks"]["accuracy"]["elements"] > 1000
    assert kernel["checks"]["accuracy"]["violations"] == 0


def test_wrong_shape_dtype_type_and_writes_into_the_input_are_reported():
    assert one_failing_call(lambda x: K.softmax_rounded_once(x)[:, :1])[0].startswith(
        "returned shape")
    assert one_failing_call(lambda x: K.softmax_rounded_once(x).astype(np.float64))[0] == \
        "returned dtype float64 for the output, expected float32"
    assert one_failing_call(lambda x: K.softmax_rounded_once(x).tolist())[0] == \
        "returned list for the output, not a numpy array"

    def in_place(x):
        x[...] = K.softmax_rounded_once(x)
        return x
    assert one_failing_call(in_place)[0] == "wrote into its input 'input'"
    loss_messages = one_failing_call(lambda x, t: K.softmax_rounded_once(x), op="cross_entropy")
    assert loss_messages[0].startswith("returned ndarray, expected a pair (loss per row")


def test_bf16_numpy_kernels_must_return_bit_patterns():
    result = softcheck.gate_callable(lambda x: numpy_bf16.decode(x), "softmax", dtypes="bf16")
    assert crash_messages(result["kernels"][0])[0] == \
        "returned dtype float32 for the output, expected uint16 (bf16 bit patterns)"


def test_loss_and_backward_calling_conventions():
    seen = {}

    def cross_entropy(x, target):
        seen["cross_entropy"] = (x.shape, target.dtype, target.shape)
        return K.cross_entropy_rounded_once(x, target)

    def softmax_backward(y, dy):
        seen["softmax_backward"] = (y.shape, dy.shape)
        yf, dyf = y.astype(np.float64), dy.astype(np.float64)
        with np.errstate(all="ignore"):
            return (yf * (dyf - np.sum(yf * dyf, axis=-1, keepdims=True))).astype(y.dtype)
    result = softcheck.gate_callable(cross_entropy, "cross_entropy", dtypes="f32")
    assert result["kernels"][0]["checks"]["crash"]["violations"] == 0
    shape, target_dtype, target_shape = seen["cross_entropy"]
    assert target_dtype == np.int64 and target_shape == shape[:1]
    result = softcheck.gate_callable(softmax_backward, "softmax_backward", dtypes="f32")
    assert result["kernels"][0]["checks"]["crash"]["violations"] == 0
    assert seen["softmax_backward"][0] == seen["softmax_backward"][1]


def test_contract_fields_apply_to_the_functions_kernels():
    loose = softcheck.gate_callable(K.log_softmax_as_log_of_softmax, "log_softmax", dtypes="f32",
                                    contract={"expect": "fail", "reason": "log of softmax"})
    assert loose["kernels"][0]["verdict"] == "xfail" and loose["passed"]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown op"):
        softcheck.gate_callable(K.softmax_rounded_once, "softmaxx")
    with pytest.raises(ValueError, match="dtypes"):
        softcheck.gate_callable(K.softmax_rounded_once, "softmax", dtypes=["f8"])
    with pytest.raises(ValueError, match="attention= applies to op 'attention' only"):
        softcheck.gate_callable(K.softmax_rounded_once, "softmax", attention={"p": "bf16"})
    with pytest.raises(ValueError, match="unknown declaration"):
        softcheck.gate_callable(K.attention_rounded_once, "attention", attention={"pp": "bf16"})
    with pytest.raises(TypeError, match="importable by name"):
        softcheck.gate_callable(lambda x: x, "softmax", isolate=True)
    with pytest.raises(ValueError, match="tensors must be"):
        softcheck.gate_callable(K.softmax_rounded_once, "softmax", tensors="jax")


def test_an_unknown_torch_device_is_refused_before_the_run():
    torch_or_skip()
    with pytest.raises(ValueError, match="device 'nosuchdevice'"):
        softcheck.gate_callable(K.softmax_rounded_once, "softmax", tensors="torch",
                                device="nosuchdevice")


def test_keyboard_interrupt_stops_the_run():
    def interrupted(x):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        softcheck.gate_callable(interrupted, "softmax", dtypes="f32")


def test_other_byte_order_is_named():
    messages = one_failing_call(lambda x: K.softmax_rounded_once(x).astype(">f4"))
    assert "returned dtype >f4 for the output, expected float32" in messages


def test_isolated_crash_is_reported_and_the_run_goes_on():
    result = softcheck.gate_callable(K.softmax_crashes_on_bad_n, "softmax", dtypes="f32",
                                     isolate=True)
    (kernel,) = result["kernels"]
    messages = crash_messages(kernel)
    assert "crashed: the worker process was killed by SIGABRT" in messages
    assert kernel["checks"]["accuracy"]["elements"] > 1000  # the other calls were checked
    assert kernel["checks"]["accuracy"]["violations"] == 0


def test_isolated_hang_is_cut_at_the_time_limit():
    result = softcheck.gate_callable(K.softmax_hangs_on_bad_n, "softmax", dtypes="f32",
                                     isolate=True, timeout=2.0)
    (kernel,) = result["kernels"]
    assert "ran past the time limit of 2 s (worker killed)" in crash_messages(kernel)
    assert kernel["checks"]["accuracy"]["violations"] == 0


def test_isolated_results_equal_in_process_results():
    inside = softcheck.gate_callable(K.log_softmax_as_log_of_softmax, "log_softmax", dtypes="f32")
    isolated = softcheck.gate_callable(K.log_softmax_as_log_of_softmax, "log_softmax",
                                       dtypes="f32", isolate=True)
    assert inside["kernels"][0]["checks"] == isolated["kernels"][0]["checks"]
    assert inside["kernels"][0]["reproducers"] == isolated["kernels"][0]["reproducers"]


def test_failure_message_lists_crashes():
    result = softcheck.gate_callable(lambda x: x.tolist(), "softmax", dtypes="f32", name="bad")
    message = failure_message(result)
    assert "python/softmax/f32/bad | FAIL" in message
    assert "crash (" in message and "not a numpy array" in message


PLUGIN_TEST = '''
import softcheck.testing as t
import kernels_under_test as K

def test_suite_from_the_command_line():
    result = t.assert_kernel(K.softmax_rounded_once, "softmax", dtypes=["f32"])
    assert result["suite"] == "deep" and result["seed"] == 5
'''


def test_pytest_plugin_sets_suite_and_seed(tmp_path):
    (tmp_path / "test_plugin_use.py").write_text(PLUGIN_TEST)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [HERE, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
         "softcheck.pytest_plugin", "--softcheck-suite", "deep", "--softcheck-seed", "5",
         str(tmp_path / "test_plugin_use.py")], capture_output=True, text=True, env=env,
        cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def attention_kernels(result):
    assert result["kernels"] == []
    return result["attention"]["kernels"]


@pytest.mark.parametrize("dtype", ["f64", "f32", "bf16", "f16"])
def test_numpy_attention_rounded_once_passes(dtype):
    result = assert_kernel(K.attention_rounded_once, "attention", dtypes=[dtype])
    (kernel,) = attention_kernels(result)
    assert kernel["name"] == f"python/attention/{dtype}/attention_rounded_once"
    assert kernel["verdict"] == "pass" and kernel["checks"]["output"]["checked"] > 10000
    assert kernel["checks"]["masked-row"]["checked"] > 0


def test_attention_that_drops_the_mask_fails():
    with pytest.raises(AssertionError) as raised:
        assert_kernel(K.attention_ignoring_the_mask, "attention", dtypes=["f32"])
    assert "python/attention/f32/attention_ignoring_the_mask | fail" in str(raised.value)
    result = softcheck.gate_callable(K.attention_ignoring_the_mask, "attention", dtypes="f32")
    (kernel,) = attention_kernels(result)
    assert kernel["checks"]["output"]["violations"] > 0
    assert kernel["checks"]["masked-row"]["violations"] > 0


def test_attention_calling_convention_and_softcap():
    calls = []

    def spy(q, k, v, mask, scale, *softcap):
        calls.append((q.shape, k.shape, v.shape, None if mask is None else mask.dtype,
                      type(scale), softcap))
        return K.attention_rounded_once(q, k, v, mask, scale)
    without = attention_kernels(softcheck.gate_callable(spy, "attention", dtypes="f32"))[0]
    assert all(not c[5] for c in calls)
    # boolean masks come as bool arrays (always, even when every key is kept), additive ones
    # as the bias in the format
    assert {c[3] for c in calls} == {np.dtype(np.bool_), np.dtype(np.float32)}
    assert all(q[1] == k[1] == v[1] and q[0] > 0 for q, k, v, *_ in calls)
    calls.clear()
    with_softcap = attention_kernels(softcheck.gate_callable(
        spy, "attention", dtypes="f32", attention={"softcap": True}))[0]
    assert any(c[5] and c[5][0] > 0 for c in calls)  # the softcapped cases now come
    assert with_softcap["cases"] > without["cases"]


def test_loss_parameters_reach_the_reference():
    """A cross-entropy without temperature under temperature_cross_entropy: close to the
    reference at T = 1, wrong almost everywhere at T = 2."""
    def accuracy_violations(temperature):
        result = softcheck.gate_callable(K.cross_entropy_rounded_once, "temperature_cross_entropy",
                                         dtypes="f64", parameters={"temperature": temperature})
        return result["kernels"][0]["checks"]["accuracy"]["violations"]
    assert accuracy_violations(2.0) > 10 * max(1, accuracy_violations(1.0))
    with pytest.raises(ValueError, match="unknown parameter 'tauu'"):
        softcheck.gate_callable(K.cross_entropy_rounded_once, "comp_sum", parameters={"tauu": 1})


def test_zero_size_calls_run_in_this_process():
    """The gate's zero-size calls (rows = 0, n = 0) reach the function in this interpreter, not
    in a fork of it (where CUDA and other threads would not work)."""
    empty_calls = []

    def counting(x):
        if x.size == 0:
            empty_calls.append(x.shape)
        return K.softmax_rounded_once(x)
    result = softcheck.gate_callable(counting, "softmax", dtypes="f32")
    assert sorted(empty_calls) == [(0, 4), (3, 0)]
    assert result["kernels"][0]["checks"]["crash"] == {
        "allowed_at_worst": 0.0, "elements": 2, "violations": 0, "worst_error": 0.0}
