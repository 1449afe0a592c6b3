"""Sequential: building, registration, names, weights, summary and compute_gradients, as in Keras."""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from summary_text import summary_lines, summary_rows


def mlp(*, first=None):
    """3 -> 4 (relu) -> 2: input and output widths differ, as in the seed article's network."""
    first = first or layers.Dense(4, activation="relu")
    return keras.Sequential([keras.Input((3,)), first, layers.Dense(2, activation="sigmoid")])


def rows(n, width=3, seed=0):
    return np.random.default_rng(seed).standard_normal((n, width)).astype(np.float32)


# ------------------------------------------------------------------------------------- building
def test_built_from_input():
    model = mlp()
    assert model.built and model.input_shape == (None, 3) and model.output_shape == (None, 2)
    assert model.layers[0].kernel.shape == (3, 4)


def test_built_from_input_shape_or_input_dim_on_the_first_layer():
    """Keras 3 warns that an Input is preferred; so does handkeras, in Keras's words."""
    for argument in ({"input_shape": (3,)}, {"input_dim": 3}):
        with pytest.warns(UserWarning, match="Do not pass an `input_shape`/`input_dim` argument"):
            first = layers.Dense(4, **argument)
        model = keras.Sequential([first, layers.Dense(2)])
        assert model.built and model.input_shape == (None, 3)
        assert [w.shape for w in model.weights] == [(3, 4), (4,), (4, 2), (2,)]


def test_built_by_build():
    model = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    assert not model.built
    model.build((None, 5))
    assert model.built and model.layers[0].kernel.shape == (5, 4)


def test_calling_build_directly_marks_the_layer_built_as_in_keras():
    """``layer.build(shape)`` builds the layer once, as Keras's wrapped ``build`` does: a model then
    uses its weights instead of making a second set."""
    dense = layers.Dense(3)
    dense.build((None, 4))
    assert dense.built and dense.count_params() == 4 * 3 + 3
    dense.build((None, 4))
    model = keras.Sequential([keras.Input((4,)), dense])
    assert [w.path for w in model.weights] == ["dense/kernel", "dense/bias"]
    flatten = layers.Flatten()  # no build of its own: the base class's
    flatten.build((None, 2, 3))
    assert flatten.built


def test_building_a_built_layer_or_model_for_another_shape_is_an_error():
    """Its weights were made for the first shape (Keras refuses too); the same shape is fine."""
    dense = layers.Dense(3, name="dense")
    dense.build((None, 4))
    with pytest.raises(ValueError, match=r"Dense 'dense' was built for input of shape \(None, 4\), "
                                         r"so it cannot take input of shape \(None, 6\)"):
        dense.build((None, 6))
    dense.build((None, 4))
    assert [w.shape for w in dense.weights] == [(4, 3), (3,)]
    model = mlp()
    with pytest.raises(ValueError, match=r"Sequential 'sequential' was built for input of shape "
                                         r"\(None, 3\), so it cannot take input of shape "
                                         r"\(None, 5\)"):
        model.build((None, 5))
    model.build((None, 3))
    model.build()
    assert model.input_shape == (None, 3)


def test_a_subclass_build_calling_super_builds_once():
    class ScaledDense(layers.Dense):
        def build(self, input_shape):
            super().build(input_shape)
            self.scale = self.add_weight((), "ones", name="scale")

    layer = ScaledDense(3)
    layer.build([None, 4])
    assert layer.built and [w.name for w in layer.weights] == ["kernel", "bias", "scale"]
    model = keras.Sequential([keras.Input((4,)), layer])
    assert len(model.weights) == 3 and model.count_params() == 4 * 3 + 3 + 1


def test_unnamed_weights_are_named_as_keras_names_them():
    """``variable``, ``variable_1``, ... counted across layers, as Keras's unique names are."""
    class Pair(layers.Layer):
        def build(self, input_shape):
            self.first = self.add_weight(shape=(2,))
            self.second = self.add_weight(shape=(2,))

    one, two = Pair(name="one"), Pair(name="two")
    one.build((None, 2))
    two.build((None, 2))
    assert [(w.name, w.path) for w in one.weights + two.weights] == [
        ("variable", "one/variable"), ("variable_1", "one/variable_1"),
        ("variable_2", "two/variable_2"), ("variable_3", "two/variable_3")]


def test_add_weight_takes_keras_s_arguments_and_defaults():
    layer = layers.Layer(name="layer")
    scalar = layer.add_weight()  # shape () and glorot_uniform, in the layer's dtype
    assert scalar.shape == () and scalar.dtype == np.float32 and scalar.numpy() != 0
    ones = layer.add_weight((2,), "ones", "float64")  # shape, initializer, dtype by position
    assert ones.dtype == np.float64 and ones.numpy().tolist() == [1.0, 1.0]
    count = layer.add_weight(shape=(3,), dtype="int32", trainable=False)  # zeros: not a float
    assert count.dtype == np.int32 and count.numpy().tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="`name` must be passed as a keyword argument"):
        layer.add_weight("w", (2,))
    with pytest.raises(ValueError, match="`dtype` must be a numeric dtype, received 'first'"):
        layer.add_weight((2,), "zeros", "first")  # Keras's third position is the dtype
    with pytest.raises(ValueError, match="`constraint`: Could not interpret constraint"):
        layer.add_weight((2,), constraint="nonneg")
    assert len(layer.weights) == 3
    assert layer.add_weight((2,), constraint="non_neg").constraint.get_config() == {}


def test_a_custom_layer_without_its_passes_says_what_to_write_and_changes_nothing():
    class KerasStyle(layers.Layer):  # Keras's way, which handkeras cannot differentiate
        def call(self, x):
            return x * 2

    model = keras.Sequential([keras.Input((3,)), KerasStyle(name="doubler")])
    with pytest.raises(NotImplementedError, match=r"KerasStyle 'doubler' defines no `forward` "
                                                  r"\(Keras's `call` is not used\).*`backward"):
        model.predict(rows(2), verbose=0)

    class ForwardOnly(layers.Layer):
        def forward(self, x, training=False):
            return x * 2

    # between trainable layers, where training needs its gradient (below them it needs none)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(3, use_bias=False),
                              ForwardOnly(name="half"), layers.Dense(1, use_bias=False)])
    model.compile(optimizer="sgd", loss="mse")
    first, second = (layer.kernel.numpy() for layer in (model.layers[0], model.layers[2]))
    np.testing.assert_allclose(model.predict(rows(2), verbose=0), rows(2) @ first * 2 @ second,
                               rtol=1e-6)
    before = model.get_weights()
    with pytest.raises(NotImplementedError, match=r"ForwardOnly 'half' defines no `backward`:"):
        model.fit(rows(2), np.ones((2, 1)), verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_built_from_the_first_data():
    model = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    assert not model.built and model.weights == []
    out = model(rows(6, width=7))
    assert model.built and model.layers[0].kernel.shape == (7, 4)
    assert isinstance(out, np.ndarray) and out.shape == (6, 2) and out.dtype == np.float32


def test_layers_can_be_added_one_by_one():
    model = keras.Sequential()
    model.add(keras.Input((3,)))
    model.add(layers.Dense(4))
    assert model.built and model.output_shape == (None, 4)
    model.add(layers.Dense(2))
    assert model.output_shape == (None, 2) and model.layers[1].kernel.shape == (4, 2)


def test_the_input_layer_is_not_listed():
    model = mlp()
    assert len(model.layers) == 2
    assert all(isinstance(layer, layers.Dense) for layer in model.layers)


def test_count_params_needs_a_built_model():
    with pytest.raises(ValueError, match="not built"):
        keras.Sequential([layers.Dense(4)]).count_params()


def test_input_of_the_wrong_width_names_the_model():
    model = mlp()
    with pytest.raises(ValueError, match="shape"):
        model(rows(2, width=4))


def test_a_trailing_axis_of_size_1_may_be_missing_or_extra_as_in_keras():
    """Images without their channel axis, a single feature as a 1-D array, a column of width 1
    too many: every method that takes ``x`` adds or drops it."""
    images = keras.Sequential([keras.Input((5, 5, 1)), layers.Conv2D(2, 3), layers.Flatten(),
                               layers.Dense(1)])
    images.compile(optimizer="sgd", loss="mse")
    x = keras.backend.rng().random((6, 5, 5)).astype("float32")
    expected = images.predict(x[..., None], verbose=0)
    np.testing.assert_array_equal(images.predict(x, verbose=0), expected)
    np.testing.assert_array_equal(images(x), expected)
    np.testing.assert_array_equal(images.predict_on_batch(x), expected)
    assert images.evaluate(x, np.zeros((6, 1)), verbose=0) == images.evaluate(
        x[..., None], np.zeros((6, 1)), verbose=0)
    history = images.fit(x, np.zeros((6, 1)), validation_data=(x, np.zeros((6, 1))), verbose=0)
    assert sorted(history.history) == ["loss", "val_loss"]

    column = keras.Sequential([keras.Input((1,)), layers.Dense(1)])
    assert column.predict(np.arange(4.0), verbose=0).shape == (4, 1)
    wide = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    assert wide.predict(np.zeros((2, 3, 1)), verbose=0).shape == (2, 1)


def test_other_rank_differences_are_still_refused():
    wide = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    for shape in [(2, 3, 2), (2,), (2, 3, 1, 1)]:
        with pytest.raises(ValueError, match="expects input of shape"):
            wide.predict(np.zeros(shape), verbose=0)


# ------------------------------------------------------------------------------------- registration
def test_forward_passes_never_register_layers():
    """The seed article's bug: layers created or appended while running forward."""
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    layer_ids = [id(layer) for layer in model.layers]
    weight_ids = [id(w) for w in model.weights]
    for n in (1, 3, 7, 32, 33, 100):
        assert model(rows(n)).shape == (n, 2)
        assert model.predict(rows(n), batch_size=5, verbose=0).shape == (n, 2)
    for batch_size in (1, 4, 64):
        model.fit(rows(10), np.zeros((10, 2)), batch_size=batch_size, epochs=2, verbose=0)
    model.evaluate(rows(9), np.zeros((9, 2)), batch_size=4, verbose=0)
    assert [id(layer) for layer in model.layers] == layer_ids
    assert [id(w) for w in model.weights] == weight_ids
    assert model.count_params() == 3 * 4 + 4 + 4 * 2 + 2


def test_a_layer_cannot_be_added_twice():
    dense = layers.Dense(2)
    model = keras.Sequential([dense])
    with pytest.raises(ValueError, match="already"):
        model.add(dense)
    with pytest.raises(TypeError, match="Layer"):
        model.add("dense")


# ------------------------------------------------------------------------------------- names
def test_layer_names_are_unique_per_process_until_clear_session():
    first = keras.Sequential([layers.Dense(2), layers.Dense(2)])
    second = keras.Sequential([layers.Dense(2), layers.Dropout(0.1), layers.Dropout(0.1)])
    assert [layer.name for layer in first.layers] == ["dense", "dense_1"]
    assert [layer.name for layer in second.layers] == ["dense_2", "dropout", "dropout_1"]
    assert (first.name, second.name) == ("sequential", "sequential_1")
    keras.backend.clear_session()
    assert layers.Dense(2).name == "dense"
    keras.utils.clear_session()
    assert keras.Sequential().name == "sequential"


def test_explicit_names_are_kept_and_must_be_unique_in_a_model():
    model = keras.Sequential([layers.Dense(2, name="hidden")], name="net")
    assert model.name == "net" and model.layers[0].name == "hidden"
    with pytest.raises(ValueError, match="hidden"):
        model.add(layers.Dense(2, name="hidden"))


def test_get_layer_by_name_and_index():
    model = mlp()
    assert model.get_layer("dense_1") is model.layers[1]
    assert model.get_layer(index=0) is model.layers[0]
    with pytest.raises(ValueError, match="nope"):
        model.get_layer("nope")


# ------------------------------------------------------------------------------------- weights
def test_weights_in_keras_order():
    model = mlp()
    assert [w.name for w in model.weights] == ["kernel", "bias", "kernel", "bias"]
    paths = ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]
    assert [w.path for w in model.weights] == [f"{model.name}/{path}" for path in paths]
    assert [w.shape for w in model.weights] == [(3, 4), (4,), (4, 2), (2,)]
    assert model.trainable_weights == model.weights
    assert all(w.dtype == np.float32 for w in model.weights)
    assert [a.shape for a in model.get_weights()] == [(3, 4), (4,), (4, 2), (2,)]


def test_dense_initializes_glorot_uniform_kernel_and_zero_bias():
    model = mlp()
    kernel, bias = model.layers[0].get_weights()
    assert np.all(np.abs(kernel) <= np.sqrt(6 / (3 + 4))) and np.all(bias == 0)


def test_dense_without_bias_has_only_a_kernel():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, use_bias=False)])
    assert [w.name for w in model.weights] == ["kernel"] and model.count_params() == 12


def test_count_params():
    assert mlp().count_params() == (3 * 4 + 4) + (4 * 2 + 2)


def test_get_weights_returns_copies_and_set_weights_round_trips():
    model = mlp()
    weights = model.get_weights()
    weights[0][...] = 7.0
    assert not np.any(model.get_weights()[0] == 7.0)
    new = [np.full(w.shape, i, dtype=np.float64) for i, w in enumerate(model.weights)]
    model.set_weights(new)
    for i, value in enumerate(model.get_weights()):
        assert value.dtype == np.float32 and np.all(value == i)
    new[0][...] = 99
    assert np.all(model.get_weights()[0] == 0)


def test_set_weights_with_a_wrong_count_changes_nothing():
    model = mlp()
    before = model.get_weights()
    with pytest.raises(ValueError, match="4 weight arrays, received 3"):
        model.set_weights([np.zeros(w.shape) for w in model.weights][:3])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_set_weights_with_a_wrong_shape_names_the_layer_and_changes_nothing():
    model = mlp()
    before = model.get_weights()
    new = [np.ones(w.shape) for w in model.weights]
    new[2] = np.ones((4, 3))
    with pytest.raises(ValueError, match=r"dense_1/kernel.*\(4, 2\).*\(4, 3\)"):
        model.set_weights(new)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_calling_the_model_computes_the_layers_in_order():
    model = mlp()
    x = rows(5)
    (k1, b1), (k2, b2) = model.layers[0].get_weights(), model.layers[1].get_weights()
    expected = 1 / (1 + np.exp(-(np.maximum(x @ k1 + b1, 0) @ k2 + b2)))
    out = model(x)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    np.testing.assert_array_equal(model(x.tolist()), out)


# ------------------------------------------------------------------------------------- frozen layers
def test_a_frozen_layer_is_not_trained_and_counts_as_non_trainable():
    model = mlp()
    model.layers[0].trainable = False
    model.compile(optimizer="sgd", loss="mse")
    frozen = model.layers[0].get_weights()
    trained = model.layers[1].get_weights()
    assert model.trainable_weights == model.layers[1].weights
    assert model.non_trainable_weights == model.layers[0].weights
    _, grads = model.compute_gradients(rows(8), np.ones((8, 2)))
    assert [g.shape for g in grads] == [(4, 2), (2,)]
    model.fit(rows(8), np.ones((8, 2)), epochs=3, verbose=0)
    for a, b in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(trained[0], model.layers[1].get_weights()[0])
    lines = summary_lines(model)
    assert "Trainable params: 10 (40.00 B)" in lines
    assert "Non-trainable params: 16 (64.00 B)" in lines


def test_a_frozen_model_freezes_every_layer():
    model = mlp()
    model.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 4
    assert not any(layer.trainable for layer in model.layers)


# ------------------------------------------------------------------------------------- summary
def test_summary_draws_keras_3s_table_then_the_totals(capsys):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.Dense(2)])
    model.summary(line_length=50)
    assert capsys.readouterr().out == (
        'Model: "sequential"\n'
        "┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━┓\n"
        "┃ Layer (type)        ┃ Output Shape   ┃ Param # ┃\n"
        "┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━┩\n"
        "│ dense (Dense)       │ (None, 4)      │      16 │\n"
        "├─────────────────────┼────────────────┼─────────┤\n"
        "│ dense_1 (Dense)     │ (None, 2)      │      10 │\n"
        "└─────────────────────┴────────────────┴─────────┘\n"
        " Total params: 26 (104.00 B)\n"
        " Trainable params: 26 (104.00 B)\n"
        " Non-trainable params: 0 (0.00 B)\n")


def test_summary_wraps_long_names_and_groups_thousands():
    model = keras.Sequential([keras.Input((784,)), layers.Dense(128, name="a_long_hidden_layer"),
                              layers.BatchNormalization(), layers.Dense(10)])
    lines = summary_lines(model, line_length=60)
    assert "│ a_long_hidden_layer      │ (None, 128)       │   100,480 │" in lines
    assert "│ (Dense)                  │                   │           │" in lines
    assert "Total params: 102,282 (399.54 KB)" in lines


def test_summary_shows_trainable_and_a_layer_range():
    model = mlp()
    model.layers[0].trainable = False
    rows = summary_rows(model, show_trainable=True)
    assert [row[-1] for row in rows] == ["N", "Y"]
    assert [row[0] for row in summary_rows(model, layer_range=["dense_1", "dense_1"])] == [
        "dense_1 (Dense)"]
    with pytest.raises(ValueError, match="matches no layer"):
        model.summary(layer_range=["conv", "dense"])


# ------------------------------------------------------------------------------------- compute_gradients
def test_compute_gradients_returns_the_loss_and_one_gradient_per_trainable_weight():
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    x, y = rows(6), np.random.default_rng(1).uniform(size=(6, 2))
    before = model.get_weights()
    loss, grads = model.compute_gradients(x, y)
    assert isinstance(loss, float)
    assert loss == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-6)
    assert [g.shape for g in grads] == [w.shape for w in model.trainable_weights]
    assert all(g.dtype == np.float32 for g in grads)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.optimizer.iterations == 0


def test_compute_gradients_drive_a_custom_training_loop():
    model = mlp()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="mse")
    x, y = rows(6), np.random.default_rng(1).uniform(size=(6, 2))
    first, _ = model.compute_gradients(x, y)
    for _ in range(20):
        _, grads = model.compute_gradients(x, y)
        model.optimizer.apply(grads, model.trainable_weights)
    assert model.compute_gradients(x, y)[0] < first
    assert model.optimizer.iterations == 20


def test_compute_gradients_needs_a_compiled_model():
    with pytest.raises(ValueError, match="compile"):
        mlp().compute_gradients(rows(2), np.zeros((2, 2)))


# ------------------------------------------------------------------------------------- nesting
def test_a_sequential_is_usable_as_a_layer():
    inner = keras.Sequential([layers.Dense(4, activation="tanh"), layers.Dense(3)])
    model = keras.Sequential([keras.Input((2,)), inner, layers.Dense(1)])
    assert model.count_params() == (2 * 4 + 4) + (4 * 3 + 3) + (3 + 1)
    assert [w.path.split("/")[-2:] for w in model.weights][:2] == [["dense", "kernel"],
                                                                    ["dense", "bias"]]
    model.compile(optimizer="sgd", loss="mse")
    _, grads = model.compute_gradients(rows(5, width=2), np.zeros((5, 1)))
    assert [g.shape for g in grads] == [w.shape for w in model.trainable_weights]


def test_summary_of_an_unbuilt_model_says_so_in_full():
    model = keras.Sequential([layers.Dense(3)])
    assert summary_rows(model) == [["dense (Dense)", "?", "0 (unbuilt)"]]
    assert "Total params: 0 (0.00 B)" in summary_lines(model)


def test_summary_of_an_unbuilt_model_shows_and_counts_the_layers_already_built():
    """An adapted Normalization or a layer built by hand has its weights before the model is
    built: Keras shows its output shape (for the shape it was built for) and counts its weights;
    the layers after it stay unknown."""
    first = layers.Dense(3, name="first")
    first.build((None, 5))
    frozen = layers.BatchNormalization(name="frozen")
    frozen.build((None, 3))
    frozen.trainable = False
    model = keras.Sequential([first, layers.Dense(4, name="second"), frozen])
    assert not model.built
    assert summary_rows(model) == [["first (Dense)", "(None, 3)", "18"],
                                   ["second (Dense)", "?", "0 (unbuilt)"],
                                   ["frozen (BatchNormalization)", "(None, 3)", "12"]]
    assert summary_lines(model)[-3:] == ["Total params: 30 (120.00 B)",
                                         "Trainable params: 18 (72.00 B)",
                                         "Non-trainable params: 12 (48.00 B)"]


def test_weights_gradient_buffers_and_slots_start_on_a_cache_line():
    """OpenBLAS is measurably faster on 64-byte aligned matrices; numpy only guarantees 16 bytes."""
    from handkeras import aligned
    model = keras.Sequential([keras.Input((5, 5, 1)), keras.layers.Conv2D(3, 2),
                              keras.layers.Flatten(), keras.layers.Dense(7), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.SGD(momentum=0.9), loss="mse")
    x = np.random.default_rng(0).standard_normal((4, 5, 5, 1))
    model.fit(x, np.zeros((4, 3)), epochs=1, verbose=0)
    # (a convolution's bias gradient is the last row of its kernel gradient's buffer)
    kernel_gradients = [g for g in model.gradients if g.ndim > 1]
    arrays = ([w.value for w in model.weights] + kernel_gradients
              + [slot for slots in model.optimizer._slots.values() for slot in slots])
    assert len(arrays) == 2 * len(model.weights) + 3
    assert all(a.ctypes.data % aligned.ALIGNMENT == 0 for a in arrays)


@pytest.mark.parametrize("shape", [(), (0,), (3,), (784, 128), (2, 3, 4)], ids=str)
def test_aligned_arrays_have_the_shape_dtype_and_values_asked(shape):
    from handkeras import aligned
    values = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    copy = aligned.copy(values)
    assert copy.shape == shape and copy.dtype == np.float32 and copy.flags.c_contiguous
    np.testing.assert_array_equal(copy, values)
    assert copy.ctypes.data % aligned.ALIGNMENT == 0 or copy.size == 0
    assert not aligned.zeros(shape, "float64").any()


# ------------------------------------------------------------------------------------- symbolic tensors
def test_a_built_model_gives_its_layers_keras_s_symbolic_inputs_and_outputs():
    """``model.inputs``, ``model.outputs`` and each layer's ``input`` / ``output``: shapes without
    values, chained layer to layer, as Keras reads shapes inside a model."""
    x = keras.Input((28, 28, 1), name="pixels")
    model = keras.Sequential([x, layers.Conv2D(4, 3), layers.MaxPooling2D(2), layers.Flatten(),
                              layers.Dense(10)])
    assert model.inputs == [x] and model.layers[0].input is x
    assert [layer.output.shape for layer in model.layers] == [
        (None, 26, 26, 4), (None, 13, 13, 4), (None, 676), (None, 10)]
    assert all(later.input is earlier.output
               for earlier, later in zip(model.layers, model.layers[1:]))
    assert model.outputs == [model.layers[-1].output]
    assert (x.name, x.dtype, x.ndim, repr(x)) == (
        "pixels", "float32", 4,
        "<KerasTensor shape=(None, 28, 28, 1), dtype=float32, sparse=False, ragged=False, "
        "name=pixels>")


def test_a_layer_called_on_an_input_gives_its_output_tensor_built_for_it():
    """The API reference's way to read an output shape: ``layer(keras.Input(shape)).shape``."""
    x = keras.Input((12,))
    reshape = layers.Reshape((-1, 2, 2))
    y = reshape(x)
    assert isinstance(y, keras.KerasTensor) and (y.shape, y.dtype) == ((None, 3, 2, 2), "float32")
    assert reshape.built and reshape.input is x and reshape.output is y
    dense = layers.Dense(5)
    assert dense(keras.Input((4,), batch_size=8)).shape == (8, 5)
    assert dense.kernel.shape == (4, 5)
    assert dense(np.ones((2, 4))).shape == (2, 5)  # and then takes arrays as any built layer
    model = keras.Sequential([layers.Dense(3), layers.Flatten()])
    assert model(keras.Input((4,))).shape == (None, 3) and model.built


def test_a_layer_that_refuses_an_input_tensor_stays_as_it_was():
    conv = layers.Conv2D(2, 3)
    with pytest.raises(ValueError, match="Conv2D 'conv2d'"):
        conv(keras.Input((5,)))
    assert not conv.built and conv.weights == []
    with pytest.raises(AttributeError, match="has never been called"):
        conv.output
    dense = layers.Dense(3)
    dense(keras.Input((4,)))
    with pytest.raises(ValueError, match="expects input of shape \\(None, 4\\)"):
        dense(keras.Input((5,)))


def test_symbolic_tensors_follow_the_model_as_it_changes():
    model = keras.Sequential([layers.Dense(3), layers.Dense(2)])
    with pytest.raises(AttributeError, match="has no defined inputs yet: it is not built"):
        model.inputs
    with pytest.raises(AttributeError, match="Layer 'dense' has never been called"):
        model.layers[0].output
    model.build((None, 5))  # as in Keras, an InputLayer comes with the build
    first = model.layers[0].output
    assert model.inputs[0].shape == (None, 5) and model.outputs[0].shape == (None, 2)
    model.add(layers.Dense(7))
    assert model.layers[0].output is first and model.outputs[0].shape == (None, 7)
    model.pop()
    assert model.outputs == [model.layers[-1].output] and model.outputs[0].shape == (None, 2)


def test_an_inner_model_has_tensors_in_the_outer_one_and_its_own():
    inner = keras.Sequential([layers.Dense(3)], name="inner")
    model = keras.Sequential([keras.Input((4,)), inner, layers.Dense(1)])
    assert inner.input is model.inputs[0] and model.layers[1].input is inner.output
    assert inner.inputs[0].shape == (None, 4) and inner.layers[0].output.shape == (None, 3)


def test_a_failed_first_fit_leaves_no_symbolic_tensors_behind():
    class BrokenLoss(keras.losses.Loss):
        def call(self, y_true, y_pred):
            raise ValueError("broken")

        def gradient(self, y_true, y_pred):
            raise ValueError("broken")

    model = keras.Sequential([layers.Dense(2)])
    model.compile(optimizer="sgd", loss=BrokenLoss())
    with pytest.raises(ValueError, match="broken"):
        model.fit(rows(4), np.ones((4, 2)), verbose=0)  # fails after the model was built
    assert not model.built
    with pytest.raises(AttributeError):
        model.layers[0].output


def test_only_an_input_tensor_can_start_a_model():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    with pytest.raises(TypeError, match="the output of a layer, which only Keras's functional API"):
        keras.Sequential([model.layers[0].output])


# ------------------------------------------------------------------------------------- backward's reach
class Halving(layers.Layer):
    """A weightless preprocessing step with a forward only: training never needs its gradient."""

    def forward(self, x, training=False):
        return x / 2


def spy_backward(layer):
    """Record the ``input_gradient`` of each ``backward`` call of ``layer``."""
    calls, backward = [], layer.backward

    def recording(dy, input_gradient=True, **kwargs):
        calls.append(input_gradient)
        return backward(dy, input_gradient, **kwargs)

    layer.backward = recording
    return calls


def test_training_runs_no_backward_below_the_first_trainable_layer():
    x, y = rows(6), np.random.default_rng(1).uniform(size=(6, 2))
    model = keras.Sequential([keras.Input((3,)), Halving(), layers.Dense(4, activation="tanh"),
                              layers.Dense(2)])
    reference = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="tanh"),
                                  layers.Dense(2)])
    reference.set_weights(model.get_weights())
    for m in (model, reference):
        m.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    calls = spy_backward(model.layers[1])
    model.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
    reference.fit(x / 2, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
    assert calls == [False] * 4  # the first trainable layer skips its input gradient
    for ours, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(ours, expected)


def test_frozen_layers_below_the_trainable_ones_run_no_backward():
    model = mlp()
    model.layers[0].trainable = False
    model.compile(optimizer="sgd", loss="mse")
    frozen, trained = spy_backward(model.layers[0]), spy_backward(model.layers[1])
    loss, grads = model.compute_gradients(rows(6), np.zeros((6, 2)))
    assert frozen == [] and trained == [False]
    assert [g.shape for g in grads] == [w.shape for w in model.trainable_weights]
