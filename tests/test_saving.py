"""Saving and loading: every format round-trips every layer, configs round-trip every object, custom
classes register, resuming training from a file is exact, and files laid out as Keras writes them
(built here with h5py directly) load."""

import json
import sys
import zipfile

import h5py
import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.saving import serialization

MODEL_FORMATS = ["model.keras", "model.h5"]
WEIGHT_FORMATS = ["model.weights.h5", "legacy.h5", "model.keras"]

@keras.saving.register_keras_serializable(package="tests")
def halved(x):
    """A named function for the Lambda example: saved by its registered name."""
    return x / 2.0


def _adapted_discretization():
    """A Discretization whose boundaries were learned: a file keeps them in the config."""
    layer = layers.Discretization(num_bins=4, epsilon=0.05, output_mode="count")
    layer.adapt(np.random.default_rng(4).normal(size=(50, 3)))
    return layer


# One example of every layer handkeras exports, and an input shape for it (batch excluded). A new
# layer plugs into saving by keeping its weights in Keras's order and having a get_config; add it
# here so the round trips below cover it.
LAYER_EXAMPLES = {
    "Activation": (lambda: layers.Activation("tanh"), (5,)),
    "ActivityRegularization": (lambda: layers.ActivityRegularization(l1=0.01, l2=0.02), (4,)),
    "AdaptiveAveragePooling1D": (lambda: layers.AdaptiveAveragePooling1D(4), (6, 3)),
    "AdaptiveAveragePooling2D": (lambda: layers.AdaptiveAveragePooling2D((2, 3)), (5, 4, 2)),
    "AdaptiveAveragePooling3D": (lambda: layers.AdaptiveAveragePooling3D((2, 3, 1)), (4, 5, 3, 2)),
    "AdaptiveMaxPooling1D": (lambda: layers.AdaptiveMaxPooling1D(7), (5, 2)),
    "AdaptiveMaxPooling2D": (lambda: layers.AdaptiveMaxPooling2D(3), (5, 4, 2)),
    "AdaptiveMaxPooling3D": (lambda: layers.AdaptiveMaxPooling3D(2), (3, 5, 4, 2)),
    "AlphaDropout": (lambda: layers.AlphaDropout(0.2, noise_shape=(None, 1, 3), seed=5), (4, 3)),
    "AveragePooling1D": (lambda: layers.AveragePooling1D(2), (6, 3)),
    "AveragePooling2D": (lambda: layers.AveragePooling2D(2, padding="same"), (5, 5, 2)),
    "AveragePooling3D": (lambda: layers.AveragePooling3D(2, padding="same"), (3, 5, 4, 2)),
    "BatchNormalization": (lambda: layers.BatchNormalization(momentum=0.9), (4,)),
    "Bidirectional": (lambda: layers.Bidirectional(layers.GRU(3, return_sequences=True),
                                                   merge_mode="mul"), (5, 2)),
    "CategoryEncoding": (lambda: layers.CategoryEncoding(7, output_mode="count"), (5,)),
    "Conv1D": (lambda: layers.Conv1D(3, 2, activation="relu", kernel_regularizer="l2"), (6, 2)),
    "Conv2D": (lambda: layers.Conv2D(3, (2, 3), strides=(1, 2), padding="same"), (5, 6, 2)),
    "Conv1DTranspose": (lambda: layers.Conv1DTranspose(3, 3, strides=2, output_padding=1,
                                                       kernel_regularizer="l2"), (5, 2)),
    "Conv2DTranspose": (lambda: layers.Conv2DTranspose(3, (3, 2), strides=(2, 1), padding="same",
                                                       activation="relu"), (4, 5, 2)),
    "Conv3D": (lambda: layers.Conv3D(4, (2, 1, 2), padding="same", groups=2,
                                     bias_regularizer="l1"), (3, 4, 3, 2)),
    "Conv3DTranspose": (lambda: layers.Conv3DTranspose(2, 2, strides=(2, 1, 2),
                                                       output_padding=(1, 0, 1),
                                                       activation="tanh"), (2, 3, 2, 3)),
    "CenterCrop": (lambda: layers.CenterCrop(3, 5, data_format="channels_first"), (2, 4, 4)),
    "Cropping1D": (lambda: layers.Cropping1D((1, 2)), (6, 2)),
    "Cropping2D": (lambda: layers.Cropping2D(((1, 0), (0, 2))), (4, 5, 2)),
    "Cropping3D": (lambda: layers.Cropping3D(((1, 0), 1, (0, 2))), (3, 4, 5, 2)),
    "DepthwiseConv1D": (lambda: layers.DepthwiseConv1D(3, depth_multiplier=2, padding="same",
                                                       depthwise_regularizer="l2"), (5, 2)),
    "DepthwiseConv2D": (lambda: layers.DepthwiseConv2D((3, 2), strides=2, activation="relu",
                                                       bias_initializer="random_normal"),
                        (5, 5, 2)),
    "Dense": (lambda: layers.Dense(3, activation="relu", kernel_initializer="he_normal",
                                   bias_regularizer=keras.regularizers.L1L2(0.01, 0.02)), (4,)),
    "Discretization": (lambda: _adapted_discretization(), (3,)),
    "Dropout": (lambda: layers.Dropout(0.3, seed=2), (4,)),
    "EinsumDense": (lambda: layers.EinsumDense("abc,cde->abde", (3, 4, 2), bias_axes="de",
                                               kernel_regularizer="l2"), (3, 5)),
    "ELU": (lambda: layers.ELU(alpha=0.5), (4,)),
    "Embedding": (lambda: layers.Embedding(7, 3), (5,)),
    "Flatten": (lambda: layers.Flatten(), (2, 3)),
    "GRU": (lambda: layers.GRU(3, reset_after=False, return_sequences=True), (5, 2)),
    "GroupNormalization": (lambda: layers.GroupNormalization(2, axis=1, beta_regularizer="l2"),
                           (4, 3)),
    "GaussianDropout": (lambda: layers.GaussianDropout(0.3, seed=1), (4,)),
    "GaussianNoise": (lambda: layers.GaussianNoise(0.5), (4,)),
    "GlobalAveragePooling1D": (lambda: layers.GlobalAveragePooling1D(), (4, 3)),
    "GlobalAveragePooling2D": (lambda: layers.GlobalAveragePooling2D(keepdims=True), (4, 4, 3)),
    "GlobalAveragePooling3D": (lambda: layers.GlobalAveragePooling3D(keepdims=True), (3, 4, 2, 3)),
    "GlobalMaxPooling1D": (lambda: layers.GlobalMaxPooling1D(), (4, 3)),
    "GlobalMaxPooling2D": (lambda: layers.GlobalMaxPooling2D(), (4, 4, 3)),
    "GlobalMaxPooling3D": (lambda: layers.GlobalMaxPooling3D(), (3, 4, 2, 3)),
    "Identity": (lambda: layers.Identity(), (4,)),
    "Lambda": (lambda: layers.Lambda(halved, output_shape=(4,)), (4,)),
    "LayerNormalization": (lambda: layers.LayerNormalization(epsilon=1e-4), (4,)),
    "LSTM": (lambda: layers.LSTM(3, recurrent_dropout=0.2, seed=1, return_sequences=True),
             (5, 2)),
    "LeakyReLU": (lambda: layers.LeakyReLU(negative_slope=0.1), (4,)),
    "Masking": (lambda: layers.Masking(mask_value=0.5), (5, 3)),
    "MaxPooling1D": (lambda: layers.MaxPooling1D(2, strides=1), (5, 2)),
    "MaxPooling2D": (lambda: layers.MaxPooling2D((2, 2)), (4, 4, 2)),
    "MaxPooling3D": (lambda: layers.MaxPooling3D((2, 2, 1), strides=1), (3, 4, 2, 2)),
    "AutoContrast": (lambda: layers.AutoContrast(value_range=(-1, 1)), (4, 4, 3)),
    "CutMix": (lambda: layers.CutMix((0.2, 0.5), seed=3), (4, 4, 3)),
    "Equalization": (lambda: layers.Equalization((0, 1), bins=64), (4, 4, 3)),
    "MixUp": (lambda: layers.MixUp(0.4), (4, 4, 3)),
    "Solarization": (lambda: layers.Solarization(0.2, (0.4, 0.6), value_range=(0, 1)),
                     (4, 4, 3)),
    "Normalization": (lambda: layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 5.0, 6.0]),
                      (3,)),
    "Permute": (lambda: layers.Permute((3, 1, 2)), (2, 3, 4)),
    "Pipeline": (lambda: layers.Pipeline([layers.RandomFlip(seed=1), layers.Conv2D(2, 1),
                                          layers.AutoContrast()]), (4, 4, 3)),
    "PReLU": (lambda: layers.PReLU(), (4,)),
    "RandomBrightness": (lambda: layers.RandomBrightness((-0.1, 0.3), value_range=(0, 1)),
                         (4, 4, 3)),
    "RandomColorDegeneration": (lambda: layers.RandomColorDegeneration(0.3, seed=2),
                                (4, 4, 3)),
    "RandomContrast": (lambda: layers.RandomContrast(0.2, value_range=[0, 1], seed=4),
                       (4, 4, 3)),
    "RandomCrop": (lambda: layers.RandomCrop(3, 2, data_format="channels_first"), (2, 4, 4)),
    "RandomErasing": (lambda: layers.RandomErasing(0.5, fill_value=[1, 2, 3],
                                                   value_range=[0, 255]), (4, 4, 3)),
    "RandomFlip": (lambda: layers.RandomFlip("vertical", seed=1), (4, 4, 3)),
    "RandomGaussianBlur": (lambda: layers.RandomGaussianBlur(kernel_size=5, sigma=(0.2, 0.7),
                                                             value_range=[0, 255]),
                           (5, 5, 2)),
    "RandomGrayscale": (lambda: layers.RandomGrayscale(0.3, data_format="channels_first"),
                        (3, 4, 4)),
    "RandomHue": (lambda: layers.RandomHue(0.3, value_range=[0, 1], seed=2), (4, 4, 3)),
    "RandomInvert": (lambda: layers.RandomInvert((0.2, 0.6), value_range=[0, 1]), (4, 4, 3)),
    "RandomPosterization": (lambda: layers.RandomPosterization((2, 6), seed=3), (4, 4, 3)),
    "RandomSaturation": (lambda: layers.RandomSaturation((0.3, 0.6)), (4, 4, 3)),
    "RandomSharpness": (lambda: layers.RandomSharpness((0.2, 0.6), value_range=(0, 1)),
                        (4, 4, 3)),
    "RandomShear": (lambda: layers.RandomShear(0.1, (0.1, 0.2), fill_mode="constant"),
                    (4, 4, 3)),
    "RandomRotation": (lambda: layers.RandomRotation((-0.1, 0.2), fill_mode="constant",
                                                     fill_value=1.0), (4, 4, 3)),
    "RandomTranslation": (lambda: layers.RandomTranslation(0.1, [0.2, 0.3], fill_mode="wrap",
                                                           interpolation="nearest"), (4, 4, 3)),
    "RandomZoom": (lambda: layers.RandomZoom(0.2, width_factor=[-0.1, 0.3]), (4, 4, 3)),
    "ReLU": (lambda: layers.ReLU(max_value=2.0), (4,)),
    "RepeatVector": (lambda: layers.RepeatVector(3), (4,)),
    "Rescaling": (lambda: layers.Rescaling(np.array([0.5, 2.0, 4.0]), offset=-1.0), (2, 3)),
    "Reshape": (lambda: layers.Reshape((3, 2)), (6,)),
    "RNN": (lambda: layers.RNN(layers.StackedRNNCells([
        layers.LSTMCell(3, dropout=0.2, seed=1), layers.GRUCell(2, reset_after=False),
        layers.SimpleRNNCell(3, bias_regularizer="l2")]), return_sequences=True), (5, 2)),
    "RMSNormalization": (lambda: layers.RMSNormalization(axis=[1, 2], epsilon=1e-3), (3, 4)),
    "Resizing": (lambda: layers.Resizing(3, 5, interpolation="nearest", pad_to_aspect_ratio=True,
                                         fill_value=0.5), (4, 4, 3)),
    "SeparableConv1D": (lambda: layers.SeparableConv1D(3, 2, strides=2, depth_multiplier=2,
                                                       pointwise_constraint="non_neg"), (6, 2)),
    "SeparableConv2D": (lambda: layers.SeparableConv2D(3, 3, padding="same", activation="tanh",
                                                       bias_initializer="random_normal"),
                        (4, 5, 2)),
    "SimpleRNN": (lambda: layers.SimpleRNN(3, go_backwards=True, bias_regularizer="l2"), (5, 2)),
    "Softmax": (lambda: layers.Softmax(), (4,)),
    "SpatialDropout1D": (lambda: layers.SpatialDropout1D(0.3, seed=2), (5, 3)),
    "SpatialDropout2D": (lambda: layers.SpatialDropout2D(0.3), (4, 4, 3)),
    "SpectralNormalization": (lambda: layers.SpectralNormalization(
        layers.Conv1D(2, 2, activation="relu"), power_iterations=2), (5, 2)),
    "TimeDistributed": (lambda: layers.TimeDistributed(layers.Conv1D(2, 2, activation="relu")),
                        (3, 5, 2)),
    "UnitNormalization": (lambda: layers.UnitNormalization(axis=[1, 2]), (3, 4)),
    "UpSampling1D": (lambda: layers.UpSampling1D(3), (4, 2)),
    "UpSampling2D": (lambda: layers.UpSampling2D((2, 1)), (2, 3, 2)),
    "UpSampling3D": (lambda: layers.UpSampling3D((2, 1, 3)), (2, 3, 2, 2)),
    "ZeroPadding1D": (lambda: layers.ZeroPadding1D((2, 1)), (4, 2)),
    "ZeroPadding2D": (lambda: layers.ZeroPadding2D(((1, 0), (0, 2))), (2, 3, 2)),
    "ZeroPadding3D": (lambda: layers.ZeroPadding3D(((1, 0), 2, (0, 1))), (2, 3, 2, 2)),
}
NOT_LAYERS = {"Layer", "InputLayer", "Sequential",
              # cells take one time step: saved inside an RNN, whose example holds all four
              "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells"}


def _input_for(shape, count=5, layer=None):
    rng = np.random.default_rng(3)
    if isinstance(layer, (layers.Embedding, layers.CategoryEncoding)):
        return rng.integers(0, 7, (count,) + shape).astype(keras.config.floatx())
    return rng.normal(size=(count,) + shape).astype(keras.config.floatx())


def _randomize(model):
    """Distinct random values in every weight, so a weight loaded into the wrong place shows."""
    rng = np.random.default_rng(11)
    for layer in model.layers:
        values = [rng.uniform(0.5, 1.5, w.shape) for w in layer.weights]
        layer.set_weights(values)


def _save(model, path, kind):
    if kind == "weights":
        model.save_weights(path)
    else:
        model.save(path)


def _weights_equal(a, b):
    return len(a.weights) == len(b.weights) and all(
        np.array_equal(x.value, y.value) and x.value.dtype == y.value.dtype
        for x, y in zip(a.weights, b.weights))


def every_layer_model():
    """One model with every core layer and a nested Sequential."""
    return keras.Sequential([
        keras.Input(shape=(6,)),
        layers.Dense(12, activation="relu", kernel_regularizer="l2"),
        layers.Dropout(0.2, seed=1),
        layers.Reshape((3, 4)),
        layers.Flatten(),
        layers.Activation("tanh"),
        keras.Sequential([layers.Dense(5), layers.Dense(4, activation="sigmoid")]),
        layers.Dense(3),
        layers.Softmax(),
    ])


# --------------------------------------------------------------------------------------- round trips
def test_every_exported_layer_has_a_round_trip_example():
    exported = set(serialization.builtin_classes("layer")) - NOT_LAYERS
    missing = sorted(exported - set(LAYER_EXAMPLES))
    assert not missing, f"add an example of {missing} to LAYER_EXAMPLES in tests/test_saving.py"


@pytest.mark.parametrize("name", sorted(LAYER_EXAMPLES))
@pytest.mark.parametrize("filename", MODEL_FORMATS)
def test_load_model_rebuilds_each_layer_with_its_weights(tmp_path, name, filename):
    factory, shape = LAYER_EXAMPLES[name]
    model = keras.Sequential([keras.Input(shape=shape), factory()])
    _randomize(model)
    x = _input_for(shape, layer=model.layers[0])
    path = tmp_path / filename
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.layers[0]) is type(model.layers[0])
    assert loaded.get_config() == model.get_config()
    assert _weights_equal(loaded, model)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("name", sorted(LAYER_EXAMPLES))
@pytest.mark.parametrize("filename", WEIGHT_FORMATS)
def test_load_weights_restores_each_layer(tmp_path, name, filename):
    factory, shape = LAYER_EXAMPLES[name]
    model = keras.Sequential([keras.Input(shape=shape), factory()])
    _randomize(model)
    path = tmp_path / filename
    _save(model, path, "model" if filename.endswith(".keras") else "weights")
    fresh = keras.Sequential.from_config(model.get_config())
    fresh.load_weights(path)
    assert _weights_equal(fresh, model)


@pytest.mark.parametrize("filename", MODEL_FORMATS)
def test_every_layer_model_with_nested_sequential_round_trips(tmp_path, filename):
    model = every_layer_model()
    _randomize(model)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    x = _input_for((6,), 16)
    y = keras.utils.to_categorical(np.arange(16) % 3, 3)
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    model.save(tmp_path / filename)
    loaded = keras.models.load_model(tmp_path / filename)
    assert isinstance(loaded.layers[5], keras.Sequential)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert loaded.get_config() == model.get_config()
    assert _weights_equal(loaded, model)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.metrics_names == model.metrics_names
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)


def test_seed_article_network_saved_and_reloaded_predicts_the_same(tmp_path):
    """The 4-16-8-3 relu/relu/sigmoid network of the backprop article."""
    x, target = np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[0.1, 0.1, 0.6]])
    model = keras.Sequential([
        keras.Input(shape=(4,)),
        layers.Dense(16, activation="relu"),
        layers.Dense(8, activation="relu"),
        layers.Dense(3, activation="sigmoid"),
    ])
    model.compile(loss="mse", lr=0.1)
    model.fit(x, target, epochs=50, verbose=0)
    model.save(tmp_path / "article.keras")
    model.save_weights(tmp_path / "article.weights.h5")
    reloaded = keras.models.load_model(tmp_path / "article.keras")
    fresh = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(16, activation="relu"),
                              layers.Dense(8, activation="relu"), layers.Dense(3, activation="sigmoid")])
    fresh.load_weights(tmp_path / "article.weights.h5")
    expected = model.predict(x, verbose=0)
    np.testing.assert_array_equal(reloaded.predict(x, verbose=0), expected)
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), expected)


def test_float64_weights_load_into_a_float32_model_cast_to_floatx(tmp_path):
    keras.config.set_floatx("float64")
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
    _randomize(model)
    model.save_weights(tmp_path / "w.weights.h5")
    keras.config.set_floatx("float32")
    fresh = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
    fresh.load_weights(tmp_path / "w.weights.h5")
    assert fresh.weights[0].value.dtype == np.float32
    np.testing.assert_array_equal(fresh.weights[0].value, model.weights[0].value.astype(np.float32))


def test_unbuilt_model_saves_its_config_and_loads_unbuilt(tmp_path):
    model = keras.Sequential([layers.Dense(3), layers.Dense(1)])
    model.save(tmp_path / "unbuilt.keras")
    loaded = keras.models.load_model(tmp_path / "unbuilt.keras")
    assert not loaded.built and [type(layer) for layer in loaded.layers] == [layers.Dense] * 2
    with pytest.raises(ValueError, match="not yet been built"):
        model.save_weights(tmp_path / "unbuilt.weights.h5")


def test_model_built_from_data_without_input_layer_round_trips(tmp_path):
    model = keras.Sequential([layers.Dense(3), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = _input_for((4,), 8)
    model.fit(x, x[:, :1], verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.built and loaded.input_shape == (None, 4)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_saving_pathlib_and_str_paths_and_creating_folders(tmp_path):
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1)])
    model.save(str(tmp_path / "new" / "folder" / "m.keras"))
    assert keras.saving.load_model(tmp_path / "new" / "folder" / "m.keras").get_config() == model.get_config()


def test_file_names_choose_the_format_as_in_keras(tmp_path):
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1)])
    with pytest.raises(ValueError, match="Invalid filepath extension"):
        model.save(tmp_path / "m.tf")
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        model.save_weights(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="File format not supported"):
        keras.models.load_model(tmp_path / "m.pb")
    model.save(tmp_path / "m.hdf5")
    assert keras.models.load_model(tmp_path / "m.hdf5").get_config() == model.get_config()


def test_overwrite_false_refuses_an_existing_file(tmp_path):
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1)])
    model.save_weights(tmp_path / "w.weights.h5")
    before = (tmp_path / "w.weights.h5").read_bytes()
    with pytest.raises(FileExistsError):
        model.save_weights(tmp_path / "w.weights.h5", overwrite=False)
    assert (tmp_path / "w.weights.h5").read_bytes() == before


# --------------------------------------------------------------------------------------- keras layouts
def test_weights_file_has_the_keras_3_layout(tmp_path):
    model = every_layer_model()
    model.compile(optimizer="adam", loss="mse")
    model.fit(_input_for((6,), 4), np.zeros((4, 3)), verbose=0)
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        assert sorted(f["layers"]) == ["activation", "dense", "dense_1", "dropout", "flatten",
                                       "reshape", "sequential", "softmax"]
        assert f["layers/dense_1/vars"].attrs["name"] == model.layers[6].name
        assert f["layers/dense/vars/0"].shape == (6, 12) and f["layers/dense/vars/1"].shape == (12,)
        assert f["layers/sequential/layers/dense_1/vars/0"].shape == (5, 4)
        assert len(f["layers/dropout/vars"]) == 0
        assert f["vars"].attrs["name"] == model.name
        optimizer_vars = f["optimizer/vars"]
        assert int(optimizer_vars["0"][()]) == 1  # iterations
        assert np.isclose(optimizer_vars["1"][()], 0.001)  # learning rate
        # then m, v per variable: kernel, bias of each Dense, in model order
        shapes = [optimizer_vars[str(i)].shape for i in range(2, len(optimizer_vars))]
        assert shapes == [(6, 12), (6, 12), (12,), (12,), (12, 5), (12, 5), (5,), (5,),
                          (5, 4), (5, 4), (4,), (4,), (4, 3), (4, 3), (3,), (3,)]
        assert f["layers/dense/vars/0"].fletcher32


def test_legacy_weights_file_has_keras_2_layout_and_keras_order(tmp_path):
    model = every_layer_model()
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:
        names = [n.decode() for n in f.attrs["layer_names"]]
        assert names == [layer.name for layer in model.layers]
        dense = model.layers[0]
        group = f[dense.name]
        assert [n.decode() for n in group.attrs["weight_names"]] == [
            f"{model.name}/{dense.name}/kernel", f"{model.name}/{dense.name}/bias"]
        nested = model.layers[5]
        assert len(f[nested.name].attrs["weight_names"]) == 4
        assert len(f[model.layers[1].name].attrs["weight_names"]) == 0


def test_whole_model_h5_has_model_and_training_config(tmp_path):
    model = every_layer_model()
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="mse", metrics=["mae"])
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        config = json.loads(f.attrs["model_config"])
        assert config["class_name"] == "Sequential"
        assert [layer["class_name"] for layer in config["config"]["layers"]][:3] == [
            "InputLayer", "Dense", "Dropout"]
        assert config["config"]["layers"][0]["config"]["batch_shape"] == [None, 6]
        assert "module" not in config["config"]["layers"][1]
        training = json.loads(f.attrs["training_config"])
        assert training["optimizer_config"]["class_name"] == "SGD"
        assert training["loss"]["class_name"] == "MeanSquaredError"
        assert training["metrics"] == ["mae"]
        assert "layer_names" in f["model_weights"].attrs
        assert "optimizer_weights" in f


def test_whole_model_h5_names_the_optimizer_weights_by_their_paths(tmp_path):
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1, name="out")], name="net")
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="mse")
    model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        names = [n.decode() for n in f["optimizer_weights"].attrs["weight_names"]]
        weight_names = [n.decode() for n in f["model_weights/out"].attrs["weight_names"]]
    assert names == ["sgd/iteration", "sgd/learning_rate", "sgd/net_out_kernel_momentum",
                     "sgd/net_out_bias_momentum"]
    assert weight_names == ["net/out/kernel", "net/out/bias"]


def test_keras_archive_holds_config_metadata_and_weights(tmp_path):
    model = every_layer_model()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        config = json.loads(archive.read("config.json"))
        metadata = json.loads(archive.read("metadata.json"))
    assert config["module"] == "keras" and config["class_name"] == "Sequential"
    dense = config["config"]["layers"][1]
    assert dense["module"] == "keras.layers" and dense["registered_name"] is None
    assert dense["build_config"] == {"input_shape": [None, 6]}
    assert dense["config"]["dtype"]["class_name"] == "DTypePolicy"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert config["compile_config"]["metrics"] == ["accuracy"]
    assert "keras_version" in metadata


def _keras_file(path, model_layers, optimizer_values=None):
    """A .weights.h5 file written as Keras 3 writes it: no checksums, str attributes, int32 counter."""
    with h5py.File(path, "w") as f:
        f.create_group("vars").attrs["name"] = "sequential"
        for key, name, values in model_layers:
            group = f.create_group(f"layers/{key}/vars")
            group.attrs["name"] = name
            for i, value in enumerate(values):
                group[str(i)] = value
        if optimizer_values is not None:
            group = f.create_group("optimizer/vars")
            group.attrs["name"] = "adam"
            for i, value in enumerate(optimizer_values):
                group[str(i)] = value


def test_loads_a_weights_file_written_as_keras_writes_it(tmp_path):
    rng = np.random.default_rng(0)
    k0, b0, k1, b1 = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(3, 2)), rng.normal(size=2)
    m = [rng.normal(size=v.shape) for v in (k0, k0, b0, b0, k1, k1, b1, b1)]
    _keras_file(tmp_path / "k.weights.h5",
                [("dense", "dense_9", [k0, b0]), ("dropout", "dropout_3", []),
                 ("dense_1", "dense_10", [k1, b1])],
                [np.int32(7), np.float32(0.01)] + m)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3), layers.Dropout(0.5),
                              layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model.load_weights(tmp_path / "k.weights.h5")
    for variable, expected in zip(model.weights, (k0, b0, k1, b1)):
        np.testing.assert_array_equal(variable.value, expected.astype(np.float32))
    assert model.optimizer.iterations == 7
    slots = model.optimizer.variables[2:]
    for slot, expected in zip(slots, m):
        np.testing.assert_array_equal(slot, expected.astype(np.float32))


def test_weights_keys_are_sorted_as_numbers_not_text(tmp_path):
    """A layer with 12 weights: HDF5 lists its keys 0, 1, 10, 11, 2, ...; they load in numeric order."""

    class Many(layers.Layer):
        def build(self, input_shape):
            self.parts = [self.add_weight((2,), "zeros", name=f"w{i}") for i in range(12)]

        def forward(self, x, training=False):
            return x + sum(p.value for p in self.parts)

    values = [np.full((2,), i, np.float32) for i in range(12)]
    _keras_file(tmp_path / "k.weights.h5", [("many", "many", values)])
    model = keras.Sequential([keras.Input(shape=(2,)), Many()])
    model.load_weights(tmp_path / "k.weights.h5")
    assert [float(w.value[0]) for w in model.weights] == list(range(12))


def _legacy_group(group, model_layers, name_prefix="", chunked=False):
    """Legacy weights written as Keras 2 wrote them: vlen str names, ':0' suffixes."""
    names = [name for name, _ in model_layers]
    if chunked:
        group.attrs["layer_names0"] = [n.encode() for n in names[:1]]
        group.attrs["layer_names1"] = [n.encode() for n in names[1:]]
    else:
        group.attrs["layer_names"] = [n.encode() for n in names]
    group.attrs["keras_version"] = b"2.13.1"
    group.attrs["backend"] = b"tensorflow"
    for name, weights in model_layers:
        layer_group = group.create_group(name)
        layer_group.attrs["weight_names"] = [f"{name}/{w}:0".encode() for w, _ in weights]
        for w, value in weights:
            layer_group[f"{name}/{w}:0"] = value


def test_loads_a_keras_2_weights_file_by_position_in_weight_names_order(tmp_path):
    rng = np.random.default_rng(1)
    k0, b0, k1, b1 = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(3, 2)), rng.normal(size=2)
    with h5py.File(tmp_path / "k2.h5", "w") as f:
        _legacy_group(f, [("dense_7", [("kernel", k0), ("bias", b0)]), ("dropout_1", []),
                          ("output", [("kernel", k1), ("bias", b1)])], chunked=True)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3), layers.Dense(2)])
    model.load_weights(tmp_path / "k2.h5")
    for variable, expected in zip(model.weights, (k0, b0, k1, b1)):
        np.testing.assert_array_equal(variable.value, expected.astype(np.float32))


def test_legacy_weights_follow_weight_names_order_not_key_order(tmp_path):
    """Same-shaped weights listed in a different order load in the listed order (Keras does not
    check, so a file listing them swapped loads swapped: the order is the file's contract)."""
    a, b = np.ones((3,)), np.full((3,), 2.0)

    class Two(layers.Layer):
        def build(self, input_shape):
            self.first = self.add_weight((3,), "zeros", name="first")
            self.second = self.add_weight((3,), "zeros", name="second")

        def forward(self, x, training=False):
            return x * self.first.value + self.second.value

    with h5py.File(tmp_path / "two.h5", "w") as f:
        f.attrs["layer_names"] = [b"two"]
        group = f.create_group("two")
        group.attrs["weight_names"] = [b"two/zz_first:0", b"two/aa_second:0"]
        group["two/zz_first:0"] = a
        group["two/aa_second:0"] = b
    model = keras.Sequential([keras.Input(shape=(3,)), Two()])
    model.load_weights(tmp_path / "two.h5")
    np.testing.assert_array_equal(model.layers[0].first.value, a)
    np.testing.assert_array_equal(model.layers[0].second.value, b)
    x = np.ones((1, 3), np.float32)
    np.testing.assert_array_equal(model.predict(x, verbose=0), [[3.0, 3.0, 3.0]])


def test_loads_a_keras_2_whole_model_file(tmp_path):
    rng = np.random.default_rng(2)
    k0, b0, k1, b1 = rng.normal(size=(4, 5)), rng.normal(size=5), rng.normal(size=(5, 3)), rng.normal(size=3)
    model_config = {"class_name": "Sequential", "config": {"name": "sequential_4", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32",
                                                "sparse": False, "ragged": False, "name": "dense_input"}},
        {"class_name": "Dense", "config": {
            "name": "dense", "trainable": True, "dtype": "float32", "units": 5, "activation": "relu",
            "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
            "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
            "bias_constraint": None}},
        {"class_name": "Dense", "config": {
            "name": "dense_1", "trainable": True, "dtype": "float32", "units": 3, "activation": "softmax",
            "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
            "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
            "bias_constraint": None}}]}}
    training_config = {"loss": "categorical_crossentropy", "metrics": [[{
        "class_name": "MeanMetricWrapper", "config": {"name": "accuracy", "dtype": "float32",
                                                      "fn": "categorical_accuracy"}}]],
        "weighted_metrics": None, "loss_weights": None,
        "optimizer_config": {"class_name": "SGD", "config": {
            "name": "SGD", "learning_rate": 0.05, "momentum": 0.9, "nesterov": False}}}
    with h5py.File(tmp_path / "k2model.h5", "w") as f:
        f.attrs["model_config"] = json.dumps(model_config).encode()
        f.attrs["training_config"] = json.dumps(training_config)
        f.attrs["keras_version"] = "2.13.1"
        _legacy_group(f.create_group("model_weights"),
                      [("dense", [("kernel", k0), ("bias", b0)]),
                       ("dense_1", [("kernel", k1), ("bias", b1)])])
        group = f.create_group("optimizer_weights")
        names = ["SGD/iter:0", "SGD/learning_rate:0", "SGD/m0:0", "SGD/m1:0", "SGD/m2:0", "SGD/m3:0"]
        group.attrs["weight_names"] = [n.encode() for n in names]
        for name, value in zip(names, [np.int64(12), np.float32(0.05), k0 * 0 + 1, b0 * 0 + 2,
                                       k1 * 0 + 3, b1 * 0 + 4]):
            group[name] = value
    model = keras.models.load_model(tmp_path / "k2model.h5")
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]
    assert model.input_shape == (None, 4)
    for variable, expected in zip(model.weights, (k0, b0, k1, b1)):
        np.testing.assert_array_equal(variable.value, expected.astype(np.float32))
    assert isinstance(model.optimizer, keras.optimizers.SGD) and model.optimizer.momentum == 0.9
    assert model.optimizer.iterations == 12
    assert [float(np.ravel(slot)[0]) for slot in model.optimizer.variables[2:]] == [1, 2, 3, 4]
    assert model.metrics_names == ["loss", "accuracy"]
    x = rng.normal(size=(2, 4))
    expected = np.maximum(x @ k0 + b0, 0) @ k1 + b1
    expected = np.exp(expected) / np.exp(expected).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5)


# --------------------------------------------------------------------------------------- configs
def _config_round_trip(obj):
    serialized = keras.saving.serialize_keras_object(obj)
    from_file = json.loads(json.dumps(serialized))  # as a saved file gives it back: tuples are lists
    assert keras.saving.deserialize_keras_object(serialized).get_config() == obj.get_config()
    rebuilt = keras.saving.deserialize_keras_object(from_file)  # its module names its kind
    assert type(rebuilt) is type(obj)
    assert rebuilt.get_config() == obj.get_config()
    return rebuilt


@pytest.mark.parametrize("name", sorted(LAYER_EXAMPLES))
def test_every_layer_config_round_trips(name):
    layer = LAYER_EXAMPLES[name][0]()
    _config_round_trip(layer)
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


OPTIMIZER_EXAMPLES = {
    "SGD": lambda: keras.optimizers.SGD(0.1, momentum=0.5, nesterov=True, clipnorm=1.0),
    "Adam": lambda: keras.optimizers.Adam(0.01, beta_1=0.8, amsgrad=True),
    "AdamW": lambda: keras.optimizers.AdamW(weight_decay=0.01),
    "RMSprop": lambda: keras.optimizers.RMSprop(momentum=0.9, centered=True, clipvalue=0.5),
    "Adagrad": lambda: keras.optimizers.Adagrad(initial_accumulator_value=0.2),
    "Adadelta": lambda: keras.optimizers.Adadelta(rho=0.9),
    "Adamax": lambda: keras.optimizers.Adamax(global_clipnorm=2.0),
    "Nadam": lambda: keras.optimizers.Nadam(),
    "Lion": lambda: keras.optimizers.Lion(beta_2=0.9, weight_decay=0.1),
    "Lamb": lambda: keras.optimizers.Lamb(epsilon=1e-6, clipnorm=1.0),
    "Ftrl": lambda: keras.optimizers.Ftrl(l1_regularization_strength=0.01, beta=0.1),
    "Adafactor": lambda: keras.optimizers.Adafactor(clip_threshold=2.0, relative_step=False),
}


def test_every_optimizer_has_a_config_example():
    exported = set(serialization.builtin_classes("optimizer")) - {"Optimizer"}
    assert exported <= set(OPTIMIZER_EXAMPLES), sorted(exported - set(OPTIMIZER_EXAMPLES))


@pytest.mark.parametrize("name", sorted(OPTIMIZER_EXAMPLES))
def test_every_optimizer_config_round_trips(name):
    _config_round_trip(OPTIMIZER_EXAMPLES[name]())


def test_optimizer_with_a_schedule_round_trips():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9, staircase=True)
    rebuilt = _config_round_trip(keras.optimizers.SGD(schedule))
    assert rebuilt.get_config()["learning_rate"]["class_name"] == "ExponentialDecay"


@pytest.mark.parametrize("kind", ["loss", "metric", "initializer", "regularizer", "schedule"])
def test_every_builtin_object_config_round_trips(kind):
    examples = {
        "ExponentialDecay": (0.1, 10, 0.5), "InverseTimeDecay": (0.1, 10, 0.5),
        "PiecewiseConstantDecay": ([10], [0.1, 0.01]), "PolynomialDecay": (0.1, 100),
        "CosineDecay": (0.1, 100), "CosineDecayRestarts": (0.1, 100),
        "PrecisionAtRecall": (0.5,), "RecallAtPrecision": (0.5,),
        "SensitivityAtSpecificity": (0.5,), "SpecificityAtSensitivity": (0.5,),
        "IoU": (3, [0, 2]), "MeanIoU": (3,), "OneHotIoU": (3, [1]), "OneHotMeanIoU": (3,),
    }
    skip = {"Loss", "LossFunctionWrapper", "Metric", "MeanMetricWrapper", "Initializer",
            "RandomInitializer", "Regularizer", "LearningRateSchedule"}
    classes = {name: cls for name, cls in serialization.builtin_classes(kind).items() if name not in skip}
    assert classes
    for name, cls in classes.items():
        _config_round_trip(cls(*examples.get(name, ())))


def test_dtype_policy_dicts_and_keras_only_defaults_are_accepted():
    config = {"name": "d", "trainable": False, "units": 2,
              "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float64"},
                        "registered_name": None, "shared_object_id": 1},
              "quantization_config": None,
              "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                     "config": {"seed": 3, "input_axes": None, "output_axes": None},
                                     "registered_name": None}}
    layer = layers.Dense.from_config(config)
    assert layer.dtype == "float64" and layer.trainable is False and layer.kernel_initializer.seed == 3
    with pytest.raises(ValueError, match="mixed_float16|DTypePolicy"):
        layers.Dense.from_config({**config, "dtype": {"class_name": "QuantizedDTypePolicy",
                                                      "config": {"name": "int8"}}})


# --------------------------------------------------------------------------------------- custom objects
@keras.saving.register_keras_serializable(package="SavingTests")
class ScaleLayer(layers.Layer):
    """y = x * scale, with a trainable scale per feature."""

    def __init__(self, initial=2.0, **kwargs):
        super().__init__(**kwargs)
        self.initial = initial

    def build(self, input_shape):
        self.scale = self.add_weight((input_shape[-1],), keras.initializers.Constant(self.initial), name="scale")

    def forward(self, x, training=False):
        if training:
            self._x = x
        return x * self.scale.value

    def backward(self, dy, input_gradient=True):
        self.gradients = [(dy * self._x).sum(axis=0)]
        return dy * self.scale.value if input_gradient else None

    def get_config(self):
        return {**super().get_config(), "initial": self.initial}


class UnregisteredLayer(ScaleLayer):
    pass


def test_registered_custom_layer_is_saved_under_its_registered_name(tmp_path):
    assert keras.saving.get_registered_name(ScaleLayer) == "SavingTests>ScaleLayer"
    assert keras.saving.get_registered_object("SavingTests>ScaleLayer") is ScaleLayer
    # Keras's order: the registered object, then custom_objects, then module_objects.
    assert keras.saving.get_registered_object(
        "SavingTests>ScaleLayer", {"SavingTests>ScaleLayer": int}) is ScaleLayer
    assert keras.saving.get_registered_object("Other", None, {"Other": float}) is float
    model = keras.Sequential([keras.Input(shape=(3,)), ScaleLayer(3.0), layers.Dense(1)])
    model.save(tmp_path / "custom.keras")
    model.save(tmp_path / "custom.h5")
    with zipfile.ZipFile(tmp_path / "custom.keras") as archive:
        entry = json.loads(archive.read("config.json"))["config"]["layers"][1]
    assert entry["registered_name"] == "SavingTests>ScaleLayer" and entry["class_name"] == "ScaleLayer"
    with h5py.File(tmp_path / "custom.h5", "r") as f:
        legacy_entry = json.loads(f.attrs["model_config"])["config"]["layers"][1]
    assert legacy_entry["class_name"] == "SavingTests>ScaleLayer"  # Keras's legacy form


@pytest.mark.parametrize("filename", MODEL_FORMATS)
def test_registered_custom_layer_round_trips_without_custom_objects(tmp_path, filename):
    model = keras.Sequential([keras.Input(shape=(3,)), ScaleLayer(3.0), layers.Dense(1)])
    model.save(tmp_path / filename)
    loaded = keras.models.load_model(tmp_path / filename)
    assert isinstance(loaded.layers[0], ScaleLayer) and loaded.layers[0].initial == 3.0
    assert _weights_equal(loaded, model)


@pytest.mark.parametrize("filename", MODEL_FORMATS)
def test_unknown_class_is_named_with_how_to_register_it(tmp_path, filename):
    model = keras.Sequential([keras.Input(shape=(3,)), UnregisteredLayer(), layers.Dense(1)])
    model.save(tmp_path / filename)
    with pytest.raises(ValueError, match=r"UnregisteredLayer.*register_keras_serializable.*custom_objects"):
        keras.models.load_model(tmp_path / filename)
    loaded = keras.models.load_model(tmp_path / filename,
                                     custom_objects={"UnregisteredLayer": UnregisteredLayer})
    assert isinstance(loaded.layers[0], UnregisteredLayer)
    assert _weights_equal(loaded, model)


def test_custom_registered_initializer_and_activation_in_a_layer_config(tmp_path):
    @keras.saving.register_keras_serializable(package="SavingTests")
    class HalfInit(keras.initializers.Initializer):
        def __call__(self, shape, dtype=None):
            return np.full(shape, 0.5, dtype=dtype or keras.config.floatx())

    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(2, kernel_initializer=HalfInit())])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.layers[0].kernel_initializer, HalfInit)


def test_a_layer_config_names_registered_initializers_and_regularizers_as_keras_does():
    # register_keras_serializable's docstring: the registered name is what configs hold, and
    # Dense.from_config(layer.get_config()) finds the class again with no custom_objects.
    @keras.saving.register_keras_serializable(package="SavingTests")
    class QuarterInit(keras.initializers.Initializer):
        def __call__(self, shape, dtype=None):
            return np.full(shape, 0.25, dtype=dtype or keras.config.floatx())

    @keras.saving.register_keras_serializable(package="SavingTests", name="Tiny")
    class TinyL2(keras.regularizers.Regularizer):
        def __call__(self, x):
            return 1e-3 * float(np.sum(x ** 2))

        def gradient(self, x):
            return 2e-3 * x

    layer = layers.Dense(3, kernel_initializer=QuarterInit(), kernel_regularizer=TinyL2())
    config = layer.get_config()
    assert config["kernel_initializer"] == {"module": __name__, "class_name": "QuarterInit",
                                            "config": {}, "registered_name": "SavingTests>QuarterInit"}
    assert config["kernel_regularizer"]["registered_name"] == "SavingTests>Tiny"
    assert keras.regularizers.serialize(TinyL2()) == config["kernel_regularizer"]
    restored = layers.Dense.from_config(config)
    assert isinstance(restored.kernel_initializer, QuarterInit)
    assert isinstance(restored.kernel_regularizer, TinyL2)
    assert isinstance(keras.initializers.deserialize(config["kernel_initializer"]), QuarterInit)


def test_custom_object_scope_resolves_a_class_a_serialized_config_names():
    class Unregistered(keras.regularizers.Regularizer):
        def __call__(self, x):
            return 0.0

        def gradient(self, x):
            return np.zeros_like(x)

    config = keras.regularizers.serialize(Unregistered())
    with pytest.raises(ValueError, match="Unknown regularizer: 'Unregistered'"):
        keras.regularizers.deserialize(config)
    with keras.saving.custom_object_scope({"Unregistered": Unregistered}):
        assert isinstance(keras.regularizers.deserialize(config), Unregistered)
    assert isinstance(keras.regularizers.deserialize(config, {"Unregistered": Unregistered}),
                      Unregistered)


@pytest.mark.parametrize("filename", MODEL_FORMATS)
def test_a_custom_object_scope_finds_classes_by_name_while_it_is_open(tmp_path, filename):
    model = keras.Sequential([keras.Input(shape=(3,)), UnregisteredLayer(), layers.Dense(1)])
    model.save(tmp_path / filename)
    with keras.saving.custom_object_scope({"UnregisteredLayer": UnregisteredLayer}) as scope:
        assert isinstance(scope, keras.saving.CustomObjectScope)
        assert keras.saving.get_registered_object("UnregisteredLayer") is UnregisteredLayer
        with keras.saving.CustomObjectScope({"Other": float}):  # an inner scope replaces it
            assert keras.saving.get_registered_object("UnregisteredLayer") is None
        loaded = keras.models.load_model(tmp_path / filename)
    assert isinstance(loaded.layers[0], UnregisteredLayer) and _weights_equal(loaded, model)
    assert keras.saving.get_registered_object("UnregisteredLayer") is None
    with pytest.raises(ValueError, match="UnregisteredLayer"):
        keras.models.load_model(tmp_path / filename)
    with pytest.raises(TypeError, match="`custom_objects` must be a dict.*list"):
        keras.saving.CustomObjectScope([UnregisteredLayer])


def test_get_custom_objects_is_the_live_registry(tmp_path):
    registry = keras.saving.get_custom_objects()
    assert registry["SavingTests>ScaleLayer"] is ScaleLayer
    model = keras.Sequential([keras.Input(shape=(3,)), UnregisteredLayer(), layers.Dense(1)])
    model.save(tmp_path / "m.keras")
    registry["UnregisteredLayer"] = UnregisteredLayer  # Keras's documented way to add one
    try:
        assert isinstance(keras.models.load_model(tmp_path / "m.keras").layers[0],
                          UnregisteredLayer)
    finally:
        del registry["UnregisteredLayer"]
    saved = dict(registry)
    registry.clear()  # forgets every registration; the names stay known
    try:
        with pytest.raises(ValueError, match="UnregisteredLayer"):
            keras.models.load_model(tmp_path / "m.keras")
        assert keras.saving.get_registered_name(ScaleLayer) == "SavingTests>ScaleLayer"
    finally:
        registry.update(saved)


def test_a_class_of_the_script_itself_is_serialized_with_module_none():
    script = type("ScriptLayer", (ScaleLayer,), {"__module__": "__main__"})
    keras.saving.register_keras_serializable(package="SavingTests")(script)
    serialized = keras.saving.serialize_keras_object(script(2.0))
    assert serialized["module"] is None
    assert serialized["registered_name"] == "SavingTests>ScriptLayer"
    assert keras.saving.serialize_keras_object(ScaleLayer(2.0))["module"] == __name__


def test_register_requires_get_config():
    with pytest.raises(ValueError, match="get_config"):
        keras.saving.register_keras_serializable()(type("NoConfig", (), {}))


def with_layer_config(tmp_path, change, model=None, index=1):
    """The .keras file of ``model`` (by default a small one with one Dense layer) whose config
    entry of the layer at ``index`` (0 is the InputLayer) ``change`` rewrote."""
    if model is None:
        model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1)])
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    change(config["config"]["layers"][index])
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "changed.keras", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return tmp_path / "changed.keras"


def test_loading_never_imports_a_module_named_in_the_file(tmp_path):
    path = with_layer_config(tmp_path, lambda layer: layer.update(
        module="handkeras_never_imported_module", class_name="system", registered_name="os>system"))
    with pytest.raises(ValueError, match="Unknown layer 'system'"):
        keras.models.load_model(path)
    assert "handkeras_never_imported_module" not in sys.modules


def test_python_lambdas_in_configs_are_refused_unless_safe_mode_is_off():
    scaled = keras.saving.serialize_keras_object(layers.Lambda(lambda x: x * 3.0))
    with pytest.raises(ValueError, match="risk of arbitrary code execution"):
        keras.saving.deserialize_keras_object(scaled)
    with pytest.raises(ValueError, match="risk of arbitrary code execution"):
        keras.layers.deserialize(scaled)
    layer = keras.saving.deserialize_keras_object(scaled, safe_mode=False)
    np.testing.assert_array_equal(layer(np.ones((1, 2))), [[3.0, 3.0]])


@pytest.mark.parametrize("config,error,fragment", [
    ({"layers": [{"a": 1}]}, ValueError, "Could not interpret layer identifier: {'a': 1}"),
    ({"layers": [{"class_name": "Dense", "config": 3}]}, TypeError,
     "'config' of the layer 'Dense' must be a dict"),
    ({"layers": [{"class_name": "Dense", "config": {"units": 2, "activation": {
        "class_name": "function", "config": None}}}]}, TypeError,
     "A function's 'config' must be its name, a string, received NoneType"),
    ({"layers": 5}, ValueError, "must be a dict holding a list of 'layers', received {'layers': 5}"),
    (5, ValueError, "must be a dict holding a list of 'layers', received 5"),
    ({"name": "m"}, ValueError, "received the keys ['name']"),
])
def test_sequential_configs_that_describe_no_model_are_named(config, error, fragment):
    with pytest.raises(error) as info:
        keras.Sequential.from_config(config)
    assert fragment in str(info.value)


def test_a_model_file_with_a_layer_config_that_is_not_a_dict_is_a_value_error(tmp_path):
    path = with_layer_config(tmp_path, lambda layer: layer.update(config=[1]))
    with pytest.raises(ValueError, match="invalid model config: The 'config' of the layer 'Dense'"):
        keras.models.load_model(path)


def test_a_model_file_asking_for_an_absurd_size_is_a_value_error(tmp_path):
    path = with_layer_config(tmp_path, lambda layer: layer["config"].update(units=10 ** 12))
    with pytest.raises(ValueError, match="too large to build"):
        keras.models.load_model(path)


def test_a_model_file_with_absurdly_deep_json_is_a_value_error(tmp_path):
    keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1)]).save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["config.json"] = b"[" * 100_000 + b"]" * 100_000
    with zipfile.ZipFile(tmp_path / "deep.keras", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="is not valid JSON"):
        keras.models.load_model(tmp_path / "deep.keras")


# --------------------------------------------------------------------------------------- resuming
def _resume_data():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(40, 5)).astype(np.float32)
    y = keras.utils.to_categorical(rng.integers(0, 3, 40), 3)
    return x, y


def _resume_model(optimizer):
    keras.utils.set_random_seed(42)
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input(shape=(5,)), layers.Dense(8, activation="relu"),
                              keras.Sequential([layers.Dense(6, activation="tanh")]),
                              layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer(), loss="categorical_crossentropy", metrics=["accuracy"])
    return model


RESUME_OPTIMIZERS = {
    "adam": lambda: keras.optimizers.Adam(0.01),
    "amsgrad": lambda: keras.optimizers.Adam(0.01, amsgrad=True),
    "sgd_nesterov": lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "rmsprop_centered": lambda: keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "nadam": lambda: keras.optimizers.Nadam(0.01),
    "adamw": lambda: keras.optimizers.AdamW(0.01),
    "lion": lambda: keras.optimizers.Lion(0.001),
    "lamb": lambda: keras.optimizers.Lamb(0.01),
    "ftrl": lambda: keras.optimizers.Ftrl(0.1),
    # Its factored moments share a name per weight, and its biases' placeholders too.
    "adafactor": lambda: keras.optimizers.Adafactor(0.01),
    "sgd_schedule": lambda: keras.optimizers.SGD(
        keras.optimizers.schedules.ExponentialDecay(0.1, 3, 0.5)),
}


@pytest.mark.parametrize("optimizer", sorted(RESUME_OPTIMIZERS))
@pytest.mark.parametrize("filename", ["ckpt.keras", "ckpt.h5", "ckpt.weights.h5"])
def test_resuming_from_a_file_is_exact(tmp_path, optimizer, filename):
    """N epochs, save, load into a fresh model, M more epochs == N + M epochs in one go."""
    x, y = _resume_data()
    factory = RESUME_OPTIMIZERS[optimizer]
    straight = _resume_model(factory)
    straight.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0)

    first = _resume_model(factory)
    first.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    path = tmp_path / filename
    if filename.endswith(".weights.h5"):
        first.save_weights(path)
        resumed = _resume_model(factory)
        keras.utils.set_random_seed(7)  # a different initialization, all overwritten by the file
        resumed.load_weights(path)
    else:
        first.save(path)
        resumed = keras.models.load_model(path)
    assert resumed.optimizer.iterations == first.optimizer.iterations == 10
    resumed.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    assert _weights_equal(resumed, straight)
    for a, b in zip(resumed.optimizer.variables, straight.optimizer.variables):
        np.testing.assert_array_equal(a, b)


def test_loading_weights_into_a_model_compiled_with_another_optimizer_skips_its_state(tmp_path):
    x, y = _resume_data()
    model = _resume_model(lambda: keras.optimizers.Adam(0.01))
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save_weights(tmp_path / "adam.weights.h5")
    other = _resume_model(lambda: keras.optimizers.SGD(0.1))
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):
        other.load_weights(tmp_path / "adam.weights.h5")
    assert _weights_equal(other, model)
    assert other.optimizer.iterations == 0 and not other.optimizer.built


def test_load_model_compile_false_leaves_the_model_uncompiled(tmp_path):
    model = _resume_model(lambda: keras.optimizers.Adam())
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", compile=False)
    assert loaded.optimizer is None and not loaded.compiled
    assert _weights_equal(loaded, model)


def test_compile_config_round_trips_losses_metrics_and_weights():
    model = _resume_model(lambda: keras.optimizers.RMSprop(0.02))
    model.compile(optimizer=keras.optimizers.RMSprop(0.02),
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
                  metrics=["acc", keras.metrics.CategoricalAccuracy(name="cat")],
                  weighted_metrics=["mse"], loss_weights=0.5)
    config = model.get_compile_config()
    assert json.loads(json.dumps(config)) == config
    fresh = keras.Sequential.from_config(model.get_config())
    fresh.compile_from_config(config)
    assert fresh.get_compile_config() == config
    assert fresh.metrics_names == model.metrics_names
    assert fresh.loss.label_smoothing == 0.1
    assert fresh.optimizer.learning_rate == model.optimizer.learning_rate


def test_deserialize_keras_object_takes_keras_s_arguments():
    """``(config, custom_objects, safe_mode, module_objects=...)``: custom objects by position."""
    class Doubler(layers.Layer):
        def forward(self, x, training=False):
            return 2 * x

    config = {"module": None, "class_name": "Doubler", "config": {"name": "twice"}}
    for rebuilt in (keras.saving.deserialize_keras_object(config, {"Doubler": Doubler}),
                    keras.saving.deserialize_keras_object(config, module_objects={"Doubler": Doubler})):
        assert type(rebuilt) is Doubler and rebuilt.name == "twice"
    with pytest.raises(TypeError, match="`custom_objects` must be a dict of names to objects, "
                                        "received str"):
        keras.saving.deserialize_keras_object(config, "layer")
    with pytest.raises(TypeError, match="unexpected keyword arguments"):
        keras.saving.deserialize_keras_object(config, kind="layer")
