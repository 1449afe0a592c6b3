"""keras.utils.Config, is_keras_tensor, standardize_dtype and the interactive-logging switch against
Keras 3.15.1's: the same answers, the same errors, and, with interactive logging disabled, the same
progress lines as log records."""

import logging
import re
import time

import numpy as np
import pytest

import handkeras

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")


def outcome(function, *args):
    """What a call returns, or the type and message of what it raises."""
    try:
        return "returns", function(*args)
    except Exception as error:  # noqa: BLE001 - the comparison is the point
        return type(error).__name__, str(error)


# ------------------------------------------------------------------------------ standardize_dtype
DTYPES = [None, "int", "float", int, float, bool, str, complex, "float64", "bool", "string",
          "bfloat16", "float8_e5m2", np.float32, np.int64, np.bool_, np.complex128, np.str_,
          np.object_, np.dtype("int8"), np.dtype("uint16"), np.dtype("<U3"), torch.float16,
          torch.int32, "float128", "int4", "foo", object, list, 3]


@pytest.mark.parametrize("dtype", DTYPES, ids=repr)
def test_standardize_dtype_gives_what_keras_gives(dtype):
    assert (outcome(handkeras.utils.standardize_dtype, dtype)
            == outcome(keras.utils.standardize_dtype, dtype))


def test_standardize_dtype_of_none_follows_floatx():
    for library in (handkeras, keras):
        library.config.set_floatx("float64")
        try:
            assert library.utils.standardize_dtype(None) == "float64"
        finally:
            library.config.set_floatx("float32")


# ------------------------------------------------------------------------------ is_keras_tensor
def test_is_keras_tensor_is_true_for_symbolic_tensors_only():
    for library in (handkeras, keras):
        assert library.utils.is_keras_tensor(library.Input((3,)))
        assert library.utils.is_keras_tensor(library.KerasTensor((2, 3), "float32"))
        for value in (np.zeros(3), 1.0, None, [library.Input((3,))]):
            assert not library.utils.is_keras_tensor(value)


# ------------------------------------------------------------------------------ Config
def config_session(library):
    """Every use of a Config a script makes, each step's result or error, in order."""
    config = library.utils.Config(learning_rate=0.1, momentum=0.9)
    seen = []
    steps = [
        lambda: setattr(config, "seed", 3),
        lambda: config.__setitem__("batch_size", 32),
        lambda: (config.seed, config["batch_size"], config.learning_rate),
        lambda: config.learning_rat,
        lambda: config.nothing_like_it,
        lambda: config["missing"],
        lambda: hasattr(config, "missing"),
        lambda: (list(config), list(config.keys()), list(config.values()), len(config)),
        lambda: ("seed" in config, "nope" in config, config.get("nope"), config.get("nope", 7)),
        lambda: (config.as_dict(), config.to_json(), repr(config)),
        lambda: config.freeze(),
        lambda: config.frozen,
        lambda: setattr(config, "seed", 4),
        lambda: config.__setitem__("seed", 4),
        lambda: config.__delitem__("seed"),
        lambda: config.pop("seed"),
        lambda: config.update(seed=4),
        lambda: config.pop("seed", None),
        lambda: config.unfreeze(),
        lambda: (config.frozen, config.pop("seed"), config.update(epochs=2), config.as_dict()),
        lambda: config.__delitem__("epochs"),
        lambda: library.utils.Config(a=np.float32(1)).to_json(),
        lambda: (library.utils.Config(b=1, a=2).keys(), list(library.utils.Config(b=1, a=2))),
    ]
    for step in steps:
        seen.append(outcome(step))
    return seen


def test_config_behaves_as_keras_step_by_step():
    assert config_session(handkeras) == config_session(keras)


def test_config_as_dict_is_a_copy_in_both():
    for library in (handkeras, keras):
        config = library.utils.Config(a=1)
        config.as_dict()["b"] = 2
        assert "b" not in config


# ------------------------------------------------------------------------------ interactive logging
def test_the_switch_is_the_same_function_in_config_and_utils_and_starts_enabled():
    for library in (handkeras, keras):
        for name in ("enable_interactive_logging", "disable_interactive_logging",
                     "is_interactive_logging_enabled"):
            assert getattr(library.config, name) is getattr(library.utils, name)
        assert library.config.is_interactive_logging_enabled() is True
        library.config.disable_interactive_logging()
        try:
            assert library.config.is_interactive_logging_enabled() is False
        finally:
            library.config.enable_interactive_logging()
        assert library.config.is_interactive_logging_enabled() is True


class Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append((record.levelno, record.getMessage()))


CONTROL = re.compile(r"\x1b\[[0-9;]*m|[\b\r]")


def logged_progbar(library, logger_name, monkeypatch, target=10, **arguments):
    """The log records a Progbar loop makes with interactive logging disabled, as text without
    terminal control characters, and what it printed on stdout meanwhile."""
    clock = [1000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    logger, handler = logging.getLogger(logger_name), Records()
    previous_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    library.config.disable_interactive_logging()
    try:
        bar = library.utils.Progbar(target, **arguments)
        for step in range(1, 11):
            clock[0] += 0.02 * step
            bar.update(step, values=[("loss", 1.0 / step)])
    finally:
        library.config.enable_interactive_logging()
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
    return [(level, CONTROL.sub("", message).strip()) for level, message in handler.messages]


@pytest.mark.parametrize("arguments", [{}, {"verbose": 2}, {"target": None}, {"verbose": 0}],
                         ids=repr)
def test_a_progbar_logs_keras_lines_when_interactive_logging_is_disabled(arguments, monkeypatch,
                                                                         capsys):
    ours = logged_progbar(handkeras, "keras", monkeypatch, **arguments)
    theirs = logged_progbar(keras, "absl", monkeypatch, **arguments)
    assert ours == theirs
    assert all(level == logging.INFO for level, _ in ours)
    assert (len(ours) > 0) == (arguments.get("verbose", 1) > 0)
    assert capsys.readouterr().out == ""


def logged_summary(library, logger_name):
    logger, handler = logging.getLogger(logger_name), Records()
    previous_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    model = library.Sequential([library.Input((3,)), library.layers.Dense(2, name="dense")],
                               name="small")
    library.config.disable_interactive_logging()
    try:
        model.summary()
    finally:
        library.config.enable_interactive_logging()
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
    return handler.messages


def test_a_summary_is_one_log_record_when_interactive_logging_is_disabled(capsys):
    ours, theirs = logged_summary(handkeras, "keras"), logged_summary(keras, "absl")
    assert len(ours) == len(theirs) == 1
    assert ours[0][0] == theirs[0][0] == logging.INFO
    for _, text in (ours[0], theirs[0]):
        assert text.startswith('Model: "small"')
        assert "dense (Dense)" in text and "Total params: 8" in text
    assert capsys.readouterr().out == ""
