"""keras.utils.Config, is_keras_tensor, standardize_dtype, and the interactive-logging switch of
keras.config: on, output goes to the console; off, each line is an INFO record of the "keras"
logger."""

import json
import logging

import numpy as np
import pytest

import handkeras as keras


# ------------------------------------------------------------------------------------- Config
def test_config_entries_are_attributes_and_items():
    config = keras.utils.Config(learning_rate=0.1)
    config.seed = 3
    config["batch_size"] = 32
    assert (config.learning_rate, config["seed"], config.batch_size) == (0.1, 3, 32)
    assert config.as_dict() == {"learning_rate": 0.1, "seed": 3, "batch_size": 32}
    assert json.loads(config.to_json()) == config.as_dict()
    assert list(config) == ["batch_size", "learning_rate", "seed"]  # iteration is sorted
    assert list(config.keys()) == ["learning_rate", "seed", "batch_size"]
    assert len(config) == 3 and "seed" in config and "epochs" not in config
    assert repr(config) == "<Config {'learning_rate': 0.1, 'seed': 3, 'batch_size': 32}>"


def test_an_unknown_attribute_suggests_the_closest_entry():
    config = keras.utils.Config(learning_rate=0.1)
    with pytest.raises(AttributeError, match=r"Unknown attribute: 'learning_rat'\. Did you mean "
                                             r"'learning_rate'\?"):
        config.learning_rat
    with pytest.raises(AttributeError, match=r"^Unknown attribute: 'optimizer'\.$"):
        config.optimizer
    assert not hasattr(config, "optimizer")
    assert config.get("optimizer") is None and config.get("optimizer", "adam") == "adam"


def test_a_frozen_config_refuses_every_change_and_keeps_its_entries():
    config = keras.utils.Config(seed=1)
    config.freeze()
    assert config.frozen
    changes = [lambda: setattr(config, "seed", 2), lambda: config.__setitem__("seed", 2),
               lambda: config.__delitem__("seed"), lambda: config.pop("seed"),
               lambda: config.update(seed=2)]
    for change in changes:
        with pytest.raises(ValueError, match="the config is frozen"):
            change()
    assert config.as_dict() == {"seed": 1}
    config.unfreeze()
    config.seed = 2
    assert not config.frozen and config.pop("seed") == 2 and len(config) == 0


def test_config_methods_are_not_entries():
    config = keras.utils.Config(freeze=1)  # a name the class uses stays an item only
    assert config["freeze"] == 1 and callable(config.freeze)
    config.as_dict()["other"] = 2
    assert "other" not in config


# --------------------------------------------------------------------------------- is_keras_tensor
def test_is_keras_tensor():
    assert keras.utils.is_keras_tensor(keras.Input((4,)))
    assert not keras.utils.is_keras_tensor(np.zeros((1, 4)))
    assert not keras.utils.is_keras_tensor(keras.Variable(np.zeros(2), name="v"))


# ------------------------------------------------------------------------------- standardize_dtype
@pytest.mark.parametrize("dtype, name", [
    (None, "float32"), ("int", "int32"), (int, "int32"), (float, "float32"), (bool, "bool"),
    (str, "string"), (complex, "complex64"), (np.float64, "float64"), (np.dtype("uint8"), "uint8"),
    ("bfloat16", "bfloat16"), (np.bool_, "bool")])
def test_standardize_dtype_names(dtype, name):
    assert keras.utils.standardize_dtype(dtype) == name


@pytest.mark.parametrize("dtype", ["float", "foo", np.object_, np.str_, object, 3])
def test_standardize_dtype_rejects_what_keras_does_not_know(dtype):
    with pytest.raises(ValueError, match="Invalid dtype: "):
        keras.utils.standardize_dtype(dtype)


def test_standardize_dtype_of_none_is_floatx():
    keras.config.set_floatx("float64")
    try:
        assert keras.utils.standardize_dtype(None) == "float64"
    finally:
        keras.config.set_floatx("float32")


# ------------------------------------------------------------------------------------- logging
@pytest.fixture
def logged(caplog):
    """Interactive logging disabled for the test; the "keras" logger's INFO records kept."""
    caplog.set_level(logging.INFO, logger="keras")
    keras.config.disable_interactive_logging()
    yield lambda: [record.getMessage() for record in caplog.records if record.name == "keras"]
    keras.config.enable_interactive_logging()


def test_the_switch_is_on_by_default_and_shared_by_config_and_utils():
    assert keras.config.is_interactive_logging_enabled() is True
    keras.utils.disable_interactive_logging()
    try:
        assert keras.config.is_interactive_logging_enabled() is False
    finally:
        keras.config.enable_interactive_logging()
    assert keras.utils.is_interactive_logging_enabled() is True


def test_a_progbar_logs_its_lines_without_control_characters(logged, capsys):
    bar = keras.utils.Progbar(3, interval=0)
    for step in (1, 2, 3):
        bar.update(step, values=[("loss", 0.5)])
    records = logged()
    assert len(records) == 3 and records[-1].startswith("3/3 ━")
    assert records[-1].endswith("- loss: 0.5000")
    assert not any(char in "".join(records) for char in "\b\r\x1b\n")
    assert capsys.readouterr().out == ""


def test_a_summary_is_one_record(logged, capsys):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], name="tiny")
    model.summary()
    records = logged()
    assert len(records) == 1 and records[0].startswith('Model: "tiny"')
    assert "Total params: 8" in records[0]
    assert capsys.readouterr().out == ""


def fitted_model():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model, np.ones((8, 2)), np.ones((8, 1))


@pytest.mark.parametrize("verbose", [1, 2])
def test_fit_logs_epoch_lines_and_one_line_per_epoch(verbose, logged, capsys):
    model, x, y = fitted_model()
    model.fit(x, y, epochs=2, batch_size=4, verbose=verbose)
    records = logged()
    assert records[0] == "Epoch 1/2" and records[2] == "Epoch 2/2" and len(records) == 4
    assert records[1].startswith("2/2 - ") and "loss: " in records[1]
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_evaluate_and_callback_messages_are_logged(logged, capsys):
    model, x, y = fitted_model()
    model.evaluate(x, y, batch_size=4, verbose=1)
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=1e9, verbose=1)
    model.fit(x, y, epochs=3, batch_size=4, verbose=0, callbacks=[stop])
    records = logged()
    assert records[0].startswith("2/2 - ") and records[1] == "Epoch 2: early stopping"
    assert capsys.readouterr().err == ""


def test_verbose_zero_logs_nothing(logged):
    model, x, y = fitted_model()
    model.fit(x, y, epochs=2, verbose=0)
    model.predict(x, verbose=0)
    assert logged() == []


def test_enabled_again_the_console_gets_the_output(logged, capsys):
    keras.config.enable_interactive_logging()
    model, x, y = fitted_model()
    model.fit(x, y, epochs=2, batch_size=4, verbose=2)
    assert logged() == [] and "Epoch 2/2" in capsys.readouterr().err


def test_fit_logs_a_progress_line_every_log_refresh_interval(logged, monkeypatch):
    from handkeras.callbacks import progbar_logger
    monkeypatch.setattr(progbar_logger, "LOG_REFRESH_INTERVAL", 0.0)
    model, x, y = fitted_model()
    model.fit(x, y, epochs=1, batch_size=2, verbose=1)
    records = logged()
    assert [record.split(" - ")[0] for record in records] == ["1/4", "2/4", "3/4", "4/4", "4/4"]
