"""CategoryEncoding: integer ids as one-hot rows, multi-hot rows or (weighted) counts; Keras's rank
rules (a 1-D input is one sample, one-hot takes the place of a last axis of size 1); outputs in the
layer's dtype; clear errors for ids out of range or not integers; no weights and no gradient: a
model trains with it below its trainable layers and refuses to train with it above them.
"""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers

IDS = np.array([[0, 1], [0, 0], [1, 2], [3, 1]])


# ------------------------------------------------------------------------------------- outputs
def test_one_hot_gives_each_id_its_row():
    layer = layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")
    np.testing.assert_array_equal(layer([3, 2, 0, 1]), np.eye(4)[[3, 2, 0, 1]])
    np.testing.assert_array_equal(layer(np.array([[3], [2]])), np.eye(4)[[3, 2]])
    assert layer(IDS).shape == (4, 2, 4)  # a last axis of more than 1: a new axis
    np.testing.assert_array_equal(layer(IDS), np.eye(4)[IDS])
    assert layer(3).shape == (1, 4)


def test_multi_hot_marks_the_ids_of_each_sample():
    layer = layers.CategoryEncoding(num_tokens=4)  # multi_hot by default
    np.testing.assert_array_equal(layer(IDS), [[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0],
                                               [0, 1, 0, 1]])
    np.testing.assert_array_equal(layer([0, 1, 3, 1]), [1, 1, 0, 1])  # 1-D: one sample
    np.testing.assert_array_equal(layer(2), [0, 0, 1, 0])
    assert layers.CategoryEncoding(4, "binary").output_mode == "multi_hot"  # Keras's old name


def test_count_counts_and_count_weights_weigh_each_id():
    layer = layers.CategoryEncoding(num_tokens=4, output_mode="count")
    np.testing.assert_array_equal(layer(IDS), [[1, 1, 0, 0], [2, 0, 0, 0], [0, 1, 1, 0],
                                               [0, 1, 0, 1]])
    weights = np.array([[.1, .2], [.1, .1], [.2, .3], [.4, .2]])
    expected = np.array([[.1, .2, 0, 0], [.2, 0, 0, 0], [0, .2, .3, 0], [0, .2, 0, .4]])
    np.testing.assert_allclose(layer(IDS, count_weights=weights), expected, rtol=1e-6)
    np.testing.assert_array_equal(layer([0, 1, 1, 3]), [1, 2, 0, 1])


def test_outputs_come_in_the_layer_s_dtype_whatever_the_ids_type():
    for ids in (IDS, IDS.astype(np.uint8), IDS.astype(np.float64), IDS.astype(bool)):
        assert layers.CategoryEncoding(4)(ids).dtype == np.float32
    assert layers.CategoryEncoding(4, dtype="float64")(IDS).dtype == np.float64
    counts = layers.CategoryEncoding(4, "count", dtype="int32")(IDS)
    assert counts.dtype == np.int32 and counts[1, 0] == 2


@pytest.mark.parametrize("mode, shape", [("one_hot", (None, 3, 5)), ("multi_hot", (None, 5)),
                                         ("count", (None, 5))])
def test_output_shapes_follow_keras_s_rank_rules(mode, shape):
    layer = layers.CategoryEncoding(5, mode)
    assert layer.compute_output_shape((None, 3)) == shape
    assert layer(np.zeros((2, 3), int)).shape == (2,) + shape[1:]
    assert layer(keras.Input((3,))).shape == shape
    assert layers.CategoryEncoding(5, "one_hot").compute_output_shape((None, 1)) == (None, 5)


def test_the_layer_has_no_weights_and_takes_any_shape_once_built():
    layer = layers.CategoryEncoding(3)
    layer([[0, 1]])
    assert layer.built and layer.weights == []
    assert layer([[0, 1, 2, 2]]).shape == (1, 3)


# ------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("ids", [[0, 4], [[5]], [-1, 0]], ids=["num_tokens", "above", "negative"])
def test_ids_out_of_range_are_an_error_naming_the_layer(ids):
    with pytest.raises(ValueError, match=r"CategoryEncoding 'ce': ids must be in \[0, num_tokens"):
        layers.CategoryEncoding(4, "one_hot", name="ce")(ids)


@pytest.mark.parametrize("ids", [[0.5, 1.0], [np.nan], ["a"]], ids=["fraction", "nan", "text"])
def test_ids_that_are_no_integers_are_an_error(ids):
    with pytest.raises(ValueError, match="CategoryEncoding 'ce' expects integer ids"):
        layers.CategoryEncoding(4, name="ce")(np.array(ids))


@pytest.mark.parametrize("arguments, error, message", [
    (dict(num_tokens=None), ValueError, "num_tokens must be set"),
    (dict(num_tokens=0), ValueError, r"`num_tokens` must be >= 1. Received: num_tokens=0."),
    (dict(num_tokens=4.5), TypeError, "`num_tokens` must be an integer"),
    (dict(num_tokens=4, output_mode="int"), ValueError, "Unknown arg for output_mode: int"),
    (dict(num_tokens=4, sparse=True), ValueError, "`sparse=True` is not supported"),
    (dict(num_tokens=4, dtype="string"), ValueError, "`dtype` must be one of"),
])
def test_bad_arguments_are_refused_at_construction(arguments, error, message):
    with pytest.raises(error, match=message):
        layers.CategoryEncoding(**arguments)


def test_count_weights_are_for_count_mode_and_the_inputs_shape():
    with pytest.raises(ValueError, match="`count_weights` is not used when `output_mode` is not"):
        layers.CategoryEncoding(4)(IDS, count_weights=np.ones(IDS.shape))
    with pytest.raises(ValueError, match=r"`count_weights` must have the shape of the inputs"):
        layers.CategoryEncoding(4, "count")(IDS, count_weights=np.ones(3))


@pytest.mark.parametrize("mode", ["multi_hot", "count"])
def test_multi_hot_and_count_take_inputs_up_to_rank_2(mode):
    layer = layers.CategoryEncoding(4, mode, name="ce")
    with pytest.raises(ValueError, match="CategoryEncoding 'ce'.*must have rank 2 or less"):
        layer(np.zeros((2, 3, 2), int))
    with pytest.raises(ValueError, match="rank 2 or less"):
        keras.Sequential([keras.Input((3, 2)), layer])
    assert layers.CategoryEncoding(4, "one_hot")(np.zeros((2, 3, 2), int)).shape == (2, 3, 2, 4)


# ------------------------------------------------------------------------------------- in models
def test_a_model_trains_below_it_and_checks_the_ids_before_the_first_batch():
    x = np.array([[0, 2], [1, 1], [2, 0], [0, 0]], dtype=float)
    y = np.array([[1.0], [2.0], [3.0], [4.0]])
    model = keras.Sequential([keras.Input((2,)), layers.CategoryEncoding(3, "count"),
                              layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    history = model.fit(x, y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    counts = layers.CategoryEncoding(3, "count")(x)
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               counts @ model.get_weights()[0] + model.get_weights()[1],
                               rtol=1e-6)
    model.set_weights(before)
    with pytest.raises(ValueError, match=r"ids must be in \[0, num_tokens\) = \[0, 3\)"):
        model.fit(x + 1, y, verbose=0)
    for value, expected in zip(model.get_weights(), before):  # nothing moved
        np.testing.assert_array_equal(value, expected)


def test_a_model_refuses_to_train_with_it_above_a_trainable_layer():
    model = keras.Sequential([keras.Input((2,)), layers.Dense(2), layers.CategoryEncoding(3)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(NotImplementedError, match="CategoryEncoding .* has no `backward`: .* step "
                                                  "function"):
        model.fit(np.zeros((4, 2)), np.zeros((4, 3)), verbose=0)


def test_the_config_rebuilds_the_layer():
    layer = layers.CategoryEncoding(6, "one_hot", name="cats", dtype="float64")
    config = layer.get_config()
    assert config["num_tokens"] == 6 and config["output_mode"] == "one_hot"
    assert "sparse" not in config  # as Keras's config
    clone = layers.CategoryEncoding.from_config(config)
    assert clone.get_config() == config
    np.testing.assert_array_equal(clone([1, 5]), layer([1, 5]))
