"""``keras.ops``: Keras's array functions, computed by numpy on numpy arrays.

A tensor here is a numpy array: every op takes arrays, Python numbers or nested lists and returns
numpy arrays, with Keras's argument names and defaults and Keras's result dtypes (see
:mod:`handkeras.ops.dtypes`). The ops compute values only: they are forward-only, since handkeras
differentiates its layers by hand rather than by tracing operations. Keras's namespaces
``keras.ops.numpy``, ``keras.ops.nn``, ``keras.ops.linalg`` and ``keras.ops.image`` are
submodules; all but ``image`` are also at the top.
"""

from handkeras.ops import (control_flow, conv_ops, ctc_ops, image, linalg, math_ops, nn, nn_ops,
                          numpy, numpy_ops)
from handkeras.ops.control_flow import *  # noqa: F401,F403
from handkeras.ops.conv_ops import *  # noqa: F401,F403
from handkeras.ops.ctc_ops import *  # noqa: F401,F403
from handkeras.ops.core import (cast, convert_to_numpy, convert_to_tensor, dtype, is_tensor,
                                saturate_cast, scatter, scatter_update, shape, slice,
                                slice_update, stop_gradient, unstack)
from handkeras.ops.linalg import *  # noqa: F401,F403
from handkeras.ops.math_ops import *  # noqa: F401,F403
from handkeras.ops.nn_ops import *  # noqa: F401,F403  (the tables' functions)
from handkeras.ops.numpy_ops import *  # noqa: F401,F403

__all__ = sorted({"cast", "convert_to_numpy", "convert_to_tensor", "dtype", "is_tensor",
                  "saturate_cast", "scatter", "scatter_update", "shape", "slice", "slice_update",
                  "stop_gradient", "unstack", *control_flow.__all__, *conv_ops.__all__,
                  *ctc_ops.__all__, *linalg.__all__, *math_ops.__all__, *numpy_ops.__all__,
                  *nn_ops.__all__})
