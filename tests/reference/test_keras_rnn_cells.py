"""``RNN(cell)``, the cells and ``StackedRNNCells`` against Keras 3.15.1 (torch backend), float64.

The same weights give the same outputs (masks, reading backwards, zeros at masked steps, stacks),
one standalone step gives Keras's step, the configs are Keras's (the cell serialized inside the
layer's), files move both ways, and a short ``fit`` has Keras's history and final weights.
"""

import numpy as np
import pytest

import handkeras
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import (FILE_CASES, assert_same_history, assert_same_weights,  # noqa: E402
                        compile_both, file_case_ids, make_models, moved, plain)

IDS = np.array([[1, 2, 0, 3, 0, 0],
                [0, 0, 4, 5, 1, 2],
                [3, 3, 3, 3, 3, 3],
                [5, 0, 0, 0, 0, 1]])
CELLS = {"SimpleRNNCell": {}, "LSTMCell": {}, "GRUCell": {},
         "GRUCell reset_after=False": {"reset_after": False}}


def cell(library, kind, units=3, **options):
    return getattr(library.layers, kind.split()[0])(units, bias_initializer="random_normal",
                                                    **CELLS[kind], **options)


def stacked(library):
    return library.layers.StackedRNNCells([cell(library, "LSTMCell", 3),
                                           cell(library, "GRUCell reset_after=False", 2),
                                           cell(library, "SimpleRNNCell", 4)])


@pytest.mark.parametrize("zero_output_for_mask", [False, True], ids=["carried", "zeroed"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("kind", sorted(CELLS) + ["stack"])
def test_masked_outputs(kind, return_sequences, go_backwards, zero_output_for_mask):
    def build(library):
        return library.Sequential([
            library.Input((6,)), library.layers.Embedding(7, 3, mask_zero=True),
            library.layers.RNN(stacked(library) if kind == "stack" else cell(library, kind),
                               return_sequences=return_sequences, go_backwards=go_backwards,
                               zero_output_for_mask=zero_output_for_mask)])

    ours, theirs = make_models(build)
    assert_close(ours.predict(IDS, verbose=0), theirs.predict(IDS, verbose=0), "predict")


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_one_standalone_step_is_keras_s(kind):
    x = np.random.default_rng(1).normal(size=(2, 4))
    theirs, ours = cell(keras, kind), cell(handkeras, kind)
    states = [np.random.default_rng(2).normal(size=(2, 3))
              for _ in range(2 if kind == "LSTMCell" else 1)]
    theirs.build((None, 4))
    ours.build((None, 4))
    ours.set_weights([keras.ops.convert_to_numpy(w) for w in theirs.weights])
    expected_output, expected_states = theirs(x, states)
    output, new_states = ours(x, states)
    assert_close(output, keras.ops.convert_to_numpy(expected_output), "output")
    assert len(new_states) == len(expected_states)
    for mine, reference in zip(new_states, expected_states):
        assert_close(mine, keras.ops.convert_to_numpy(reference), "state")


def test_state_sizes_and_initial_states_are_keras_s():
    for library in (keras, handkeras):
        library.utils.clear_session()
    theirs, ours = stacked(keras), stacked(handkeras)
    assert ours.state_size == theirs.state_size and ours.output_size == theirs.output_size
    shapes = [[tuple(s.shape) for s in states] for states in theirs.get_initial_state(5)]
    assert [[s.shape for s in states] for states in ours.get_initial_state(5)] == shapes
    layer_states = keras.layers.RNN(cell(keras, "LSTMCell")).get_initial_state(2)
    mine = handkeras.layers.RNN(cell(handkeras, "LSTMCell")).get_initial_state(2)
    assert [s.shape for s in mine] == [tuple(s.shape) for s in layer_states]


@pytest.mark.parametrize("kind", sorted(CELLS) + ["stack"])
def test_configs_are_keras_s(kind):
    def build(library):
        library.utils.clear_session()  # the same automatic names on both sides
        return library.Sequential([
            library.Input((5, 2)),
            library.layers.RNN(stacked(library) if kind == "stack" else cell(
                library, kind, dropout=0.2, recurrent_dropout=0.1, seed=3,
                kernel_regularizer="l2"), return_sequences=True, go_backwards=True)])

    theirs, ours = build(keras), build(handkeras)
    assert plain(ours.layers[0].get_config()) == plain(theirs.layers[0].get_config())
    assert plain(ours.get_config()) == plain(theirs.get_config())
    config = plain(theirs.layers[0].get_config())
    assert plain(handkeras.layers.RNN.from_config(config).get_config()) == plain(
        keras.layers.RNN.from_config(config).get_config())


def minimal_cell_class(library):
    """Keras's guide's cell of one's own, ``h_t = tanh(x_t W + h_{t-1} U)``, written with
    ``library.ops``: forward only in handkeras."""
    class MinimalRNNCell(library.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            ops = library.ops
            output = ops.tanh(ops.matmul(inputs, self.kernel)
                              + ops.matmul(states[0], self.recurrent_kernel))
            return output, [output]

    return MinimalRNNCell


@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
def test_a_cell_of_one_s_own_predicts_as_in_keras(go_backwards):
    def build(library):
        return library.Sequential([
            library.Input((6,)), library.layers.Embedding(7, 3, mask_zero=True),
            library.layers.RNN(minimal_cell_class(library)(4), return_sequences=True,
                               go_backwards=go_backwards)])

    ours, theirs = make_models(build)
    assert_close(ours.predict(IDS, verbose=0), theirs.predict(IDS, verbose=0), "predict")


def test_weights_files_move_both_ways(tmp_path):
    def build(library):
        return library.Sequential([
            library.Input((5, 2)), library.layers.RNN(stacked(library), return_sequences=True),
            library.layers.RNN(cell(library, "LSTMCell", 4), go_backwards=True),
            library.layers.Dense(1)])

    x = np.random.default_rng(3).normal(size=(4, 5, 2))
    for writer, reader in ((keras, handkeras), (handkeras, keras)):
        source, target = build(writer), build(reader)
        if writer is handkeras:
            source.set_weights([np.random.default_rng(i).normal(size=w.shape)
                                for i, w in enumerate(source.get_weights())])
        path = str(tmp_path / f"{writer.__name__}.weights.h5")
        source.save_weights(path)
        target.load_weights(path)
        assert_close(np.asarray(target.predict(x, verbose=0)),
                     np.asarray(source.predict(x, verbose=0)), f"{writer.__name__} to reader")


@pytest.mark.parametrize("writer, reader, filename", FILE_CASES, ids=file_case_ids(FILE_CASES))
def test_model_files_move_both_ways(tmp_path, writer, reader, filename):
    source = writer.Sequential([
        writer.Input((6,)), writer.layers.Embedding(7, 3, mask_zero=True),
        writer.layers.RNN(stacked(writer), return_sequences=True),
        writer.layers.RNN(cell(writer, "GRUCell", 2)), writer.layers.Dense(1)])
    loaded = moved(source, reader, str(tmp_path / filename), IDS)
    assert type(loaded.layers[1].cell).__name__ == "StackedRNNCells"
    assert [type(c).__name__ for c in loaded.layers[1].cell.cells] == [
        "LSTMCell", "GRUCell", "SimpleRNNCell"]


def test_fit_with_stacked_cells_and_masks_matches_keras():
    """Every cell's gradient through masked steps, each cell's regularizer, the optimizer: the
    same history and final weights."""
    y = np.random.default_rng(2).normal(size=IDS.shape + (2,))

    def build(library):
        cells = [cell(library, "GRUCell", 3, kernel_regularizer="l2"),
                 cell(library, "LSTMCell", 2, recurrent_regularizer="l1")]
        return library.Sequential([
            library.Input((6,)), library.layers.Embedding(7, 3, mask_zero=True),
            library.layers.RNN(cells, return_sequences=True),
            library.layers.RNN(cell(library, "SimpleRNNCell", 3), return_sequences=True,
                               go_backwards=True),
            library.layers.Dense(2)])

    ours, theirs = make_models(build)
    compile_both(ours, theirs, ("Adam", {"learning_rate": 0.05}), loss="mse", metrics=["mae"])
    arguments = dict(batch_size=3, epochs=3, shuffle=False, verbose=0)
    assert_same_history(ours.fit(IDS, y, **arguments), theirs.fit(IDS, y, **arguments))
    assert_same_weights(ours, theirs)
