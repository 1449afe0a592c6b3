"""plot_history and History.plot: training curves as a matplotlib figure, saved headless."""

import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure

import handkeras as keras
from handkeras import layers
from handkeras.utils import plot_history

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def history():
    x = np.random.default_rng(4).random((40, 4)).astype("float32")
    y = (x.sum(axis=1) > 2).astype("int64")
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model.fit(x, y, epochs=4, verbose=0, validation_split=0.25)


def curves(figure):
    """``{panel title: {line label: (x, y)}}`` for the visible panels."""
    return {axis.get_title(): {line.get_label(): (list(line.get_xdata()), list(line.get_ydata()))
                               for line in axis.get_lines()}
            for axis in figure.axes if axis.get_visible()}


def test_one_panel_per_metric_with_its_validation_twin_over_epochs(history):
    figure = plot_history(history)
    assert isinstance(figure, Figure)
    drawn = curves(figure)
    assert set(drawn) == {"loss", "accuracy"}
    for name, lines in drawn.items():
        assert set(lines) == {name, "val_" + name}
        for key, (epochs, values) in lines.items():
            assert epochs == [1, 2, 3, 4]
            np.testing.assert_array_equal(values, history.history[key])
    assert all(axis.get_xlabel() == "epoch" for axis in figure.axes if axis.get_visible())


def test_history_plot_saves_a_png(history, tmp_path):
    path = tmp_path / "curves.png"
    figure = history.plot(path=path)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 5000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    dpi = figure.get_dpi()
    assert (width, height) == (round(figure.get_figwidth() * dpi),
                               round(figure.get_figheight() * dpi))


def test_metrics_selects_the_panels(history):
    assert set(curves(history.plot(metrics=["accuracy"]))) == {"accuracy"}


def test_plot_history_accepts_the_history_dict(history):
    drawn = curves(plot_history(history.history, metrics=["loss"]))
    np.testing.assert_array_equal(drawn["loss"]["val_loss"][1], history.history["val_loss"])


def test_unknown_metric_and_empty_history_are_errors(history):
    with pytest.raises(ValueError, match="mae"):
        plot_history(history, metrics=["mae"])
    with pytest.raises(ValueError, match="empty"):
        plot_history({})


def test_a_resumed_run_is_plotted_at_its_own_epochs():
    history = keras.callbacks.History()
    history.epoch = [3, 4, 5]
    history.history = {"loss": [0.5, 0.4, 0.3]}
    (epochs, _), = curves(plot_history(history))["loss"].values()
    assert epochs == [4, 5, 6]


def test_plotting_works_without_a_display_and_without_pyplot(tmp_path):
    script = (
        "import sys, numpy as np, handkeras as keras\n"
        "h = keras.callbacks.History(); h.epoch = [0, 1]\n"
        "h.history = {'loss': [1.0, 0.5], 'val_loss': [1.2, 0.7]}\n"
        f"h.plot(path={str(tmp_path / 'out.png')!r})\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    env = {"PATH": "/usr/bin:/bin", "MPLBACKEND": "", "DISPLAY": ""}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=120)
    assert (tmp_path / "out.png").read_bytes().startswith(PNG_SIGNATURE)
