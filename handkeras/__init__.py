"""handkeras: a Keras-style Sequential framework on numpy, with every gradient derived by hand.

Port a Keras script by changing its imports: ``import handkeras as keras``,
``from handkeras import layers``.
"""

from handkeras import activations
from handkeras import backend
from handkeras import callbacks
from handkeras import config
from handkeras import constraints
from handkeras import datasets
from handkeras import initializers
from handkeras import layers
from handkeras import losses
from handkeras import metrics
from handkeras import models
from handkeras import ops
from handkeras import optimizers
from handkeras import preprocessing
from handkeras import random
from handkeras import regularizers
from handkeras import saving
from handkeras import utils
from handkeras.keras_tensor import KerasTensor
from handkeras.layers import Input
from handkeras.models import Sequential
from handkeras.variables import Variable

__version__ = "0.1.0"

__all__ = ["Input", "KerasTensor", "Sequential", "Variable", "activations", "backend", "callbacks",
           "config", "constraints", "datasets", "initializers", "layers", "losses", "metrics",
           "models", "ops", "optimizers", "preprocessing", "random", "regularizers", "saving",
           "utils"]
