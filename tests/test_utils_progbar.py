"""keras.utils.Progbar: Keras's progress line for custom loops, on stdout."""

import re
import time

import pytest

from handkeras.utils import Progbar

ESCAPES = re.compile(r"\x1b\[\d+m")


@pytest.fixture
def clock(monkeypatch):
    """A clock the test moves by hand: ``clock.tick(seconds)``."""
    class Clock:
        now = 500.0

        def tick(self, seconds):
            self.now += seconds

    fake = Clock()
    monkeypatch.setattr(time, "time", lambda: fake.now)
    return fake


def lines(text):
    """The lines as a terminal would show them: each redraw replaces the line, escapes dropped."""
    shown = []
    for line in ESCAPES.sub("", text).split("\n"):
        if line:
            shown.append(line.split("\r")[-1].rstrip())
    return shown


def test_values_are_averaged_over_the_steps_each_update_covers(clock, capsys):
    bar = Progbar(10)
    clock.tick(0.01)
    bar.update(1, values=[("loss", 4.0)])
    clock.tick(0.1)
    bar.update(4, values=[("loss", 1.0)])  # covers 3 steps: (4 + 3 * 1) / 4
    assert lines(capsys.readouterr().out)[-1].endswith("- loss: 1.7500")


def test_stateful_values_are_shown_as_given(clock, capsys):
    bar = Progbar(10, stateful_metrics=["accuracy"])
    for step, accuracy in ((1, 0.2), (2, 0.6)):
        clock.tick(0.1)
        bar.update(step, values=[("loss", float(step)), ("accuracy", accuracy)])
    assert lines(capsys.readouterr().out)[-1].endswith("- loss: 1.5000 - accuracy: 0.6000")


def test_only_the_stateless_list_is_averaged_when_given(clock, capsys):
    bar = Progbar(10, stateless_metrics=["loss"])
    for step in (1, 2):
        clock.tick(0.1)
        bar.update(step, values=[("loss", float(step)), ("lr", float(step))])
    assert lines(capsys.readouterr().out)[-1].endswith("- loss: 1.5000 - lr: 2.0000")


def test_the_line_is_redrawn_in_place_with_the_eta_then_ends_with_the_elapsed_time(clock, capsys):
    bar = Progbar(4, width=8)
    for step in range(1, 5):
        clock.tick(0.5)
        bar.update(step, values=[("loss", 0.25)])
    out = capsys.readouterr().out
    assert out.count("\r") == 4 and out.endswith("\n") and out.count("\n") == 1
    first, last = ESCAPES.sub("", out).split("\r")[1], lines(out)[-1]
    # 3 steps of 0.5 s to go: 1.5 s, whole seconds as Keras prints them
    assert first.startswith("1/4 ━━━━━━━━ 1s 500ms/step - loss: 0.2500")
    assert last == "4/4 ━━━━━━━━ 2s 500ms/step - loss: 0.2500"  # 2 s elapsed
    assert "\x1b[32m━━━━━━━━" in out  # the done part in green


def test_redraws_wait_for_the_interval_but_the_last_update_always_draws(clock, capsys):
    bar = Progbar(3, interval=1.0)
    clock.tick(2.0)
    bar.update(1)
    clock.tick(0.1)
    bar.update(2)  # 0.1 s after the last redraw: counted, not drawn
    clock.tick(0.1)
    bar.update(3)
    drawn = lines(capsys.readouterr().out)
    assert [line.split()[0] for line in drawn] == ["3/3"]
    assert capsys.readouterr().out == ""


def test_verbose_2_prints_one_line_at_the_end_and_verbose_0_nothing(clock, capsys):
    quiet, one_line = Progbar(2, verbose=0), Progbar(2, verbose=2, unit_name="sample")
    for step in (1, 2):
        clock.tick(0.004)
        for bar in (quiet, one_line):
            bar.update(step, values=[("loss", 0.5)])
    assert capsys.readouterr().out == "2/2 - 0s - 4ms/sample - loss: 0.5000\n"


def test_an_unknown_target_counts_steps_and_add_moves_on_from_the_last_update(clock, capsys):
    bar = Progbar(None)
    clock.tick(0.2)
    bar.update(5)
    clock.tick(0.2)
    bar.add(3)
    assert lines(capsys.readouterr().out)[-1].startswith("      8/Unknown 0s")


def test_small_values_are_printed_in_scientific_notation(clock, capsys):
    bar = Progbar(1)
    clock.tick(0.1)
    bar.update(1, values=[("loss", -2e-5), ("mae", 0.75)])
    assert lines(capsys.readouterr().out)[-1].endswith("- loss: -2.0000e-05 - mae: 0.7500")


def test_stateful_and_stateless_lists_together_are_refused():
    with pytest.raises(ValueError, match="Only one of `stateful_metrics` or `stateless_metrics`"):
        Progbar(10, stateful_metrics=["accuracy"], stateless_metrics=["loss"])
