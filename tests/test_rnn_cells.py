"""The generic ``RNN(cell)`` and its cells: the spec.

Every built-in cell in ``RNN``, and stacks of them, is checked against float64 central
differences (sequences or the last output, reading backwards, masks, zeros at masked steps);
``LSTM(4)`` and ``RNN(LSTMCell(4))`` compute the very same numbers; a stack runs its cells one above
the other at each time step; a cell takes one step standalone as in Keras; a cell of the user's
own runs forward, and training refuses it before changing anything; then configs, weight paths,
files and errors as Keras has them.
"""

import h5py
import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.utils import gradient_check
from handkeras.utils.gradient_check import layer_gradients, numerical_gradient
from gradient_checks import assert_gradients_match, data

CELLS = {
    "SimpleRNNCell": lambda units: layers.SimpleRNNCell(units, bias_initializer="random_normal"),
    "LSTMCell": lambda units: layers.LSTMCell(units, bias_initializer="random_normal"),
    "GRUCell": lambda units: layers.GRUCell(units, bias_initializer="random_normal"),
    "GRUCell reset_after=False": lambda units: layers.GRUCell(
        units, reset_after=False, bias_initializer="random_normal"),
}
MASK = np.array([[1, 1, 0, 1, 0],
                 [0, 0, 1, 1, 1],
                 [1, 1, 1, 1, 1]], dtype=bool)


def stack():
    """Three different cells one above the other, widths 3, 2, 4."""
    return layers.StackedRNNCells([CELLS["LSTMCell"](3), CELLS["GRUCell"](2),
                                   CELLS["SimpleRNNCell"](4)])


def masked_gradients(layer, x, mask, seed=1):
    """Analytic and numeric gradients of ``sum(layer(x, mask) * g)`` for the input and every
    weight, keyed by path (a stack's cells have weights of the same names); seeded dropout draws
    the same masks at every forward."""
    layer.build_once((None,) + x.shape[1:])
    upstream = data(layer.forward(x, mask=mask).shape, seed)

    def forward():
        gradient_check._reseed(layer)
        return layer.forward(x, training=True, mask=mask)

    def objective():
        return float(np.sum(forward() * upstream))

    forward()
    dx = layer.backward(upstream.copy())
    results = {"input": (dx, numerical_gradient(objective, x))}
    for weight, gradient in zip(layer.trainable_weights, [g.copy() for g in layer.gradients]):
        results[weight.path] = (gradient, numerical_gradient(objective, weight.value))
    return results


class MinimalRNNCell(layers.Layer):
    """Keras's guide's example of a cell of one's own: ``h_t = x_t W + h_{t-1} U``."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight((input_shape[-1], self.units), "random_normal",
                                      name="kernel")
        self.recurrent_kernel = self.add_weight((self.units, self.units), "random_normal",
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        output = inputs @ self.kernel.value + states[0] @ self.recurrent_kernel.value
        return output, [output]


class RunningSum(layers.Layer):
    """A weightless cell of one's own: the running sum of the inputs."""

    state_size = 2

    def call(self, inputs, states):
        total = states[0] + inputs
        return total, [total]


# ------------------------------------------------------------------------------------ gradients
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("kind", sorted(CELLS))
def test_gradients_of_rnn_around_each_cell(float64, kind, return_sequences, go_backwards):
    layer = layers.RNN(CELLS[kind](3), return_sequences=return_sequences,
                       go_backwards=go_backwards)
    results = layer_gradients(layer, data((3, 5, 4)))
    assert set(results) == {"input", "kernel", "recurrent_kernel", "bias"}
    assert_gradients_match(results)


@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
def test_gradients_of_stacked_cells(float64, return_sequences, go_backwards):
    layer = layers.RNN(stack(), return_sequences=return_sequences, go_backwards=go_backwards)
    results = masked_gradients(layer, data((3, 5, 2)), None)
    assert len(results) == 1 + 9  # the input, and three weights per cell
    assert_gradients_match(results)


@pytest.mark.parametrize("zero_output_for_mask", [False, True], ids=["carried", "zeroed"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("cell", ["LSTMCell", "stack"])
def test_gradients_with_a_mask(float64, cell, return_sequences, go_backwards,
                               zero_output_for_mask):
    layer = layers.RNN(stack() if cell == "stack" else CELLS[cell](3),
                       return_sequences=return_sequences, go_backwards=go_backwards,
                       zero_output_for_mask=zero_output_for_mask)
    results = masked_gradients(layer, data((3, 5, 2)), MASK)
    assert_gradients_match(results)
    assert np.all(results["input"][0][~MASK] == 0), "a masked step's input reaches nothing"


def test_gradients_of_a_list_of_cells_with_dropout(float64):
    """A list of cells is a stack; each cell keeps its own dropout masks through the backward."""
    layer = layers.RNN([layers.LSTMCell(3, dropout=0.3, recurrent_dropout=0.2, seed=1),
                        layers.GRUCell(2, dropout=0.4, seed=2)], return_sequences=True)
    assert isinstance(layer.cell, layers.StackedRNNCells)
    results = masked_gradients(layer, data((4, 5, 3)), None)
    assert len(results) == 1 + 6
    assert_gradients_match(results)


# ------------------------------------------------------------------------------------ the same loop
@pytest.mark.parametrize("layer_class, cell_class", [
    (layers.SimpleRNN, layers.SimpleRNNCell), (layers.LSTM, layers.LSTMCell),
    (layers.GRU, layers.GRUCell)])
def test_a_recurrent_layer_and_rnn_around_its_cell_compute_the_same_numbers(
        float64, layer_class, cell_class):
    x, upstream = data((3, 5, 2)), data((3, 5, 4), 1)
    built_in = layer_class(4, return_sequences=True, bias_initializer="random_normal")
    generic = layers.RNN(cell_class(4), return_sequences=True)
    built_in(x)
    generic(x)
    generic.set_weights(built_in.get_weights())
    assert isinstance(built_in, layers.RNN) and isinstance(built_in.cell, cell_class)
    for layer in (built_in, generic):
        layer.forward(x, training=True, mask=MASK)
    np.testing.assert_array_equal(generic.forward(x, mask=MASK), built_in.forward(x, mask=MASK))
    np.testing.assert_array_equal(generic.backward(upstream), built_in.backward(upstream))
    for ours, theirs in zip(generic.gradients, built_in.gradients):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
def test_a_stack_runs_its_cells_one_above_the_other_at_each_step(float64, return_sequences):
    cells = stack()
    layer = layers.RNN(cells, return_sequences=return_sequences)
    x = data((3, 5, 2))
    y = layer(x)
    states, outputs = cells.get_initial_state(3), []
    for t in range(5):
        inputs = x[:, t]
        for index, cell in enumerate(cells.cells):
            inputs, states[index] = cell(inputs, states[index])
        outputs.append(inputs)
    np.testing.assert_allclose(y, np.stack(outputs, 1) if return_sequences else outputs[-1],
                               rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------------ one step
@pytest.mark.parametrize("kind", sorted(CELLS))
def test_a_cell_takes_one_step_standalone_as_one_step_of_its_rnn(float64, kind):
    cell = CELLS[kind](3)
    x = data((2, 4))
    output, states = cell(x, cell.get_initial_state(2))
    assert isinstance(states, list) and len(states) == (2 if kind == "LSTMCell" else 1)
    np.testing.assert_array_equal(output, states[0])
    layer = layers.RNN(cell)
    np.testing.assert_allclose(layer(x[:, None]), output, rtol=1e-12)


def test_state_sizes_and_initial_states_are_keras_s():
    lstm, gru, simple = layers.LSTMCell(3), layers.GRUCell(2), layers.SimpleRNNCell(4)
    assert (lstm.state_size, gru.state_size, simple.state_size) == ([3, 3], 2, 4)
    assert (lstm.output_size, gru.output_size, simple.output_size) == (3, 2, 4)
    states = lstm.get_initial_state(batch_size=5)
    assert [s.shape for s in states] == [(5, 3), (5, 3)] and not np.any(states)
    assert states[0].dtype == np.float32
    cells = layers.StackedRNNCells([lstm, gru, simple])
    assert cells.state_size == [[3, 3], 2, 4] and cells.output_size == 4
    assert [[s.shape for s in cell] for cell in cells.get_initial_state(2)] == [
        [(2, 3), (2, 3)], [(2, 2)], [(2, 4)]]
    layer = layers.RNN(lstm)
    assert layer.state_size == [3, 3]
    assert [s.shape for s in layer.get_initial_state(2)] == [(2, 3), (2, 3)]


def test_a_cell_with_one_state_given_as_an_array_returns_an_array(float64):
    """As Keras's SimpleRNNCell and GRUCell: the new state comes back in the form it went in."""
    for cell in (layers.SimpleRNNCell(3), layers.GRUCell(3)):
        output, state = cell(data((2, 4)), np.zeros((2, 3)))
        assert isinstance(state, np.ndarray)
        np.testing.assert_array_equal(output, state)


def test_a_standalone_step_checks_its_inputs_and_states():
    cell = layers.LSTMCell(3)
    with pytest.raises(ValueError, match=r"LSTMCell '.*' expects the inputs of one time step"):
        cell(np.zeros((2, 5, 4)), cell.get_initial_state(2))
    with pytest.raises(ValueError, match=r"LSTMCell '.*' takes 2 state\(s\), received 1"):
        cell(np.zeros((2, 4)), [np.zeros((2, 3))])


# ------------------------------------------------------------------------------------ own cells
def test_a_cell_of_one_s_own_runs_forward_with_masks(float64):
    cell = MinimalRNNCell(3)
    layer = layers.RNN(cell, return_sequences=True, zero_output_for_mask=True)
    x = data((3, 5, 2))
    layer(x)
    h, expected = np.zeros((3, 3)), []
    for t in range(5):
        new = x[:, t] @ cell.kernel.value + h @ cell.recurrent_kernel.value
        keep = MASK[:, t, None]
        h = np.where(keep, new, h)
        expected.append(np.where(keep, new, 0))
    np.testing.assert_allclose(layer.forward(x, mask=MASK), np.stack(expected, 1), rtol=1e-12)
    assert [w.path for w in layer.weights] == ["rnn/minimal_rnn_cell/kernel",
                                               "rnn/minimal_rnn_cell/recurrent_kernel"]


def test_training_through_a_cell_of_one_s_own_is_refused_before_anything_changes():
    model = keras.Sequential([keras.Input((5, 2)), layers.RNN(MinimalRNNCell(3)),
                              layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x, y = data((4, 5, 2)).astype(np.float32), np.zeros((4, 1), np.float32)
    before = [w.copy() for w in model.get_weights()]
    assert model.predict(x, verbose=0).shape == (4, 1)
    with pytest.raises(NotImplementedError, match=r"RNN 'rnn.*' has no `backward` for its cell "
                                                  r"MinimalRNNCell: handkeras differentiates by "
                                                  r"hand"):
        model.fit(x, y, epochs=1, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert model.optimizer.iterations == 0


def test_a_built_in_cell_with_its_own_call_runs_that_call_forward_only(float64):
    class DoubledLSTMCell(layers.LSTMCell):
        def call(self, inputs, states, training=False):
            output, new_states = super().call(inputs, states, training=training)
            return 2 * output, new_states

    x = data((2, 4, 3))
    plain, doubled = layers.RNN(layers.LSTMCell(2)), layers.RNN(DoubledLSTMCell(2))
    plain(x)
    doubled(x)
    doubled.set_weights(plain.get_weights())
    np.testing.assert_allclose(doubled(x), 2 * plain(x), rtol=1e-12)
    with pytest.raises(NotImplementedError, match="DoubledLSTMCell"):
        doubled.check_backward()


def test_a_weightless_cell_of_one_s_own_above_trainable_layers_refuses_to_train():
    model = keras.Sequential([keras.Input((4, 2)), layers.Dense(2),
                              layers.RNN(RunningSum()), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(NotImplementedError, match="RunningSum"):
        model.fit(np.ones((3, 4, 2), np.float32), np.ones((3, 1), np.float32), verbose=0)


def test_a_weightless_cell_of_one_s_own_first_in_a_model_needs_no_gradient():
    model = keras.Sequential([keras.Input((4, 2)), layers.RNN(RunningSum()), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((3, 4, 2), np.float32)
    np.testing.assert_allclose(model.layers[0](x), 4 * np.ones((3, 2)))
    model.fit(x, np.ones((3, 1), np.float32), epochs=1, verbose=0)


# ------------------------------------------------------------------------------------ layout
def test_weights_names_paths_and_order_as_keras():
    model = keras.Sequential([keras.Input((5, 2)), layers.RNN(stack(), return_sequences=True),
                              layers.RNN(layers.LSTMCell(4))])
    rnn, rnn_1 = model.layers
    names = [w.path for w in model.weights]
    stacked = [f"{model.name}/{rnn.name}/{rnn.cell.name}/{cell.name}/{weight}"
               for cell in rnn.cell.cells for weight in ("kernel", "recurrent_kernel", "bias")]
    assert names == stacked + [f"{model.name}/{rnn_1.name}/{rnn_1.cell.name}/{weight}"
                               for weight in ("kernel", "recurrent_kernel", "bias")]
    assert [w.shape for w in rnn_1.weights] == [(4, 16), (4, 16), (16,)]  # the stack's top: 4
    assert rnn.cell.cells[1].weights[0].shape == (3, 6)  # the GRU reads the LSTM's 3 outputs


def test_weights_files_keep_each_cell_s_weights_where_keras_does(tmp_path):
    """``layers/rnn/cell/vars`` for one cell; ``layers/rnn/cell/cells/<class key>/vars`` for
    each cell of a stack, keyed by class as Keras keys the layers of a model."""
    model = keras.Sequential([keras.Input((5, 2)), layers.RNN(layers.StackedRNNCells(
        [layers.LSTMCell(3), layers.LSTMCell(2)]), return_sequences=True),
        layers.RNN(layers.GRUCell(4))])
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        stacked = model.layers[0].cell.cells
        for key, cell in zip(("lstm_cell", "lstm_cell_1"), stacked):
            for index, weight in enumerate(cell.weights):
                np.testing.assert_array_equal(f[f"layers/rnn/cell/cells/{key}/vars/{index}"],
                                              weight.value)
        assert list(f["layers/rnn/cell/vars"]) == [] and list(f["layers/rnn_1/cell/vars"]) == [
            "0", "1", "2"]
    copy = keras.models.clone_model(model)
    copy.load_weights(path)
    for ours, theirs in zip(copy.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(ours, theirs)


def test_config_holds_the_cell_serialized_and_round_trips():
    layer = layers.RNN(layers.StackedRNNCells([layers.LSTMCell(3, unit_forget_bias=False),
                                               layers.GRUCell(2, reset_after=False)]),
                       return_sequences=True, go_backwards=True)
    config = layer.get_config()
    assert list(config) == ["name", "trainable", "dtype", "return_sequences", "return_state",
                            "go_backwards", "stateful", "unroll", "zero_output_for_mask", "cell"]
    assert config["cell"]["class_name"] == "StackedRNNCells"
    cells = config["cell"]["config"]["cells"]
    assert [cell["class_name"] for cell in cells] == ["LSTMCell", "GRUCell"]
    assert list(cells[0]["config"])[3:9] == ["units", "activation", "recurrent_activation",
                                             "use_bias", "unit_forget_bias",
                                             "kernel_initializer"]
    assert list(cells[1]["config"])[-2:] == ["reset_after", "seed"]
    copy = layers.RNN.from_config(config)
    assert copy.get_config() == config
    assert copy.cell.cells[1].reset_after is False and copy.go_backwards
    assert keras.layers.deserialize(keras.layers.serialize(layer)).get_config() == config


def test_bidirectional_wraps_rnn_around_a_cell(float64):
    layer = layers.Bidirectional(layers.RNN(layers.GRUCell(3), return_sequences=True))
    x = data((2, 5, 4))
    assert layer(x).shape == (2, 5, 6)
    assert_gradients_match(layer_gradients(layer, x))


def test_a_stack_of_cells_trains_a_sequence_task():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6, 1)).astype(np.float32)
    y = x.sum(axis=1)
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((6, 1)), layers.RNN([layers.LSTMCell(8),
                                                               layers.SimpleRNNCell(8)]),
                              layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]


# ------------------------------------------------------------------------------------ errors
class NoStateSize(layers.Layer):
    def call(self, inputs, states):
        return inputs, states


@pytest.mark.parametrize("cell, message", [
    (3, r"RNN '.*': `cell` must have a `call` method"),
    ("lstm", r"RNN '.*': `cell` must have a `call` method"),
    (layers.Dense(3), r"RNN '.*': `cell` must have a `call` method"),  # a layer, not a cell
    (NoStateSize(), r"RNN '.*': `cell` must have a `state_size` attribute"),
])
def test_rnn_refuses_what_is_no_cell(cell, message):
    with pytest.raises(ValueError, match=message):
        layers.RNN(cell)


def test_stacked_cells_refuse_what_is_no_list_of_cells():
    with pytest.raises(ValueError, match=r"StackedRNNCells '.*': `cells` must be a non-empty"):
        layers.StackedRNNCells([])
    with pytest.raises(ValueError, match=r"`cells` must be a non-empty list"):
        layers.StackedRNNCells(layers.LSTMCell(2))
    with pytest.raises(ValueError, match=r"StackedRNNCells '.*': all cells must have a "
                                         r"`state_size`"):
        layers.StackedRNNCells([layers.LSTMCell(2), NoStateSize()])


@pytest.mark.parametrize("argument", ["return_state", "stateful"])
def test_unsupported_loop_arguments_raise_naming_the_layer(argument):
    with pytest.raises(NotImplementedError, match=rf"RNN '.*': `{argument}=True` is not"):
        layers.RNN(layers.LSTMCell(2), **{argument: True})


def test_cell_options_are_checked_naming_the_cell():
    with pytest.raises(ValueError, match=r"lstm_cell.*: `units` must be a positive integer"):
        layers.LSTMCell(0)
    with pytest.raises(TypeError, match=r"gru_cell.*: `dropout` must be a number"):
        layers.GRUCell(2, dropout="high")
