"""SimpleRNN, LSTM and GRU: the spec of the recurrent layers.

Every backward (backprop through time) is checked against float64 central differences, for every
option that changes the math: sequences returned or not, reading backwards, masks, GRU's
``reset_after``, dropout, regularizers. Then shapes, weights and configs as Keras has them, Keras's
mask semantics (a masked step is skipped: the states carry over), dropout drawn once per sequence,
clear errors, no state written in inference, and a small sequence task that trains.
"""

import h5py
import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.utils.gradient_check import layer_gradients, model_gradients, numerical_gradient
from gradient_checks import ATOL, RTOL, assert_gradients_match, data

KINDS = {"SimpleRNN": layers.SimpleRNN, "LSTM": layers.LSTM, "GRU": layers.GRU,
         "GRU reset_after=False": lambda units, **kw: layers.GRU(units, reset_after=False, **kw)}
MASK = np.array([[1, 1, 0, 1, 0],
                 [0, 0, 1, 1, 1],
                 [1, 1, 1, 1, 1]], dtype=bool)


def make(kind, units=3, **options):
    options.setdefault("bias_initializer", "random_normal")  # a zero bias would hide bias bugs
    return KINDS[kind](units, **options)


def masked_gradients(layer, x, mask, seed=1):
    """``layer_gradients`` for a forward that takes ``mask``: analytic and numeric gradients of
    ``sum(layer(x, mask) * g)`` for the input and every weight."""
    layer.build_once((None,) + x.shape[1:])
    upstream = data(layer.forward(x, mask=mask).shape, seed)

    def objective():
        return float(np.sum(layer.forward(x, training=True, mask=mask) * upstream))

    layer.forward(x, training=True, mask=mask)
    results = {"input": (layer.backward(upstream.copy()), None)}
    analytic = [g.copy() for g in layer.gradients]
    results["input"] = (results["input"][0], numerical_gradient(objective, x))
    for weight, gradient in zip(layer.trainable_weights, analytic):
        results[weight.name] = (gradient, numerical_gradient(objective, weight.value))
    return results


# ------------------------------------------------------------------------------------ gradients
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_gradients(float64, kind, return_sequences, go_backwards):
    layer = make(kind, return_sequences=return_sequences, go_backwards=go_backwards)
    results = layer_gradients(layer, data((3, 5, 4)))
    assert set(results) == {"input", "kernel", "recurrent_kernel", "bias"}
    assert_gradients_match(results)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_gradients_without_bias_and_with_other_activations(float64, kind):
    options = {"activation": "relu"} if kind == "SimpleRNN" else {
        "activation": "softsign", "recurrent_activation": "hard_sigmoid"}
    layer = make(kind, use_bias=False, **options)
    results = layer_gradients(layer, data((3, 4, 2), scale=0.5))
    assert set(results) == {"input", "kernel", "recurrent_kernel"}
    assert_gradients_match(results)


@pytest.mark.parametrize("recurrent_dropout", [0.0, 0.4], ids=["dropout", "both_dropouts"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_gradients_with_dropout_masks(float64, kind, recurrent_dropout):
    layer = make(kind, dropout=0.3, recurrent_dropout=recurrent_dropout, seed=5,
                 return_sequences=True)
    results = layer_gradients(layer, data((4, 5, 3)))
    assert_gradients_match(results)
    # Keras draws one mask per gate with recurrent dropout, else one shared by all gates.
    count = layer.cell.gates if recurrent_dropout else 1
    tape = layer._tapes[0]  # what the training forward of the layer's one cell kept
    assert tape.input_masks.shape == (count, 4, 1, 3)
    assert np.any(tape.input_masks == 0), "a training-mode dropout should drop some input"
    if recurrent_dropout:
        assert tape.recurrent_masks.shape == (count, 4, 3)


@pytest.mark.parametrize("zero_output_for_mask", [False, True], ids=["carried", "zeroed"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_gradients_with_a_mask(float64, kind, return_sequences, go_backwards,
                               zero_output_for_mask):
    layer = make(kind, return_sequences=return_sequences, go_backwards=go_backwards,
                 zero_output_for_mask=zero_output_for_mask)
    results = masked_gradients(layer, data((3, 5, 2)), MASK)
    assert_gradients_match(results)
    dx = results["input"][0]
    assert np.all(dx[~MASK] == 0), "a masked step's input does not reach the output"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_model_gradients_with_embedding_mask_and_regularizers(float64, kind):
    """A masked sequence model end to end: the mask reaches the loss, the regularizers' penalties
    and gradients reach every weight."""
    model = keras.Sequential([
        keras.Input((5,)), layers.Embedding(6, 3, mask_zero=True),
        make(kind, return_sequences=True, kernel_regularizer="l2",
             recurrent_regularizer=keras.regularizers.L1(0.01), bias_regularizer="l1l2"),
        make(kind, 2, go_backwards=True),
        layers.Dense(1),
    ])
    model.compile(loss="mse")
    ids = np.array([[1, 2, 0, 3, 0], [0, 0, 4, 5, 1], [2, 2, 2, 2, 2]])
    pairs = model_gradients(model, ids, data((3, 1)))
    assert len(pairs) == len(model.trainable_weights) == 9
    for weight, (analytic, numeric) in zip(model.trainable_weights, pairs):
        np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL, err_msg=weight.path)


# ------------------------------------------------------------------------------------ semantics
def simple_rnn_by_hand(layer, x):
    kernel, recurrent, bias = layer.get_weights()
    h = np.zeros((len(x), layer.units))
    outputs = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ kernel + h @ recurrent + bias)
        outputs.append(h)
    return np.stack(outputs, axis=1)


def test_simple_rnn_computes_its_recurrence(float64):
    layer = layers.SimpleRNN(4, return_sequences=True, bias_initializer="random_normal")
    x = data((2, 6, 3))
    np.testing.assert_allclose(layer(x), simple_rnn_by_hand(layer, x), rtol=1e-12)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_go_backwards_reads_the_reversed_sequence_and_returns_outputs_in_reading_order(
        float64, kind):
    backwards = make(kind, return_sequences=True, go_backwards=True)
    forwards = make(kind, return_sequences=True)
    x = data((2, 5, 3))
    forwards.build_once((None, 5, 3))
    backwards.build_once((None, 5, 3))
    forwards.set_weights(backwards.get_weights())
    np.testing.assert_allclose(backwards(x), forwards(x[:, ::-1]), rtol=1e-12)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_masked_step_is_skipped_its_states_carried_over(float64, kind):
    """The last output is that of the unmasked steps alone; with ``return_sequences`` a masked
    step repeats the previous output (zeros before the first real step), as in Keras."""
    last, sequences = make(kind), make(kind, return_sequences=True)
    x = data((3, 5, 2))
    for layer in (last, sequences):
        layer.build_once((None, None, 2))  # any number of time steps
    sequences.set_weights(last.get_weights())
    outputs, final = sequences.forward(x, mask=MASK), last.forward(x, mask=MASK)
    for row in range(len(x)):
        alone = last(x[row:row + 1, MASK[row]])
        np.testing.assert_allclose(final[row:row + 1], alone, rtol=1e-12)
        unmasked = sequences(x[row:row + 1, MASK[row]])[0]
        previous = np.zeros(3)
        for t, kept in enumerate(MASK[row]):
            if kept:
                previous, unmasked = unmasked[0], unmasked[1:]
            np.testing.assert_allclose(outputs[row, t], previous, rtol=1e-12)


def test_zero_output_for_mask_gives_zeros_at_masked_steps(float64):
    layer = layers.LSTM(3, return_sequences=True, zero_output_for_mask=True)
    carried = layers.LSTM(3, return_sequences=True)
    last = layers.LSTM(3, zero_output_for_mask=True)
    x = data((3, 5, 2))
    for each in (layer, carried, last):
        each.build_once((None, 5, 2))
    carried.set_weights(layer.get_weights())
    last.set_weights(layer.get_weights())
    outputs = layer.forward(x, mask=MASK)
    assert np.all(outputs[~MASK] == 0)
    np.testing.assert_array_equal(outputs[MASK], carried.forward(x, mask=MASK)[MASK])
    final = last.forward(x, mask=MASK)
    assert np.all(final[~MASK[:, -1]] == 0)  # the last step is masked: Keras zeroes it too
    np.testing.assert_array_equal(final[MASK[:, -1]], outputs[MASK[:, -1], -1])


def test_the_mask_passes_on_with_sequences_only():
    model = keras.Sequential([keras.Input((5,)), layers.Embedding(6, 3, mask_zero=True),
                              layers.LSTM(4, return_sequences=True, go_backwards=True)])
    ids = np.array([[1, 2, 0, 3, 0]])
    _, mask, _ = model.forward_details(ids)
    np.testing.assert_array_equal(mask, ids != 0)  # unreversed, as Keras passes it on
    model.add(layers.GRU(2))
    assert model.forward_details(ids)[1] is None


def test_lstm_forget_gate_bias_starts_at_one_with_unit_forget_bias():
    layer = layers.LSTM(3, bias_initializer="zeros")
    layer.build_once((None, 4, 2))
    np.testing.assert_array_equal(layer.cell.bias.value, [0] * 3 + [1] * 3 + [0] * 6)
    plain = layers.LSTM(3, unit_forget_bias=False)
    plain.build_once((None, 4, 2))
    np.testing.assert_array_equal(plain.cell.bias.value, np.zeros(12))


def test_recurrent_kernel_is_orthogonal_by_default(float64):
    layer = layers.LSTM(5)
    layer.build_once((None, 4, 3))
    recurrent = layer.cell.recurrent_kernel.value  # (5, 20): orthonormal rows
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(5), atol=1e-12)


def test_dropout_masks_are_drawn_once_per_sequence_and_only_in_training(float64):
    """A linear SimpleRNN whose kernel is the identity and recurrent kernel zero outputs its
    dropped-out inputs: the same features are dropped at every step."""
    layer = layers.SimpleRNN(6, activation="linear", kernel_initializer="identity",
                             recurrent_initializer="zeros", dropout=0.5, return_sequences=True)
    x = np.ones((4, 7, 6))
    dropped = layer(x, training=True) == 0
    assert dropped.any() and not dropped.all()
    assert np.all(dropped == dropped[:, :1]), "one mask for all steps of a sequence"
    np.testing.assert_array_equal(layer(x), x)  # inference: no dropout
    kept = layer.forward(x, training=True)
    np.testing.assert_allclose(kept[kept != 0], 2.0)  # inverted dropout: scaled by 1 / (1 - 0.5)


def test_dropout_rates_are_clamped_to_0_1_as_in_keras():
    layer = layers.GRU(2, dropout=1.5, recurrent_dropout=-1)
    assert (layer.dropout, layer.recurrent_dropout) == (1.0, 0.0)


# ------------------------------------------------------------------------------ shapes, weights
@pytest.mark.parametrize("kind, gates, bias_shape", [
    ("SimpleRNN", 1, (4,)), ("LSTM", 4, (16,)), ("GRU", 3, (2, 12)),
    ("GRU reset_after=False", 3, (12,))])
def test_weights_shapes_names_and_paths_as_keras(kind, gates, bias_shape):
    model = keras.Sequential([keras.Input((7, 3)), make(kind, 4, return_sequences=True),
                              make(kind, 2)])
    layer = model.layers[0]
    cell_name = {"SimpleRNN": "simple_rnn_cell", "LSTM": "lstm_cell"}.get(kind, "gru_cell")
    assert layer.cell.name == cell_name
    assert [w.path for w in layer.weights] == [
        f"{model.name}/{layer.name}/{cell_name}/{name}"
        for name in ("kernel", "recurrent_kernel", "bias")]
    assert [w.shape for w in layer.weights] == [(3, gates * 4), (4, gates * 4), bias_shape]
    assert layer.output.shape == (None, 7, 4)
    assert model.layers[1].output.shape == (None, 2)
    assert layer.count_params() == sum(int(np.prod(w.shape)) for w in layer.weights)
    assert layer.compute_output_shape((None, 9, 3)) == (None, 9, 4)


def test_weights_files_keep_the_weights_in_the_cell_as_keras_does(tmp_path):
    """Keras 3 writes ``layers/lstm/cell/vars/0..2`` (and an empty ``layers/lstm/vars``); the
    legacy file names each weight by its path."""
    model = keras.Sequential([keras.Input((4, 2)), layers.LSTM(3, return_sequences=True),
                              layers.GRU(2)])
    model.save_weights(tmp_path / "model.weights.h5")
    with h5py.File(tmp_path / "model.weights.h5", "r") as f:
        for key, layer in (("lstm", model.layers[0]), ("gru", model.layers[1])):
            assert list(f[f"layers/{key}/vars"]) == []
            assert sorted(f[f"layers/{key}/cell/vars"]) == ["0", "1", "2"]
            for index, weight in enumerate(layer.weights):
                np.testing.assert_array_equal(f[f"layers/{key}/cell/vars/{index}"], weight.value)
    model.save(tmp_path / "model.h5")
    with h5py.File(tmp_path / "model.h5", "r") as f:
        lstm = model.layers[0].name  # names count per process: lstm, lstm_1, ...
        names = [n.decode() if isinstance(n, bytes) else n
                 for n in f[f"model_weights/{lstm}"].attrs["weight_names"]]
    assert names == [f"{model.name}/{lstm}/lstm_cell/{name}"
                     for name in ("kernel", "recurrent_kernel", "bias")]
    clone = keras.models.clone_model(model)
    clone.load_weights(tmp_path / "model.weights.h5")
    x = data((2, 4, 2)).astype(np.float32)
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_summary_lists_recurrent_layers_with_their_parameter_counts():
    model = keras.Sequential([keras.Input((28, 28)), layers.LSTM(32), layers.Dense(10)])
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "(LSTM)" in text and "(None, 32)" in text and "7,808" in text  # 4 * 32 * (28 + 32 + 1)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_config_round_trips_and_reads_through_the_layer(kind):
    layer = make(kind, 3, dropout=0.25, go_backwards=True, kernel_regularizer="l2")
    config = layer.get_config()
    assert list(config)[:9] == ["name", "trainable", "dtype", "return_sequences", "return_state",
                                "go_backwards", "stateful", "unroll", "zero_output_for_mask"]
    assert config["units"] == 3 and config["dropout"] == 0.25 and config["go_backwards"] is True
    assert type(layer).from_config(config).get_config() == config
    assert layer.units == 3 and layer.dropout == 0.25
    assert layer.kernel_regularizer is layer.cell.kernel_regularizer


def test_sequences_of_any_length_with_an_unknown_time_dimension():
    model = keras.Sequential([keras.Input((None, 3)), layers.GRU(4, return_sequences=True),
                              layers.LSTM(2)])
    assert model.layers[0].output.shape == (None, None, 4)
    assert model.predict(np.zeros((2, 7, 3)), verbose=0).shape == (2, 2)
    assert model.predict(np.zeros((2, 3, 3)), verbose=0).shape == (2, 2)


def test_activity_regularizer_in_keras_s_place_and_ignored_by_simple_rnn_as_in_keras(float64):
    """LSTM and GRU list it after ``dtype`` when set (Keras's base layer does), and penalize
    their output; Keras 3.15.1's SimpleRNN never hands it to the layer: no penalty, None."""
    lstm = layers.LSTM(2, activity_regularizer="l2")
    assert list(lstm.get_config())[3] == "activity_regularizer"
    keys = list(layers.LSTM(2).get_config())
    assert keys[keys.index("bias_regularizer") + 1] == "activity_regularizer"  # when None
    simple = layers.SimpleRNN(2, activity_regularizer="l2")
    assert simple.activity_regularizer is None
    assert simple.get_config()["activity_regularizer"] is None
    x, y = data((3, 4, 2)), data((3, 2))
    for layer, penalized in ((lstm, True), (simple, False)):
        model = keras.Sequential([keras.Input((4, 2)), layer])
        model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")  # weights stay put
        loss = model.train_on_batch(x, y)
        plain = float(np.mean((model.predict(x, verbose=0) - y) ** 2))
        assert (loss > plain + 1e-9) == penalized


def test_unroll_and_use_cudnn_are_accepted_and_change_nothing(float64):
    plain, unrolled = layers.LSTM(3), layers.LSTM(3, unroll=True, use_cudnn=False)
    x = data((2, 4, 2))
    plain.build_once((None, 4, 2))
    unrolled.build_once((None, 4, 2))
    unrolled.set_weights(plain.get_weights())
    np.testing.assert_array_equal(plain(x), unrolled(x))
    assert unrolled.get_config()["unroll"] is True


# ------------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_unsupported_arguments_raise_not_implemented_naming_layer_and_argument(kind):
    layer_class = getattr(layers, kind)
    with pytest.raises(NotImplementedError, match=rf"{kind} '.*': `return_state=True`"):
        layer_class(2, return_state=True)
    with pytest.raises(NotImplementedError, match=rf"{kind} '.*': `stateful=True`"):
        layer_class(2, stateful=True)
    with pytest.raises(ValueError, match=rf"{kind} '.*': `recurrent_constraint`: .*'nonneg'"):
        layer_class(2, recurrent_constraint="nonneg")


@pytest.mark.parametrize("units", [0, -3, 2.5, "4", True])
def test_units_must_be_a_positive_integer(units):
    with pytest.raises(ValueError, match=r"LSTM '.*': `units` must be a positive integer"):
        layers.LSTM(units)


def test_dropout_must_be_a_number():
    with pytest.raises(TypeError, match=r"GRU '.*': `recurrent_dropout` must be a number"):
        layers.GRU(2, recurrent_dropout="0.5")


@pytest.mark.parametrize("shape", [(4,), (4, 3, 2)])
def test_input_must_be_batch_time_features(shape):
    with pytest.raises(ValueError, match=r"SimpleRNN '.*' expects input of rank 3 \(batch, "
                                         r"timesteps, features\)"):
        keras.Sequential([keras.Input(shape), layers.SimpleRNN(2)])
    with pytest.raises(ValueError, match="rank 3"):
        layers.LSTM(2)(np.zeros((2,) + shape))


def test_a_built_layer_refuses_another_feature_width():
    layer = layers.GRU(2)
    layer(np.zeros((1, 4, 3)))
    with pytest.raises(ValueError, match=r"GRU '.*'"):
        layer(np.zeros((1, 4, 5)))


def test_a_failed_model_build_undoes_the_cell_s_weights_too():
    lstm = layers.LSTM(3)
    model = keras.Sequential([lstm, layers.Reshape((7,))])
    with pytest.raises(ValueError, match="reshape"):
        model(np.zeros((1, 4, 2)))
    assert not lstm.built and not lstm.cell.built and lstm.weights == []
    model.pop()
    model(np.zeros((1, 4, 5)))  # another feature width builds anew
    assert lstm.cell.kernel.shape == (5, 12) and len(model.weights) == 3


# ------------------------------------------------------------------------------------ state
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_inference_writes_nothing_to_the_layer(kind):
    layer = make(kind, dropout=0.5, recurrent_dropout=0.5, return_sequences=True)
    x = data((4, 5, 3)).astype(np.float32)
    layer(x)  # builds
    before, cell_before = dict(vars(layer)), dict(vars(layer.cell))
    layer.forward(x, training=False, mask=MASK[:1].repeat(4, axis=0))
    assert vars(layer).keys() == before.keys()
    assert all(vars(layer)[key] is value for key, value in before.items())
    assert all(vars(layer.cell)[key] is value for key, value in cell_before.items())


def test_float32_by_default():
    layer = layers.LSTM(3, return_sequences=True)
    y = layer(data((2, 4, 3)))
    assert y.dtype == np.float32 and all(w.dtype == np.float32 for w in layer.weights)
    layer.forward(data((2, 4, 3)).astype(np.float32), training=True)
    layer.backward(np.ones((2, 4, 3), np.float32))
    assert all(g.dtype == np.float32 for g in layer.gradients)


def test_gradient_buffers_are_reused_from_step_to_step():
    layer = layers.GRU(3)
    x = data((2, 4, 3)).astype(np.float32)
    layer(x)
    layer.forward(x, training=True)
    layer.backward(np.ones((2, 3), np.float32))
    buffers = [id(g) for g in layer.gradients]
    layer.forward(x, training=True)
    layer.backward(np.ones((2, 3), np.float32))
    assert [id(g) for g in layer.gradients] == buffers


def test_first_layer_skips_its_input_gradient():
    layer = layers.LSTM(3)
    x = data((2, 4, 3)).astype(np.float32)
    layer(x)
    layer.forward(x, training=True)
    assert layer.backward(np.ones((2, 3), np.float32), input_gradient=False) is None
    assert np.any(layer.gradients[0] != 0)


# ------------------------------------------------------------------------------------ training
@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_a_tiny_sequence_task_trains(kind):
    """Is the first element of the sequence larger than the last? It needs memory of step 0."""
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (256, 6, 1)).astype(np.float32)
    y = (x[:, 0, 0] > x[:, -1, 0]).astype(np.float32)[:, None]
    model = keras.Sequential([keras.Input((6, 1)), getattr(layers, kind)(8),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.6 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.85
