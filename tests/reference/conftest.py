"""Reference tests: handkeras against PyTorch autograd and Keras 3.15.1 (torch backend), in float64.

The test modules import torch and keras with ``pytest.importorskip``, so a machine without them skips
this directory. CI sets ``HANDKERAS_REQUIRE_REFERENCE=1``: then every skip in this directory (a
missing package included) is reported as a failure, so the reference suite can never vanish silently.

Keras reads ``KERAS_BACKEND`` once, when it is first imported; it is set here, before any test module
imports keras. Tests that use keras run it in float64 (``keras_runs_in_float64``).
"""

import os
import sys

import pytest

import handkeras

os.environ["KERAS_BACKEND"] = "torch"

REFERENCE_REQUIRED = os.environ.get("HANDKERAS_REQUIRE_REFERENCE") == "1"
_HERE = os.path.dirname(os.path.abspath(__file__))


def _skip_reason(report):
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return longrepr[2]
    return str(longrepr)


def _fail_instead_of_skip(report):
    report.outcome = "failed"
    report.longrepr = (
        f"HANDKERAS_REQUIRE_REFERENCE=1, so reference tests must run, but this one was skipped: "
        f"{_skip_reason(report)}"
    )


def _in_reference_dir(path):
    return os.path.abspath(str(path)).startswith(_HERE + os.sep)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """A module that skips at import (``importorskip``) fails instead when the reference is required."""
    outcome = yield
    report = outcome.get_result()
    if REFERENCE_REQUIRED and report.skipped and _in_reference_dir(collector.path):
        _fail_instead_of_skip(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test that skips fails instead when the reference is required."""
    outcome = yield
    report = outcome.get_result()
    if REFERENCE_REQUIRED and report.skipped and _in_reference_dir(item.path):
        _fail_instead_of_skip(report)


@pytest.fixture(autouse=True)
def handkeras_float64(fresh_state):
    """Every reference test runs handkeras in float64 (after the suite-wide reset to float32)."""
    handkeras.config.set_floatx("float64")
    yield
    handkeras.config.set_floatx("float32")


@pytest.fixture(autouse=True)
def keras_runs_in_float64(handkeras_float64):
    """Keras computes in float64 throughout while a test runs (when a test module imported keras).

    ``keras.config.set_floatx("float64")`` alone is not enough on the torch backend: Keras's type
    promotion (``keras.src.backend.common.dtypes.result_type``) demotes every 64-bit result to 32 bits
    on every backend but TensorFlow, "to be aligned with JAX's default", so the ops that promote
    against a Python ``float`` (``divide_no_nan``, behind every loss reduction and every ``Mean``
    metric, ``dot``, ...) return float32: losses, metrics and some gradients lose half their digits.
    The test gives Keras its TensorFlow backend's table, where float64 stays float64, and restores it.
    """
    keras = sys.modules.get("keras")
    if keras is None:
        yield
        return
    assert keras.backend.backend() == "torch", (
        f"the reference is Keras on the torch backend, but keras was imported with "
        f"{keras.backend.backend()!r} before this conftest could set KERAS_BACKEND"
    )
    from keras.src.backend.common import dtypes

    demotions = dtypes.BIT64_TO_BIT32_DTYPE
    saved_floatx, saved_demotion = keras.config.floatx(), demotions["float64"]
    keras.config.set_floatx("float64")
    demotions["float64"] = "float64"
    yield
    demotions["float64"] = saved_demotion
    keras.config.set_floatx(saved_floatx)
