"""The examples in the docstrings of Keras 3.15.1's layers and regularizers (what keras.io's API
reference shows), run in both libraries: the same values, shapes and losses."""

import numpy as np
import pytest

import handkeras

keras = pytest.importorskip("keras")


def _numpy(value):
    return np.asarray(value.detach().numpy() if hasattr(value, "detach") else value)


def _regularized_dense(library):
    """``keras.regularizers.L1``'s example: a Dense with a kernel and an activity penalty."""
    return library.layers.Dense(5, kernel_initializer="ones",
                                kernel_regularizer=library.regularizers.L1(0.01),
                                activity_regularizer=library.regularizers.L2(0.01))


@pytest.mark.parametrize("training", [False, True], ids=["call", "training_call"])
def test_the_l1_example_s_layer_losses_after_a_direct_call_are_keras_s(training):
    losses = []
    for library in (handkeras, keras):
        layer = _regularized_dense(library)
        layer(np.ones((5, 5), dtype="float32") * 2.0, training=training)
        losses.append([float(_numpy(loss)) for loss in layer.losses])
    assert losses[0] == pytest.approx(losses[1], rel=1e-6)  # Keras's float32 tensors
    assert losses[0] == pytest.approx([5.0, 0.25])
