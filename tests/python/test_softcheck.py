"""pytest for the Python module `softcheck` (softcheck/ + the compiled src/python): run by
ctest as python_pytest with SOFTCHECK_PYTHON_DIR pointing at the build's python/ folder.

Each test checks the binding against an independent fact: exact values, the command line's
output, the closed forms of the Taylor radius, or numpy."""
import json
import math
import os
import subprocess

import numpy as np
import pytest

import softcheck

SOFTCHECK = os.environ.get("SOFTCHECK_BINARY")


def test_version_and_arb():
    assert softcheck.__version__.startswith("0.")
    assert isinstance(softcheck.has_arb, bool)


def test_op_table_matches_the_command_line():
    table = softcheck.ops()
    names = [op["op"] for op in table]
    assert names[:4] == ["softmax", "log_softmax", "logsumexp", "cross_entropy"]
    by_name = {op["op"]: op for op in table}
    assert by_name["logsumexp"]["outputs"] == "per_row"
    assert by_name["cross_entropy"]["inputs"] == ["input", "target"]
    assert by_name["z_loss"]["parameters"] == ["a", "b"]
    assert not by_name["comp_sum"]["vector_files"]
    # every kernel's op is in the table
    assert {k["op"] for k in softcheck.kernels()} <= set(names)
    if SOFTCHECK:
        listed = json.loads(subprocess.run([SOFTCHECK, "list", "--ops", "--json"], check=True,
                                           capture_output=True, text=True).stdout)
        assert listed == table


def test_reference_refuses_inputs_the_op_does_not_take():
    with pytest.raises(ValueError, match="takes no other input"):
        softcheck.reference("softmax", [0.0, 1.0], "f32", inputs={"dy": [1.0, 2.0]})
    assert np.array_equal(softcheck.reference("softmax", [0.0, 0.0], "f32", inputs={}), [0.5, 0.5])


def test_reference_exact_values():
    assert np.array_equal(softcheck.reference("softmax", [0, 0, 0, 0], "f32"), np.full(4, 0.25))
    assert softcheck.reference("logsumexp", [0.0, 0.0], "f64") == math.log(2)
    loss, grad = softcheck.reference("cross_entropy", [0.0, 0.0], "f64", target=0)
    assert loss == math.log(2) and np.array_equal(grad, [-0.5, 0.5])


def test_reference_batches_and_rounding():
    rows = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]])
    losses, grads = softcheck.reference("cross_entropy", rows, "f32", target=[0, 2])
    assert losses.shape == (2,) and grads.shape == (2, 3)
    # bf16 rounds 0.1 first, as the command line does
    assert softcheck.round_to_format([0.1], "bf16")[0] == 0.10009765625
    assert softcheck.format_info("f16")["max_finite"] == 65504.0


@pytest.mark.skipif(SOFTCHECK is None, reason="SOFTCHECK_BINARY not set")
def test_reference_matches_command_line():
    logits = [0.5, -3.25, 7.0, 1e-3]
    out = subprocess.run([SOFTCHECK, "reference", "log_softmax", "--dtype", "f32", "--logits",
                          ",".join(map(repr, logits))], capture_output=True, text=True, check=True)
    expected = [float.fromhex(line.split()[1]) for line in out.stdout.splitlines()]
    assert list(softcheck.reference("log_softmax", logits, "f32")) == expected


def test_reference_loss_parameters():
    loss_tau1, _ = softcheck.reference("comp_sum", [1.0, 2.0], target=0, tau=1.0)
    loss_ce, _ = softcheck.reference("cross_entropy", [1.0, 2.0], target=0)
    assert loss_tau1 == loss_ce
    with pytest.raises(ValueError):
        softcheck.reference("comp_sum", [1.0, 2.0], target=0, tau=3.0)
    with pytest.raises(ValueError):
        softcheck.reference("softmaxx", [1.0])


def test_kernels_and_run_kernel_agree_with_reference():
    names = [k["name"] for k in softcheck.kernels("builtin/softmax/f32/*")]
    assert "builtin/softmax/f32/online" in names
    rng = np.random.default_rng(1)
    x = softcheck.round_to_format(rng.normal(size=(4, 16)), "f32")
    got = softcheck.run_kernel("builtin/softmax/f32/three-pass-reload", x)
    exact = softcheck.reference("softmax", x, "f32")
    assert got.shape == exact.shape
    assert np.max(np.abs(got - exact) / exact) < 1e-6
    loss, grad = softcheck.run_kernel("builtin/cross_entropy/f64/online", [0.0, 0.0], target=1)
    assert loss == math.log(2) and np.array_equal(grad, [0.5, -0.5])
    with pytest.raises(ValueError):
        softcheck.run_kernel("nosuch/kernel", [1.0])


def test_gate_and_replay():
    result = softcheck.gate(["builtin/softmax/f32/naive", "builtin/softmax/f32/online"])
    verdicts = {k["name"]: k["verdict"] for k in result["kernels"]}
    assert verdicts == {"builtin/softmax/f32/naive": "xfail", "builtin/softmax/f32/online": "pass"}
    accuracy = [v for v in softcheck.violations(result) if v["check"] == "accuracy"]
    assert accuracy
    replayed = softcheck.replay(accuracy[0], result)
    assert replayed["kernel"] == "builtin/softmax/f32/naive"
    # the replayed row gives the gate's got and expected values again
    got, expected = (float.fromhex(accuracy[0][k].split()[1]) for k in ("got", "expected"))
    assert replayed["expected"] == expected
    assert replayed["got"] == got or (math.isnan(got) and math.isnan(replayed["got"]))
    with pytest.raises(ValueError):
        softcheck.gate("nosuch/*")


def test_gate_on_attention_kernels():
    names = [k["name"] for k in softcheck.kernels("builtin/attention/f32/*")]
    assert "builtin/attention/f32/flash2-bq64-bk64" in names
    result = softcheck.gate("builtin/attention/f32/naive")
    assert result["kernels"] == [] and result["passed"]
    (kernel,) = result["attention"]["kernels"]
    assert kernel["name"] == "builtin/attention/f32/naive" and kernel["verdict"] == "pass"
    assert kernel["checks"]["output"]["checked"] > 0


def test_radius_functions():
    a = np.array([0.3, -1.2])
    assert softcheck.spread(a) == 1.5
    assert softcheck.rho_a(a) <= math.pi / 1.5
    assert softcheck.binary_radius(1, -0.5, 0.3, -1.2) == pytest.approx(math.hypot(1.5, math.pi) / 1.5)
    assert softcheck.normalised_step(1.0, 2.0) >= 0.5
    directions = np.array([[0.0, 1.0, 2.0], [0.0, 4.0, -1.0]])
    assert softcheck.batch_rho_a(directions) == pytest.approx(math.pi / 5)
    step = softcheck.controller_step(np.full(4, 1.0), directions)
    assert step["tau"] == 2.0 and step["scale"] == pytest.approx(step["rho_a"] / 2)
    jac = np.arange(24.0).reshape(2, 3, 4)
    assert np.array_equal(softcheck.directional_derivatives(jac, np.ones(4)), jac.sum(axis=2))


@pytest.mark.skipif(not softcheck.has_arb, reason="built without Arb")
def test_certified_radius_ghosts_and_taylor():
    z, a = np.array([1.0, -0.5, 0.25]), np.array([0.3, -1.2, 0.8])
    r = softcheck.certified_radius(z, a)
    assert r["status"] == "certified" and r["rho_a"] <= r["lo"] <= r["hi"]
    ghost = r["ghosts"][0]
    assert abs(np.exp(z + a * ghost).sum()) < 1e-9  # F vanishes at the ghost
    assert abs(ghost) == pytest.approx(r["hi"], rel=1e-6)
    found = softcheck.ghosts(z, a, 2 * r["hi"])
    assert found["zeros"].size >= 2 and np.min(np.abs(found["zeros"])) == pytest.approx(abs(ghost), rel=1e-9)
    c = softcheck.taylor_coefficients(z, a, 0, 30)
    t = 0.3 * r["lo"]  # inside the radius the series converges to the line loss
    assert softcheck.taylor_polynomial(c, t, 30) == pytest.approx(
        softcheck.line_loss(z, a, 0, t) + c[0], rel=1e-10)
    assert abs(c[30]) ** (1 / 30) == pytest.approx(1 / r["hi"], rel=0.2)  # Cauchy-Hadamard


def test_collapse_sweep_matches_theory():
    sweep = softcheck.collapse_sweep("builtin/cross_entropy/f32/naive", classes=10)
    theory = sweep["theory"]
    assert theory["plain_sum"] == pytest.approx(24 * math.log(2) + math.log(9))
    stable = softcheck.collapse_sweep("builtin/cross_entropy/f32/online", classes=10)
    assert stable["loss"]["from"] is None  # 1 + s kernels do not collapse
    rows = softcheck.confident_rows([1.0, 30.0], 10, "f32")
    loss, _ = softcheck.run_kernel("builtin/cross_entropy/f32/online", rows, target=0)
    assert loss[1] > 0
