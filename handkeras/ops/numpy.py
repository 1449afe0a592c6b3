"""``keras.ops.numpy``: the numpy-like ops, the same functions as at the top of ``keras.ops``."""

from handkeras.ops import numpy_ops
from handkeras.ops.numpy_ops import *  # noqa: F401,F403

__all__ = list(numpy_ops.__all__)
