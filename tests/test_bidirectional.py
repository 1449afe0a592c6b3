"""Bidirectional: the spec of the wrapper that runs a recurrent layer over a sequence both ways.

Every merge mode's backward is checked against float64 central differences, with and without
``return_sequences`` and masks, for SimpleRNN, LSTM and GRU inside. Then what Keras does: the two
layers made from the wrapped one's config (``forward_lstm``, ``backward_lstm``), the backward
outputs flipped into time order, zeros at masked steps, weights, paths, files and configs, clear
errors, no state written in inference, and a small task that needs both directions.
"""

import h5py
import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.utils.gradient_check import model_gradients, numerical_gradient

RTOL = 1e-6
ATOL = 1e-9
KINDS = {"SimpleRNN": layers.SimpleRNN, "LSTM": layers.LSTM, "GRU": layers.GRU}
MERGE_MODES = ["concat", "sum", "ave", "mul"]
MASK = np.array([[1, 1, 0, 1, 0],
                 [0, 0, 1, 1, 1],
                 [1, 1, 1, 1, 1]], dtype=bool)


def data(shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def make(kind, merge_mode="concat", units=3, **options):
    options.setdefault("bias_initializer", "random_normal")  # a zero bias would hide bias bugs
    return layers.Bidirectional(KINDS[kind](units, **options), merge_mode=merge_mode)


def gradients(layer, x, mask=None, seed=1):
    """Analytic and numeric gradients of ``sum(layer(x, mask) * g)``: the input's, then each
    weight's in ``trainable_weights`` order (forward layer's, then backward layer's)."""
    layer.build_once((None,) + x.shape[1:])
    upstream = data(layer.forward(x, mask=mask).shape, seed)

    def objective():
        return float(np.sum(layer.forward(x, training=True, mask=mask) * upstream))

    layer.forward(x, training=True, mask=mask)
    dx = layer.backward(upstream.copy())
    analytic = [dx] + [g.copy() for g in layer.gradients]
    numeric = [numerical_gradient(objective, x)]
    numeric += [numerical_gradient(objective, w.value) for w in layer.trainable_weights]
    return list(zip(["input"] + [w.path for w in layer.trainable_weights], analytic, numeric))


def assert_gradients_match(results):
    for name, analytic, numeric in results:
        assert analytic.shape == numeric.shape, name
        np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL, err_msg=name)


# ------------------------------------------------------------------------------------ gradients
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("merge_mode", MERGE_MODES)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_gradients(float64, kind, merge_mode, return_sequences, masked):
    layer = make(kind, merge_mode, return_sequences=return_sequences)
    mask = MASK if masked else None
    results = gradients(layer, data((3, 5, 2)), mask)
    assert len(results) == 1 + 6  # the input, then three weights per direction
    assert_gradients_match(results)
    if masked:
        assert np.all(results[0][1][~MASK] == 0), "a masked step's input reaches no output"


def test_gradients_with_dropout_in_both_layers(float64):
    layer = make("LSTM", "mul", dropout=0.3, recurrent_dropout=0.2, seed=4,
                 return_sequences=True)
    x = data((4, 5, 3))
    layer.build_once((None, 5, 3))
    upstream = data((4, 5, 3), 2)

    def objective():
        for sublayer in layer.sublayers:  # the same masks on every pass
            sublayer.cell._rng = np.random.default_rng(4)
        return float(np.sum(layer.forward(x, training=True) * upstream))

    objective()
    dx = layer.backward(upstream.copy())
    analytic = [g.copy() for g in layer.gradients]
    np.testing.assert_allclose(dx, numerical_gradient(objective, x), rtol=RTOL, atol=ATOL)
    for weight, gradient in zip(layer.trainable_weights, analytic):
        np.testing.assert_allclose(gradient, numerical_gradient(objective, weight.value),
                                   rtol=RTOL, atol=ATOL, err_msg=weight.path)


def test_model_gradients_with_embedding_mask_and_regularizers(float64):
    model = keras.Sequential([
        keras.Input((5,)), layers.Embedding(6, 3, mask_zero=True),
        layers.Bidirectional(layers.GRU(2, return_sequences=True, kernel_regularizer="l2",
                                        bias_initializer="random_normal"), merge_mode="ave"),
        layers.Bidirectional(layers.LSTM(2, recurrent_regularizer="l1")),
        layers.Dense(1),
    ])
    model.compile(loss="mse")
    ids = np.array([[1, 2, 0, 3, 0], [0, 0, 4, 5, 1], [2, 2, 2, 2, 2]])
    pairs = model_gradients(model, ids, data((3, 1)))
    assert len(pairs) == len(model.trainable_weights) == 1 + 6 + 6 + 2
    for weight, (analytic, numeric) in zip(model.trainable_weights, pairs):
        np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL, err_msg=weight.path)


# ------------------------------------------------------------------------------------ semantics
@pytest.mark.parametrize("merge_mode", MERGE_MODES)
def test_outputs_merge_the_forward_run_and_the_time_flipped_backward_run(float64, merge_mode):
    layer = make("GRU", merge_mode, return_sequences=True)
    x = data((2, 4, 3))
    y = layer(x)
    forward = layer.forward_layer.forward(x)
    backward = layer.backward_layer.forward(x)[:, ::-1]  # read from the end, put back in order
    np.testing.assert_allclose(backward[:, -1], layer.backward_layer.forward(x[:, -1:])[:, 0])
    expected = {"concat": np.concatenate([forward, backward], axis=-1),
                "sum": forward + backward, "ave": (forward + backward) / 2,
                "mul": forward * backward}[merge_mode]
    np.testing.assert_allclose(y, expected)


def test_last_outputs_are_each_layer_s_final_state(float64):
    layer = make("LSTM")
    x = data((2, 4, 3))
    y = layer(x)
    np.testing.assert_allclose(y[:, :3], layer.forward_layer.forward(x))
    reversed_run = layers.LSTM(3, return_sequences=True)
    reversed_run.build((None, 4, 3))
    reversed_run.set_weights(layer.backward_layer.get_weights())
    np.testing.assert_allclose(y[:, 3:], reversed_run.forward(x[:, ::-1])[:, -1])


def test_masked_steps_output_zeros_with_sequences_and_the_mask_passes_on(float64):
    layer = make("SimpleRNN", return_sequences=True)
    x = data((3, 5, 2))
    layer.build((None, 5, 2))
    y = layer.forward(x, mask=MASK)
    assert np.all(y[~MASK] == 0) and np.all(y[MASK] != 0)
    assert layer.forward_layer.zero_output_for_mask and layer.backward_layer.zero_output_for_mask
    assert layer.compute_mask(x, MASK) is MASK
    assert make("SimpleRNN").compute_mask(x, MASK) is None


def test_the_copies_are_named_and_configured_as_keras_makes_them():
    lstm = layers.LSTM(4, name="encoder", dropout=0.25, use_cudnn=False)
    layer = layers.Bidirectional(lstm)
    forward, backward = layer.forward_layer, layer.backward_layer
    assert (forward.name, backward.name) == ("forward_encoder", "backward_encoder")
    assert forward is not lstm and not forward.go_backwards and backward.go_backwards
    assert forward.dropout == backward.dropout == 0.25
    assert forward.use_cudnn is False and backward.use_cudnn is False
    assert not forward.zero_output_for_mask  # zeros only with return_sequences, as Keras
    prefixed = layers.Bidirectional(layers.GRU(2, name="forward_gru"))
    assert prefixed.forward_layer.name == "forward_gru"
    assert prefixed.backward_layer.name == "backward_forward_gru"


def test_a_given_backward_layer_is_used_as_it_is():
    backward = layers.LSTM(2, go_backwards=True, activation="relu", name="reader")
    layer = layers.Bidirectional(layers.LSTM(3), backward_layer=backward)
    assert layer.backward_layer is backward
    assert layer.compute_output_shape((None, 4, 5)) == (None, 5)
    assert layer(data((2, 4, 5))).shape == (2, 5)


def test_weights_order_names_and_paths_as_keras():
    model = keras.Sequential([keras.Input((5, 3)), layers.Bidirectional(layers.LSTM(4))])
    layer = model.layers[0]
    assert [w.path for w in model.weights] == [
        f"{model.name}/{layer.name}/{direction}_lstm/lstm_cell/{name}"
        for direction in ("forward", "backward")
        for name in ("kernel", "recurrent_kernel", "bias")]
    assert layer.trainable_weights == layer.forward_layer.weights + layer.backward_layer.weights
    assert [w.shape for w in layer.get_weights()] == [(3, 16), (4, 16), (16,)] * 2


def test_the_weights_argument_is_accepted_and_not_applied_as_in_keras():
    ones = [np.ones((5, 12)), np.ones((3, 12)), np.ones(12)] * 2
    layer = layers.Bidirectional(layers.LSTM(3), weights=ones)
    layer.build((None, 4, 5))
    assert not np.allclose(layer.get_weights()[0], 1)


def test_the_output_is_in_the_wrapper_s_dtype_as_keras_casts_it():
    layer = layers.Bidirectional(layers.GRU(2, dtype="float64"))
    assert layer.forward_layer.dtype == "float64" and layer.dtype == "float32"
    assert layer(data((2, 4, 3))).dtype == np.float32


def test_freezing_the_wrapper_freezes_both_layers():
    layer = make("GRU")
    layer.build((None, 4, 2))
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 6
    assert not layer.forward_layer.trainable and not layer.backward_layer.trainable
    assert layer.get_config()["layer"]["config"]["trainable"] is False


def test_shapes_summary_and_symbolic_output():
    model = keras.Sequential([
        keras.Input((7, 3)), layers.Bidirectional(layers.LSTM(4, return_sequences=True)),
        layers.Bidirectional(layers.GRU(2), merge_mode="sum")])
    assert model.layers[0].output.shape == (None, 7, 8)
    assert model.output_shape == (None, 2)
    assert [layer.count_params() for layer in model.layers] == [256, 144]
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "(None, 7, 8)" in text and "256" in text and "144" in text


def test_config_round_trips_with_both_layers_serialized():
    layer = layers.Bidirectional(layers.SimpleRNN(3, return_sequences=True), merge_mode="mul",
                                 name="both_ways")
    layer.build((None, 4, 2))
    config = layer.get_config()
    assert list(config)[:4] == ["name", "trainable", "dtype", "merge_mode"]
    assert config["layer"]["class_name"] == "SimpleRNN"
    assert config["layer"]["config"]["name"] == "forward_simple_rnn"
    assert config["backward_layer"]["config"]["go_backwards"] is True
    assert config["layer"]["build_config"] == {"input_shape": (None, 4, 2)}
    clone = layers.Bidirectional.from_config(config)
    clone.build((None, 4, 2))
    assert clone.get_config() == config


def test_weights_files_keep_each_layer_in_its_own_group_as_keras(tmp_path):
    model = keras.Sequential([keras.Input((4, 2)), layers.Bidirectional(layers.GRU(3))])
    path = str(tmp_path / "model.weights.h5")
    model.save_weights(path)
    with h5py.File(path) as h5file:
        for direction in ("forward", "backward"):
            group = h5file[f"layers/bidirectional/{direction}_layer"]
            assert list(group["cell/vars"]) == ["0", "1", "2"]
            assert group["vars"].attrs["name"] == f"{direction}_gru"
            np.testing.assert_array_equal(group["cell/vars/1"],
                                          getattr(model.layers[0], f"{direction}_layer")
                                          .cell.recurrent_kernel.value)
    clone = keras.Sequential([keras.Input((4, 2)), layers.Bidirectional(layers.GRU(3))])
    clone.load_weights(path)
    for saved, loaded in zip(model.get_weights(), clone.get_weights()):
        np.testing.assert_array_equal(saved, loaded)


@pytest.mark.parametrize("extension", ["keras", "h5"])
def test_whole_model_files_round_trip(tmp_path, extension):
    model = keras.Sequential([keras.Input((4, 2)),
                              layers.Bidirectional(layers.LSTM(3), merge_mode="ave"),
                              layers.Dense(1)])
    path = str(tmp_path / f"model.{extension}")
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = data((2, 4, 2)).astype(np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.layers[0].merge_mode == "ave"
    assert len(loaded.weights) == len(model.weights) == 8


# ------------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("wrapped", [layers.Dense(3), "lstm", None])
def test_only_a_recurrent_layer_can_be_wrapped(wrapped):
    with pytest.raises(ValueError, match="`layer` must be a recurrent layer"):
        layers.Bidirectional(wrapped)


def test_backward_layer_must_be_recurrent_and_match():
    with pytest.raises(ValueError, match="`backward_layer` must be a recurrent layer.*Dense"):
        layers.Bidirectional(layers.LSTM(3), backward_layer=layers.Dense(3))
    with pytest.raises(ValueError, match="different `go_backwards`.*False for 'backward'"):
        layers.Bidirectional(layers.LSTM(3), backward_layer=layers.LSTM(3, name="backward"))
    with pytest.raises(ValueError, match="same `return_sequences`"):
        layers.Bidirectional(layers.LSTM(3), backward_layer=layers.LSTM(
            3, go_backwards=True, return_sequences=True))
    with pytest.raises(ValueError, match="different `go_backwards`"):  # as Keras: both backwards
        layers.Bidirectional(layers.LSTM(3, go_backwards=True))


def test_merge_mode_must_be_one_of_keras_s_and_none_is_not_supported():
    with pytest.raises(ValueError, match="invalid `merge_mode` 'max'"):
        layers.Bidirectional(layers.LSTM(3), merge_mode="max")
    with pytest.raises(NotImplementedError, match="`merge_mode=None`.*Sequential"):
        layers.Bidirectional(layers.LSTM(3), merge_mode=None)


def test_an_activity_regularizer_inside_is_refused_naming_the_layer():
    with pytest.raises(NotImplementedError, match="'inner'.*activity_regularizer"):
        layers.Bidirectional(layers.LSTM(3, activity_regularizer="l2", name="inner"))


def test_input_must_be_batch_time_features():
    with pytest.raises(ValueError, match="Bidirectional 'bidi' expects input of rank 3"):
        layers.Bidirectional(layers.GRU(2), name="bidi").build((None, 4))


# ------------------------------------------------------------------------------------ state
def test_inference_writes_nothing_to_the_layers():
    layer = make("LSTM", "mul", dropout=0.5, return_sequences=True)
    x = data((3, 5, 2)).astype(np.float32)
    layer(x)
    states = [(part, dict(vars(part))) for part in (layer, *layer.sublayers,
                                                     *(s.cell for s in layer.sublayers))]
    layer.forward(x, training=False, mask=MASK)
    for part, before in states:
        assert vars(part).keys() == before.keys()
        assert all(vars(part)[key] is value for key, value in before.items())


def test_first_layer_skips_its_input_gradient():
    layer = make("GRU")
    x = data((2, 4, 3)).astype(np.float32)
    layer(x)
    layer.forward(x, training=True)
    assert layer.backward(np.ones((2, 6), np.float32), input_gradient=False) is None
    assert all(np.any(g != 0) for g in layer.gradients)


# ------------------------------------------------------------------------------------ training
def test_a_task_that_needs_both_directions_trains():
    """Is the middle step larger than the mean of the others? Each step's label needs the steps
    before it and after it."""
    keras.utils.set_random_seed(2)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (256, 5, 1)).astype(np.float32)
    y = (x[:, 2, 0] > np.delete(x, 2, axis=1).mean(axis=(1, 2))).astype(np.float32)[:, None]
    model = keras.Sequential([keras.Input((5, 1)), layers.Bidirectional(layers.GRU(6)),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.6 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.85
