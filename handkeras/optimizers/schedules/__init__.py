"""``keras.optimizers.schedules``: the learning rate as a function of the step count."""

from handkeras.optimizers.schedules.learning_rate_schedule import CosineDecay
from handkeras.optimizers.schedules.learning_rate_schedule import CosineDecayRestarts
from handkeras.optimizers.schedules.learning_rate_schedule import ExponentialDecay
from handkeras.optimizers.schedules.learning_rate_schedule import InverseTimeDecay
from handkeras.optimizers.schedules.learning_rate_schedule import LearningRateSchedule
from handkeras.optimizers.schedules.learning_rate_schedule import PiecewiseConstantDecay
from handkeras.optimizers.schedules.learning_rate_schedule import PolynomialDecay
from handkeras.optimizers.schedules.learning_rate_schedule import deserialize
from handkeras.optimizers.schedules.learning_rate_schedule import serialize

__all__ = ["LearningRateSchedule", "ExponentialDecay", "InverseTimeDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "CosineDecay", "CosineDecayRestarts", "serialize", "deserialize"]
