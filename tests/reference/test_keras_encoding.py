"""CategoryEncoding and Discretization against Keras 3.15.1 (torch backend): the same outputs,
dtypes and shapes on the same inputs in every output mode, the boundaries ``adapt`` learns (bit for
bit, on the data of Keras's own tests and on typical data), the configs (each library reads the
other's), the same messages for the same bad arguments, the summary, and models carrying an adapted
Discretization moved between the libraries in every file format.
"""

import h5py
import numpy as np
import pytest

import handkeras
from parity import assert_close

keras = pytest.importorskip("keras")
from keras_pair import FILE_CASES, assert_same_value_error, plain  # noqa: E402

LIBRARIES = (handkeras, keras)
RNG = np.random.default_rng(31)


@pytest.fixture
def keras_adapt():
    """Keras 3.15.1's ``Discretization.adapt`` runs on TensorFlow whatever the backend: the tests
    that call it need it (the ``reference-tf`` extra, which CI installs); elsewhere they skip."""
    pytest.importorskip("tensorflow", reason="Keras's Discretization.adapt needs TensorFlow")


def outputs(make, x, **call_arguments):
    """``make(library)(x)`` in both libraries, as numpy arrays: handkeras's, then Keras's."""
    ours = make(handkeras)(x, **call_arguments)
    theirs = keras.ops.convert_to_numpy(make(keras)(x, **call_arguments))
    return np.asarray(ours), theirs


def assert_same_output(make, x, **call_arguments):
    ours, theirs = outputs(make, x, **call_arguments)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


# ------------------------------------------------------------------------------- CategoryEncoding
IDS = {"1-D": [3, 2, 0, 1, 1], "column": np.array([[3], [2], [0]]),
       "matrix": np.array([[0, 1, 1], [2, 2, 3], [3, 0, 0]]), "scalar": 3,
       "floats": np.array([[1.0, 2.0], [0.0, 0.0]]), "uint8": np.array([[1, 3]], np.uint8)}


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("ids", IDS.values(), ids=IDS.keys())
def test_category_encoding_outputs_match_keras(mode, ids):
    assert_same_output(lambda library: library.layers.CategoryEncoding(4, mode), ids)


def test_one_hot_of_a_rank_3_input_matches_keras():
    ids = RNG.integers(0, 5, (2, 3, 4))
    assert_same_output(lambda library: library.layers.CategoryEncoding(5, "one_hot"), ids)


@pytest.mark.parametrize("dtype", [None, "float32", "int32"])
def test_weighted_counts_and_dtypes_match_keras(dtype):
    ids = RNG.integers(0, 6, (5, 4))
    weights = RNG.uniform(0, 3, (5, 4))

    def make(library):
        return library.layers.CategoryEncoding(6, "count", dtype=dtype)

    ours, theirs = outputs(make, ids, count_weights=weights)
    assert ours.dtype == theirs.dtype
    assert_close(ours, theirs, "weighted counts")
    for mode in ("one_hot", "multi_hot"):
        assert_same_output(lambda library: library.layers.CategoryEncoding(6, mode, dtype=dtype),
                           ids)


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("shape", [(3,), (1,), ()], ids=["3 ids", "1 id", "scalars"])
def test_category_encoding_output_shapes_match_keras(mode, shape):
    def symbolic(library):
        output = library.layers.CategoryEncoding(7, mode)(library.Input(shape))
        return output.shape, output.dtype

    assert symbolic(handkeras) == symbolic(keras)


def test_category_encoding_config_is_keras_s_both_ways():
    for arguments in (dict(num_tokens=5), dict(num_tokens=3, output_mode="one_hot"),
                      dict(num_tokens=2, output_mode="binary", dtype="float32")):
        ours = handkeras.layers.CategoryEncoding(name="c", **arguments).get_config()
        theirs = keras.layers.CategoryEncoding(name="c", **arguments).get_config()
        assert plain(ours) == plain(theirs)
        assert plain(handkeras.layers.CategoryEncoding.from_config(plain(theirs))
                     .get_config()) == plain(theirs)


@pytest.mark.parametrize("arguments", [dict(num_tokens=None), dict(num_tokens=0),
                                       dict(num_tokens=3, output_mode="int")])
def test_category_encoding_refuses_bad_arguments_in_keras_s_words(arguments):
    assert_same_value_error(lambda library: library.layers.CategoryEncoding(**arguments))


def test_count_weights_outside_count_mode_are_refused_in_keras_s_words():
    def call(library):
        library.layers.CategoryEncoding(3)(np.array([[0, 1]]), count_weights=[[1.0, 2.0]])

    with pytest.raises(ValueError, match="`count_weights` is not used when") as theirs:
        call(keras)
    with pytest.raises(ValueError) as ours:
        call(handkeras)
    assert str(ours.value) in str(theirs.value)


# ------------------------------------------------------------------------------- Discretization
VALUES = {"docstring": np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]]),
          "1-D": np.array([-0.2, 0.35, 0.5, 0.9, 1.7]), "column": np.array([[0.1], [1.2]]),
          "rank 3": RNG.normal(size=(2, 3, 4)), "scalar": 0.4,
          "special": np.array([np.nan, np.inf, -np.inf, 0.0, 0.35]),
          "ints": np.array([[0, 1, 2, -1]])}


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("x", VALUES.values(), ids=VALUES.keys())
def test_discretization_outputs_match_keras(mode, x):
    def make(library):
        return library.layers.Discretization(bin_boundaries=[0.0, 0.35, 0.5, 1.0],
                                             output_mode=mode)

    assert_same_output(make, x)


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("shape", [(4,), (3, 4), (1,)], ids=["(4,)", "(3, 4)", "(1,)"])
def test_discretization_output_shapes_and_dtypes_match_keras(mode, shape):
    def symbolic(library):
        layer = library.layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode=mode)
        output = layer(library.Input(shape))
        return output.shape, output.dtype, layer.compute_output_shape((2,) + shape)

    assert symbolic(handkeras) == symbolic(keras)


def batches(sizes, seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(0, 10, size) for size in sizes]


ADAPT_CASES = {  # data, arguments
    # The data of Keras's own tests (discretization_test.py).
    "keras test: random (32, 3)": (RNG.random((32, 3)), dict(num_bins=4)),
    "keras test: generator of 5 batches": (batches([(20,)] * 5, 1), dict(num_bins=4)),
    "keras test: list of arrays": ([np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])],
                                   dict(num_bins=3)),
    "keras test: fewer values than bins": (np.array([0.0, 1.0, 5.0]), dict(num_bins=5)),
    "keras test: 8 values": (np.arange(8.0), dict(num_bins=5)),
    "keras docstring": (VALUES["docstring"], dict(num_bins=4, epsilon=0.01)),
    # Typical data.
    "normal 1000": (RNG.normal(size=1000), dict(num_bins=5)),
    "normal (1234, 3)": (RNG.normal(size=(1234, 3)), dict(num_bins=7)),
    "normal 100000": (RNG.normal(size=100_000), dict(num_bins=10)),
    "exponential, epsilon 0.001": (RNG.exponential(size=5000), dict(num_bins=10,
                                                                     epsilon=0.001)),
    "integers with ties": (RNG.integers(0, 5, 300).astype(float), dict(num_bins=4)),
    "batches of different sizes": (batches([(3,), (50,), (700,), (1,)], 2),
                                   dict(num_bins=3, epsilon=0.05)),
    "7 batches of (100, 2)": (batches([(100, 2)] * 7, 3), dict(num_bins=6)),
    "nested lists": ([[1.0, 2.0], [3.0, 4.0]], dict(num_bins=2)),
    "float32 uniform, epsilon 0.1": (RNG.uniform(size=64).astype(np.float32),
                                     dict(num_bins=3, epsilon=0.1)),
}


@pytest.mark.parametrize("data, arguments", ADAPT_CASES.values(), ids=ADAPT_CASES.keys())
@pytest.mark.usefixtures("keras_adapt")
def test_adapt_learns_keras_s_boundaries_bit_for_bit(data, arguments):
    learned = []
    for library in LIBRARIES:
        layer = library.layers.Discretization(**arguments)
        layer.adapt(data)
        learned.append(layer)
    ours, theirs = learned
    assert ours.bin_boundaries == theirs.bin_boundaries
    np.testing.assert_array_equal(ours.summary, theirs.summary)
    x = RNG.normal(size=(6, 3)) * 3
    np.testing.assert_array_equal(ours(x), keras.ops.convert_to_numpy(theirs(x)))


@pytest.mark.usefixtures("keras_adapt")
def test_adapt_takes_steps_batches_of_an_endless_generator_as_keras_does():
    def endless(seed):
        rng = np.random.default_rng(seed)
        while True:
            yield rng.uniform(0, 10, size=(20,))

    learned = []
    for library in LIBRARIES:
        layer = library.layers.Discretization(num_bins=4)
        layer.adapt(endless(5), steps=5)
        learned.append(layer.bin_boundaries)
    assert learned[0] == learned[1]


@pytest.mark.usefixtures("keras_adapt")
def test_discretization_config_is_keras_s_before_and_after_adapt_and_read_both_ways():
    data = np.arange(20.0).reshape(10, 2)
    for arguments in (dict(num_bins=3), dict(bin_boundaries=[0.0, 0.35, 1.0]),
                      dict(num_bins=4, epsilon=0.05, output_mode="count", dtype="float32")):
        configs = []
        for library in LIBRARIES:
            layer = library.layers.Discretization(name="d", **arguments)
            configs.append(plain(layer.get_config()))
            if layer.num_bins:
                layer.adapt(data)
                configs.append(plain(layer.get_config()))
        assert configs[:len(configs) // 2] == configs[len(configs) // 2:]
        for config in configs:
            for reader, other in ((handkeras, keras), (keras, handkeras)):
                layer = reader.layers.Discretization.from_config(config)
                assert plain(layer.get_config()) == config
                assert plain(other.layers.Discretization.from_config(config)
                             .get_config()) == config


@pytest.mark.parametrize("arguments", [
    dict(), dict(num_bins=-1), dict(num_bins=2, bin_boundaries=[1.0]),
    dict(bin_boundaries=[1.0], output_mode="tf_idf"),
], ids=["neither", "negative", "both", "output_mode"])
def test_discretization_refuses_bad_arguments_in_keras_s_words(arguments):
    assert_same_value_error(lambda library: library.layers.Discretization(**arguments))


def test_adapting_given_boundaries_is_refused_in_keras_s_words():
    assert_same_value_error(
        lambda library: library.layers.Discretization(bin_boundaries=[1.0]).adapt([1.0, 2.0]))


# ------------------------------------------------------------------------------- models and files
TRAINING = RNG.normal(size=(40, 2)) * 2


def preprocessing_model(library):
    """An adapted Discretization, its bins counted, then a Dense layer."""
    discretization = library.layers.Discretization(num_bins=4, name="bins")
    discretization.adapt(TRAINING)
    return library.Sequential([library.Input((2,)), discretization,
                               library.layers.CategoryEncoding(4, "count", name="counts"),
                               library.layers.Dense(1, name="out")], name="binned")


@pytest.mark.usefixtures("keras_adapt")
def test_the_summary_prints_keras_s_text():
    def text(model):
        texts = []
        model.summary(print_fn=texts.append)
        return "".join(texts)

    assert text(preprocessing_model(handkeras)) == text(preprocessing_model(keras))


@pytest.mark.parametrize("writer, reader, filename", FILE_CASES)
@pytest.mark.usefixtures("keras_adapt")
def test_a_model_with_learned_bins_moves_between_the_libraries(tmp_path, writer, reader,
                                                               filename):
    source = preprocessing_model(writer)
    source.save(tmp_path / filename)
    loaded = reader.models.load_model(tmp_path / filename)
    assert loaded.layers[0].bin_boundaries == source.layers[0].bin_boundaries
    assert plain(loaded.layers[1].get_config()) == plain(source.layers[1].get_config())
    x = RNG.normal(size=(8, 2)) * 2
    assert_close(np.asarray(loaded.predict(x, verbose=0)),
                 np.asarray(source.predict(x, verbose=0)), "predictions")


@pytest.mark.parametrize("writer, reader", [(handkeras, keras), (keras, handkeras)])
@pytest.mark.usefixtures("keras_adapt")
def test_weights_files_hold_empty_groups_for_both_layers_as_keras_s_do(tmp_path, writer, reader):
    path = tmp_path / "binned.weights.h5"
    source = preprocessing_model(writer)
    source.save_weights(path)
    with h5py.File(path, "r") as f:
        for key in ("discretization", "category_encoding"):
            assert len(f["layers"][key]["vars"]) == 0
    target = reader.Sequential([reader.Input((2,)),
                                reader.layers.Discretization(bin_boundaries=[-1.0, 0.0, 1.0]),
                                reader.layers.CategoryEncoding(4, "count"),
                                reader.layers.Dense(1)])
    target.load_weights(path)
    assert target.layers[0].bin_boundaries == [-1.0, 0.0, 1.0]  # untouched: not in the file
    for value, expected in zip(target.get_weights(), source.get_weights()):
        assert_close(value, expected, "Dense weights")
