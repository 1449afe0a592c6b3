"""Embedding and masks: lookups and their scattered gradient, and Keras's ``mask_zero``.

With ``Embedding(mask_zero=True)``, id 0 is padding. The mask ``ids != 0`` flows through the layers
that support masking, makes ``GlobalAveragePooling1D`` average over the real steps only, and, when
the model's output still carries it (sequence outputs), weighs the loss and the metrics as Keras's
``apply_mask`` does: the loss is the mean over unmasked entries, the metrics count unmasked entries
only. A layer that does not support masking drops the mask with Keras's warning.
"""

import warnings

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.utils.gradient_check import model_gradients, numerical_gradient

RTOL = 1e-6
ATOL = 1e-9

IDS = np.array([[3, 1, 4, 1, 5, 0, 0],
                [2, 7, 1, 0, 0, 0, 0],
                [9, 2, 6, 5, 3, 5, 8],
                [1, 0, 0, 0, 0, 0, 0]])


def data(shape, seed=7):
    return np.random.default_rng(seed).standard_normal(shape)


# ============================================================================== Embedding
def test_embedding_looks_up_rows_of_its_table():
    layer = layers.Embedding(10, 4)
    y = layer(IDS)
    assert y.shape == (4, 7, 4)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, layer.embeddings.value[IDS])
    assert layer.compute_output_shape((None, 7)) == (None, 7, 4)


def test_embedding_weight_name_shape_and_default_initializer():
    layer = layers.Embedding(1000, 16)
    layer.build_once((None, 5))
    assert [w.name for w in layer.weights] == ["embeddings"]
    assert layer.embeddings.shape == (1000, 16)
    values = layer.embeddings.value
    assert np.all(np.abs(values) <= 0.05) and values.std() > 0.02  # Keras's "uniform": [-0.05, 0.05]
    config = layer.get_config()
    assert config["embeddings_initializer"]["class_name"] == "RandomUniform"
    assert config["mask_zero"] is False
    assert layers.Embedding.from_config(config).get_config() == config


def test_embedding_input_length_is_ignored_with_keras_s_deprecation_warning():
    """Keras 2 scripts pass ``input_length``; Keras 3 warns, ignores it and builds the model on its
    first data, so the summary before training is an unbuilt model's."""
    with pytest.warns(UserWarning, match=r"^Argument `input_length` is deprecated\. Just remove it\.$"):
        embedding = layers.Embedding(10, 4, input_length=7)
    model = keras.Sequential([embedding, layers.GlobalAveragePooling1D(), layers.Dense(1)])
    assert not model.built and "input_length" not in embedding.get_config()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(IDS, np.zeros((4, 1)), verbose=0)
    assert model.built and model.input_shape == (None, 7)


def test_embedding_gradient_adds_up_over_repeated_ids(float64):
    """The table's gradient: each output gradient added to its id's row; rows never used get 0."""
    layer = layers.Embedding(12, 3)
    layer.build_once((None, 7))
    upstream = data(IDS.shape + (3,))
    layer.forward(IDS, training=True)
    assert layer.backward(upstream) is None  # integer ids have no gradient
    (analytic,) = layer.gradients

    def objective():
        return float(np.sum(layer.forward(IDS, training=True) * upstream))

    np.testing.assert_allclose(analytic, numerical_gradient(objective, layer.embeddings.value),
                               rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(analytic[1], upstream[IDS == 1].sum(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(analytic[10:], 0)  # ids 10 and 11 never occur


def test_embedding_accepts_integer_valued_floats_as_fit_passes_them():
    layer = layers.Embedding(10, 2)
    np.testing.assert_array_equal(layer(IDS.astype("float32")), layer(IDS))


@pytest.mark.parametrize("ids", [np.array([[1, 10]]), np.array([[-1, 2]]), np.array([[1.5, 2.0]])])
def test_embedding_rejects_ids_it_cannot_look_up(ids):
    layer = layers.Embedding(10, 2, name="lookup")
    with pytest.raises(ValueError, match="lookup"):
        layer(ids)


@pytest.mark.parametrize("kwargs, argument", [
    (dict(input_dim=0, output_dim=4), "input_dim"), (dict(input_dim=10, output_dim=-1), "output_dim"),
    (dict(input_dim=2.5, output_dim=4), "input_dim"),
])
def test_embedding_rejects_bad_sizes(kwargs, argument):
    with pytest.raises(ValueError, match=argument) as error:
        layers.Embedding(name="table", **kwargs)
    assert "table" in str(error.value)


def test_embedding_inference_writes_nothing():
    layer = layers.Embedding(10, 2)
    layer(IDS)
    before = dict(vars(layer))
    layer.forward(IDS, training=False)
    assert vars(layer).keys() == before.keys()
    assert all(vars(layer)[key] is value for key, value in before.items())


# ============================================================================== masks
def test_mask_zero_masks_the_padding_ids():
    layer = layers.Embedding(10, 2, mask_zero=True)
    np.testing.assert_array_equal(layer.compute_mask(IDS, None), IDS != 0)
    assert layers.Embedding(10, 2).compute_mask(IDS, None) is None


def test_compute_mask_takes_the_inputs_alone_as_the_masking_guide_calls_it():
    """``layer.compute_mask(inputs)``: the incoming mask is optional, as in Keras."""
    ids = np.array([[711, 632, 71, 0], [73, 0, 0, 0]])
    expected = np.array([[True, True, True, False], [True, False, False, False]])
    np.testing.assert_array_equal(layers.Embedding(800, 2, mask_zero=True).compute_mask(ids),
                                  expected)
    steps = np.broadcast_to(ids[..., None], (2, 4, 3)).astype("float32")
    np.testing.assert_array_equal(layers.Masking().compute_mask(steps), expected)
    assert layers.GlobalAveragePooling1D().compute_mask(steps) is None


def test_global_average_pooling_1d_averages_the_unmasked_steps_only(float64):
    model = keras.Sequential([keras.Input((7,)), layers.Embedding(10, 3, mask_zero=True),
                              layers.GlobalAveragePooling1D()])
    table = model.layers[0].embeddings.value
    pooled = model.predict(IDS, verbose=0)
    for row, ids in zip(pooled, IDS):
        np.testing.assert_allclose(row, table[ids[ids != 0]].mean(axis=0), rtol=1e-12)
    # the padding row of the table takes no part at all
    table[0] = 100.0
    np.testing.assert_allclose(model.predict(IDS, verbose=0), pooled, rtol=1e-12)


def test_masked_global_average_pooling_gradients(float64):
    layer = layers.GlobalAveragePooling1D()
    x = data((4, 7, 3))
    mask = IDS != 0
    upstream = data((4, 3), seed=2)
    layer.forward(x, training=True, mask=mask)
    dx = layer.backward(upstream)

    def objective():
        return float(np.sum(layer.forward(x, training=True, mask=mask) * upstream))

    np.testing.assert_allclose(dx, numerical_gradient(objective, x), rtol=RTOL, atol=ATOL)
    assert np.all(dx[~mask] == 0)
    assert layer.compute_mask(x, mask) is None  # the pooled output has no steps left to mask


def test_the_mask_passes_through_masking_layers_and_stops_at_pooling():
    model = keras.Sequential([keras.Input((7,)), layers.Embedding(10, 4, mask_zero=True),
                              layers.Dense(4, activation="relu"), layers.Dropout(0.2),
                              layers.LayerNormalization(), layers.BatchNormalization(),
                              layers.Activation("tanh"), layers.ReLU(), layers.LeakyReLU(),
                              layers.ELU(), layers.PReLU(), layers.Softmax()])
    _, mask, _ = model.forward_details(IDS.astype("float32"))
    np.testing.assert_array_equal(mask, IDS != 0)
    pooled = keras.Sequential([keras.Input((7,)), layers.Embedding(10, 4, mask_zero=True),
                               layers.GlobalAveragePooling1D(), layers.Dense(2)])
    assert pooled.forward_details(IDS.astype("float32"))[1] is None


def test_a_layer_without_mask_support_drops_the_mask_with_keras_warning():
    model = keras.Sequential([keras.Input((7,)), layers.Embedding(10, 4, mask_zero=True),
                              layers.Flatten(name="flat"), layers.Dense(1)])
    with pytest.warns(UserWarning, match="'flat'.*does not support masking"):
        _, mask, _ = model.forward_details(IDS.astype("float32"))
    assert mask is None
    unmasked = keras.Sequential([keras.Input((7,)), layers.Embedding(10, 4),
                                 layers.Flatten(), layers.Dense(1)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        unmasked.predict(IDS, verbose=0)


@pytest.mark.parametrize("conv", [False, True], ids=["dense-relu", "conv1d"])
def test_a_mask_reaching_a_layer_and_its_pooling_is_dropped_with_the_same_warning(conv):
    """The pair runs as one step (ReluMaxPooling, ConvMaxPooling); the mask meets the same layer
    and the same warning as when the two run one by one."""
    middle = (layers.Conv1D(3, 2, name="mid") if conv
              else layers.Dense(3, activation="relu", name="mid"))
    model = keras.Sequential([keras.Input((7,)), layers.Embedding(10, 4, mask_zero=True), middle,
                              layers.MaxPooling1D(2, name="pool"), layers.Flatten()])
    dropper = "mid" if conv else "pool"  # a Dense passes the mask on; a Conv1D drops it
    with pytest.warns(UserWarning, match=f"'{dropper}'.*does not support masking"):
        _, mask, _ = model.forward_details(IDS.astype("float32"), training=True)
    assert mask is None


def sequence_model(units=3):
    """Embedding(mask_zero) -> Dense softmax on every step: a sequence output that keeps the mask."""
    return keras.Sequential([keras.Input((7,)), layers.Embedding(10, 4, mask_zero=True),
                             layers.Dense(units, activation="softmax",
                                          bias_initializer="random_normal")])


def test_the_loss_of_a_sequence_output_is_the_mean_over_unmasked_steps(float64):
    model = sequence_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    labels = np.random.default_rng(0).integers(0, 3, size=IDS.shape)
    probabilities = model.predict(IDS, verbose=0)
    chosen = np.take_along_axis(probabilities, labels[..., None], axis=-1)[..., 0]
    mask = IDS != 0
    expected_loss = -np.log(chosen[mask]).mean()
    expected_accuracy = (probabilities.argmax(-1) == labels)[mask].mean()
    loss, accuracy = model.evaluate(IDS, labels, batch_size=len(IDS), verbose=0)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-12)
    np.testing.assert_allclose(accuracy, expected_accuracy, rtol=1e-12)
    # labels at padded steps count for nothing
    scrambled = np.where(mask, labels, (labels + 1) % 3)
    np.testing.assert_allclose(model.evaluate(IDS, scrambled, batch_size=4, verbose=0),
                               [loss, accuracy], rtol=1e-12)


def test_masked_loss_with_sample_weights(float64):
    model = sequence_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    labels = np.random.default_rng(1).integers(0, 3, size=IDS.shape)
    weights = np.array([1.0, 2.0, 0.5, 3.0])
    probabilities = model.predict(IDS, verbose=0)
    per_step = -np.log(np.take_along_axis(probabilities, labels[..., None], axis=-1)[..., 0])
    mask = IDS != 0
    expected = (per_step * weights[:, None] * mask).sum() / mask.sum()
    loss = model.evaluate(IDS, labels, sample_weight=weights, batch_size=4, verbose=0)
    np.testing.assert_allclose(loss, expected, rtol=1e-12)


def test_masked_sequence_model_gradients(float64):
    model = sequence_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    labels = np.random.default_rng(2).integers(0, 3, size=IDS.shape)
    pairs = model_gradients(model, IDS.astype("float64"), labels)
    for weight, (analytic, numeric) in zip(model.trainable_weights, pairs):
        np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL, err_msg=weight.path)
    embeddings_gradient = pairs[0][0]
    np.testing.assert_array_equal(embeddings_gradient[0], 0)  # padding steps send no gradient


def test_masked_pooling_model_gradients(float64):
    model = keras.Sequential([keras.Input((7,)), layers.Embedding(10, 4, mask_zero=True),
                              layers.BatchNormalization(), layers.GlobalAveragePooling1D(),
                              layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    pairs = model_gradients(model, IDS.astype("float64"), np.array([0, 1, 1, 0]))
    assert len(pairs) == 5
    for weight, (analytic, numeric) in zip(model.trainable_weights, pairs):
        np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL, err_msg=weight.path)


def test_text_classifier_learns_and_ignores_padding_length():
    """Sentiment-like task: the label says whether word 1 or word 2 dominates; lengths vary."""
    rng = np.random.default_rng(0)
    n, length = 400, 12
    lengths = rng.integers(3, length + 1, size=n)
    labels = rng.integers(0, 2, size=n)
    ids = np.zeros((n, length), dtype=int)
    for i in range(n):  # building test data only
        words = rng.integers(3, 20, size=lengths[i])
        words[rng.random(lengths[i]) < 0.5] = 1 + labels[i]
        ids[i, :lengths[i]] = words
    model = keras.Sequential([keras.Input((None,)), layers.Embedding(20, 8, mask_zero=True),
                              layers.GlobalAveragePooling1D(), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(ids, labels, epochs=20, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    # with more padding appended, predictions are unchanged
    padded = np.pad(ids, ((0, 0), (0, 5)))
    np.testing.assert_allclose(model.predict(padded, verbose=0), model.predict(ids, verbose=0),
                               rtol=1e-6)

