"""keras.utils.Progbar against Keras 3.15.1's: the same updates at the same clock readings print
the same characters, escapes included, for every argument."""

import contextlib
import io
import time

import pytest

import handkeras

keras = pytest.importorskip("keras")

CASES = {
    "defaults": {},
    "one line at the end": {"verbose": 2},
    "silent": {"verbose": 0},
    "a stateful value": {"stateful_metrics": ["accuracy"]},
    "only one averaged": {"stateless_metrics": ["loss"]},
    "unknown target": {"target": None},
    "long target, narrow bar": {"target": 5000, "width": 10},
    "redrawn at most every 0.1 s": {"interval": 0.1},
    "another unit": {"unit_name": "sample", "verbose": 2},
    "minutes and hours to go": {"target": 400000},
}


def printed(library, monkeypatch, target=10, **arguments):
    """What a loop of updates prints, on a clock that moves by a growing step each time."""
    clock = [1000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        bar = library.utils.Progbar(target, **arguments)
        for step in range(1, 11):
            clock[0] += 0.013 * step
            values = [("loss", 1.0 / step), ("accuracy", 0.1 * step), ("tiny", -1e-5 * step)]
            if step % 3:
                bar.update(step, values=values)
            else:
                bar.add(1, values=values)
        bar.update(bar._seen_so_far + 2, finalize=True)
    return out.getvalue()


@pytest.mark.parametrize("arguments", CASES.values(), ids=CASES.keys())
def test_prints_what_keras_prints(monkeypatch, arguments):
    assert printed(handkeras, monkeypatch, **arguments) == printed(keras, monkeypatch, **arguments)


def test_both_refuse_stateful_and_stateless_lists_together():
    for library in (handkeras, keras):
        with pytest.raises(ValueError, match="Only one of `stateful_metrics` or `stateless"):
            library.utils.Progbar(10, stateful_metrics=["a"], stateless_metrics=["b"])
