"""Shared fixtures: every test starts from float32, a fixed seed and fresh layer names."""

import pytest

import handkeras as keras


@pytest.fixture(autouse=True)
def fresh_state():
    keras.config.set_floatx("float32")
    keras.utils.set_random_seed(1234)
    keras.backend.clear_session(free_memory=False)  # a garbage collection per test costs minutes
    yield
    keras.config.set_floatx("float32")


@pytest.fixture
def float64():
    """Run the test in float64, as gradient checks need."""
    keras.config.set_floatx("float64")
    yield
    keras.config.set_floatx("float32")
