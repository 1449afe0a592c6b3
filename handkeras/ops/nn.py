"""``keras.ops.nn``: the neural-network ops (activations, losses, normalizations, convolutions,
pooling, attention, CTC), the same functions as at the top of ``keras.ops``."""

from handkeras.ops import conv_ops, ctc_ops, nn_ops
from handkeras.ops.conv_ops import *  # noqa: F401,F403
from handkeras.ops.ctc_ops import *  # noqa: F401,F403
from handkeras.ops.nn_ops import *  # noqa: F401,F403

__all__ = sorted([*conv_ops.__all__, *ctc_ops.__all__, *nn_ops.__all__])
