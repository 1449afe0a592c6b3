"""Learning rate schedules: Keras's formulas at given steps, floatx results, argument checks, configs."""

import math

import numpy as np
import pytest

import handkeras as keras
from handkeras.optimizers import schedules


@pytest.fixture(autouse=True)
def in_float64(float64):
    """Schedules compute in floatx; the hand computations below are float64."""


def values(schedule, steps):
    return [float(schedule(s)) for s in steps]


def test_exponential_decay_continuous_and_staircase():
    smooth = schedules.ExponentialDecay(0.1, decay_steps=4, decay_rate=0.5)
    assert values(smooth, [0, 2, 4, 8]) == pytest.approx([0.1, 0.1 * 0.5 ** 0.5, 0.05, 0.025])
    stairs = schedules.ExponentialDecay(0.1, decay_steps=4, decay_rate=0.5, staircase=True)
    assert values(stairs, [0, 3, 4, 7, 8]) == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])


def test_inverse_time_decay_continuous_and_staircase():
    smooth = schedules.InverseTimeDecay(1.0, decay_steps=2, decay_rate=0.5)
    assert values(smooth, [0, 1, 2, 4]) == pytest.approx([1.0, 1 / 1.25, 1 / 1.5, 1 / 2.0])
    stairs = schedules.InverseTimeDecay(1.0, decay_steps=2, decay_rate=0.5, staircase=True)
    assert values(stairs, [0, 1, 2, 3, 4]) == pytest.approx([1.0, 1.0, 1 / 1.5, 1 / 1.5, 0.5])


def test_piecewise_constant_decay_boundaries_belong_to_the_interval_before():
    schedule = schedules.PiecewiseConstantDecay([2, 5], [1.0, 0.5, 0.1])
    assert values(schedule, [0, 2, 3, 5, 6, 100]) == pytest.approx([1.0, 1.0, 0.5, 0.5, 0.1, 0.1])


def test_piecewise_constant_decay_compares_an_integer_step_with_truncated_boundaries():
    schedule = schedules.PiecewiseConstantDecay([2.5], [1.0, 0.5])
    assert float(schedule(2)) == 1.0  # 2.5 -> 2 in the step's integer type, as in Keras
    assert float(schedule(2.4)) == 1.0 and float(schedule(2.6)) == 0.5


def test_polynomial_decay_stops_at_the_end_rate():
    schedule = schedules.PolynomialDecay(0.1, decay_steps=4, end_learning_rate=0.01, power=2.0)
    expected = [0.09 * (1 - s / 4) ** 2 + 0.01 for s in (0, 1, 2, 4)] + [0.01]
    assert values(schedule, [0, 1, 2, 4, 10]) == pytest.approx(expected)
    assert float(schedules.PolynomialDecay(0.1, 10)(5)) == pytest.approx(
        (0.1 - 0.0001) * 0.5 + 0.0001)


def test_polynomial_decay_cycle_stretches_decay_steps():
    schedule = schedules.PolynomialDecay(0.1, decay_steps=4, end_learning_rate=0.0, cycle=True)
    # step 0: multiplier 1; step 5: decay over 8 steps; step 8: over 8 (end); step 9: over 12.
    assert values(schedule, [0, 5, 8, 9]) == pytest.approx([0.1, 0.1 * 3 / 8, 0.0, 0.1 * 3 / 12],
                                                          abs=1e-9)


def test_cosine_decay_to_alpha_then_constant():
    schedule = schedules.CosineDecay(0.2, decay_steps=10, alpha=0.1)

    def expected(s):
        return 0.2 * (0.9 * 0.5 * (1 + math.cos(math.pi * min(s, 10) / 10)) + 0.1)

    assert values(schedule, [0, 3, 5, 10, 50]) == pytest.approx([expected(s) for s in (0, 3, 5, 10, 50)])
    assert float(schedule(50)) == pytest.approx(0.02)


def test_cosine_decay_with_linear_warmup():
    schedule = schedules.CosineDecay(0.0, decay_steps=4, warmup_target=1.0, warmup_steps=4)
    assert values(schedule, [0, 1, 3]) == pytest.approx([0.0, 0.25, 0.75])
    assert values(schedule, [4, 6, 8, 20]) == pytest.approx([1.0, 0.5, 0.0, 0.0], abs=1e-9)


def test_results_are_floatx_scalars():
    keras.config.set_floatx("float32")
    schedule = schedules.ExponentialDecay(0.1, 10, 0.9)
    assert np.asarray(schedule(3)).dtype == np.float32
    assert float(schedule(3)) == pytest.approx(0.1 * 0.9 ** 0.3, rel=1e-6)
    keras.config.set_floatx("float64")
    assert np.asarray(schedule(3)).dtype == np.float64
    assert float(schedule(3)) == pytest.approx(0.1 * 0.9 ** 0.3, rel=1e-14)
    for schedule in (schedules.PiecewiseConstantDecay([1], [1.0, 0.5]),
                     schedules.PolynomialDecay(0.1, 5), schedules.InverseTimeDecay(0.1, 5, 0.5),
                     schedules.CosineDecay(0.1, 5, warmup_target=0.2, warmup_steps=2)):
        assert np.asarray(schedule(1)).dtype == np.float64


@pytest.mark.parametrize("make, argument", [
    (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), "decay_steps"),
    (lambda: schedules.InverseTimeDecay(0.1, -1, 0.5), "decay_steps"),
    (lambda: schedules.PolynomialDecay(0.1, 0), "decay_steps"),
    (lambda: schedules.CosineDecay(0.1, 0), "decay_steps"),
    (lambda: schedules.ExponentialDecay("0.1", 10, 0.5), "initial_learning_rate"),
    (lambda: schedules.ExponentialDecay(0.1, 10, None), "decay_rate"),
    (lambda: schedules.CosineDecay(0.1, 10, warmup_steps=-1), "warmup_steps"),
    (lambda: schedules.CosineDecay(0.1, 10, warmup_target="high"), "warmup_target"),
    (lambda: schedules.PiecewiseConstantDecay([1, 2], [1.0, 0.5]), "boundaries"),
    (lambda: schedules.PiecewiseConstantDecay([2, 1], [1.0, 0.5, 0.1]), "boundaries"),
    (lambda: schedules.PiecewiseConstantDecay([1], [1.0, "low"]), "values"),
])
def test_bad_arguments_raise_value_error_naming_them(make, argument):
    with pytest.raises(ValueError, match=argument):
        make()


ALL_SCHEDULES = [
    schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True, name="exp"),
    schedules.InverseTimeDecay(0.1, 10, 0.5, staircase=True),
    schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]),
    schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=2.0, cycle=True),
    schedules.CosineDecay(0.1, 10, alpha=0.1, warmup_target=0.2, warmup_steps=5),
]


@pytest.mark.parametrize("schedule", ALL_SCHEDULES, ids=lambda s: type(s).__name__)
def test_config_round_trip(schedule):
    config = schedule.get_config()
    rebuilt = type(schedule).from_config(config)
    assert rebuilt.get_config() == config
    for step in (0, 7, 12, 40):
        assert float(rebuilt(step)) == float(schedule(step))
    serialized = schedules.serialize(schedule)
    assert serialized["module"] == "keras.optimizers.schedules"
    assert serialized["class_name"] == type(schedule).__name__
    assert schedules.deserialize(serialized).get_config() == config


def test_keras_default_names_in_configs():
    assert schedules.ExponentialDecay(0.1, 1, 0.5).get_config()["name"] == "ExponentialDecay"
    assert schedules.PiecewiseConstantDecay([1], [1.0, 0.5]).get_config()["name"] == "PiecewiseConstant"
    assert schedules.CosineDecay(0.1, 1).get_config() == {
        "initial_learning_rate": 0.1, "decay_steps": 1, "alpha": 0.0, "name": "CosineDecay",
        "warmup_target": None, "warmup_steps": 0}


class HalvingSchedule(schedules.LearningRateSchedule):
    def __init__(self, start):
        self.start = start

    def __call__(self, step):
        return self.start / 2 ** step

    def get_config(self):
        return {"start": self.start}


def test_custom_schedule_drives_an_optimizer_and_deserializes_with_custom_objects():
    from handkeras import optimizers
    from handkeras.variables import Variable

    optimizer = optimizers.SGD(HalvingSchedule(1.0))
    w = Variable(np.zeros(1), name="w")
    for _ in range(3):
        optimizer.apply([np.ones(1)], [w])
    assert w.value[0] == pytest.approx(-1.75)
    config = optimizer.get_config()["learning_rate"]
    assert config["class_name"] == "HalvingSchedule"
    with pytest.raises(ValueError, match="HalvingSchedule"):
        schedules.deserialize(config)
    assert schedules.deserialize(config, custom_objects={"HalvingSchedule": HalvingSchedule}).start == 1.0


def test_base_class_must_be_overridden():
    with pytest.raises(NotImplementedError, match="__call__"):
        schedules.LearningRateSchedule()(0)
    with pytest.raises(NotImplementedError, match="get_config"):
        schedules.LearningRateSchedule().get_config()


def test_cosine_decay_restarts_decays_then_restarts_longer_and_lower():
    schedule = schedules.CosineDecayRestarts(1.0, first_decay_steps=4, t_mul=2.0, m_mul=0.5)
    rates = [float(schedule(step)) for step in range(13)]
    np.testing.assert_allclose(rates[:4], [0.5 * (1 + np.cos(np.pi * s / 4)) for s in range(4)],
                               rtol=1e-6)
    # the second period starts at step 4 from half the height and lasts 8 steps
    np.testing.assert_allclose(rates[4:12], [0.25 * (1 + np.cos(np.pi * s / 8)) for s in range(8)],
                               rtol=1e-6, atol=1e-7)
    assert rates[12] == pytest.approx(0.25)  # the third, at a quarter
    even = schedules.CosineDecayRestarts(0.1, first_decay_steps=3, t_mul=1.0, alpha=0.2)
    assert float(even(3)) == float(even(6)) == pytest.approx(0.1)
    assert float(even(2)) == pytest.approx(0.1 * (0.8 * 0.5 * (1 + np.cos(2 * np.pi / 3)) + 0.2))
    assert schedules.deserialize(schedules.serialize(even)).get_config() == even.get_config()
