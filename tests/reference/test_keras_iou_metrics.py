"""The IoU metrics against Keras 3.15.1 (torch backend): the confusion matrix after several updates
(float64 or int32 counts, with and without sample weights) to rtol 1e-9, the result (which both
libraries compute in float32, from the same matrix), configs, argument errors, and the logs of a
fit that compiles them."""

import numpy as np
import pytest

import handkeras
from keras_pair import assert_same_history, assert_same_value_error, make_models, plain
from parity import assert_close

keras = pytest.importorskip("keras")

CLASSES = 4

CASES = {
    "IoU of one class": ("IoU", {"num_classes": CLASSES, "target_class_ids": [2]}),
    "IoU of three classes, ignore_class": (
        "IoU", {"num_classes": CLASSES, "target_class_ids": [0, 1, 3], "ignore_class": 1}),
    "IoU, negative class id": ("IoU", {"num_classes": CLASSES, "target_class_ids": [-1, 0]}),
    "MeanIoU": ("MeanIoU", {"num_classes": CLASSES}),
    "MeanIoU, scores for both": (
        "MeanIoU", {"num_classes": CLASSES, "sparse_y_true": False, "sparse_y_pred": False}),
    "MeanIoU, scored predictions": ("MeanIoU", {"num_classes": CLASSES, "sparse_y_pred": False}),
    "OneHotIoU": ("OneHotIoU", {"num_classes": CLASSES, "target_class_ids": [1, 2]}),
    "OneHotMeanIoU, ignore_class": ("OneHotMeanIoU", {"num_classes": CLASSES, "ignore_class": 0}),
    "OneHotMeanIoU, sparse predictions": (
        "OneHotMeanIoU", {"num_classes": CLASSES, "sparse_y_pred": True}),
    "BinaryIoU": ("BinaryIoU", {}),
    "BinaryIoU of class 1, threshold 0.3": (
        "BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}),
}


def batches(name, arguments, seed, weights):
    """Three batches shaped for the metric: class ids (some out of range), one-hot rows or scores
    with ties, or binary scores; ``weights`` None, "integer" or "float"."""
    rng = np.random.default_rng(seed)
    for rows in (12, 7, 20):
        ids = rng.integers(-1, CLASSES + 1, size=(rows, 3))
        scores = np.round(rng.random((rows, 3, CLASSES)), 1)
        if name == "BinaryIoU":
            y_true, y_pred = rng.integers(0, 2, size=(rows, 3)), np.round(rng.random((rows, 3)), 1)
        else:
            one_hot = name.startswith("OneHot") or not arguments.get("sparse_y_true", True)
            y_true = np.eye(CLASSES)[rng.integers(0, CLASSES, size=(rows, 3))] if one_hot else ids
            y_pred = (scores if not arguments.get("sparse_y_pred", not name.startswith("OneHot"))
                      else rng.integers(-1, CLASSES + 1, size=(rows, 3)))
        sample_weight = {None: None, "integer": rng.integers(0, 4, size=(rows, 3)),
                         "float": rng.random((rows, 3))}[weights]
        yield y_true.astype(np.float64), y_pred.astype(np.float64), sample_weight


@pytest.mark.filterwarnings("ignore:.*sample_weight|.*weight as `float`:UserWarning")
@pytest.mark.parametrize("dtype, weights", [(None, None), (None, "integer"),
                                            ("float64", None), ("float64", "float")],
                         ids=["int32", "int32, integer weights", "float64",
                              "float64, float weights"])
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_matrix_and_result_after_each_update_are_keras(case, dtype, weights):
    name, arguments = case
    keras.backend.clear_session(free_memory=False)  # default names counted afresh, as ours are
    ours = getattr(handkeras.metrics, name)(dtype=dtype, **arguments)
    theirs = getattr(keras.metrics, name)(dtype=dtype, **arguments)
    for y_true, y_pred, sample_weight in batches(name, arguments, 7, weights):
        ours.update_state(y_true, y_pred, sample_weight=sample_weight)
        theirs.update_state(y_true, y_pred, sample_weight=sample_weight)
        matrix = keras.ops.convert_to_numpy(theirs.total_cm)
        assert ours.total_cm.dtype == matrix.dtype
        assert_close(ours.total_cm.numpy(), matrix, "total_cm")
        assert_close(ours.result(), keras.ops.convert_to_numpy(theirs.result()), "result")
    assert [v.path for v in ours.variables] == [v.path for v in theirs.variables]
    ours.reset_state()
    theirs.reset_state()
    assert_close(ours.total_cm.numpy(), keras.ops.convert_to_numpy(theirs.total_cm), "reset")
    assert ours.result() == float(keras.ops.convert_to_numpy(theirs.result())) == 0.0


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_configs_and_default_names_are_keras(case):
    name, arguments = case
    keras.backend.clear_session(free_memory=False)
    ours = getattr(handkeras.metrics, name)(**arguments)
    theirs = getattr(keras.metrics, name)(**arguments)
    assert plain(ours.get_config()) == plain(theirs.get_config())
    assert list(ours.get_config()) == list(theirs.get_config())
    assert ours.dtype == theirs.dtype
    assert handkeras.metrics.serialize(ours) == plain(keras.metrics.serialize(theirs))


def test_a_bad_target_class_id_is_keras_s_error():
    assert_same_value_error(lambda library: library.metrics.IoU(3, target_class_ids=[0, 3]))
    assert_same_value_error(lambda library: library.metrics.BinaryIoU(target_class_ids=[2]))


@pytest.mark.parametrize("cls, arguments", [
    ("IoU", {"num_classes": 2, "target_class_ids": []}),
    ("IoU", {"num_classes": 2, "target_class_ids": 1}),
    ("MeanIoU", {"num_classes": 0}),
    ("MeanIoU", {"num_classes": -2}),
    ("MeanIoU", {"num_classes": 2.0}),
    ("MeanIoU", {"num_classes": None}),
    ("MeanIoU", {"num_classes": 2, "dtype": "float"}),
])
def test_other_bad_arguments_raise_keras_s_error_types(cls, arguments):
    with pytest.raises((TypeError, ValueError)) as theirs:
        getattr(keras.metrics, cls)(**arguments)
    with pytest.raises(theirs.type):
        getattr(handkeras.metrics, cls)(**arguments)


@pytest.mark.filterwarnings("ignore:.*sample_weight|.*weight as `float`:UserWarning")
def test_a_fit_logs_the_ious_keras_logs():
    def build(library):
        return library.Sequential([library.Input(shape=(5,)),
                                   library.layers.Dense(8, activation="relu"),
                                   library.layers.Dense(3, activation="softmax")])

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 5))
    y = rng.integers(0, 3, 60)
    sample_weight = rng.random(60) * 2
    ours, theirs = make_models(build)
    for model, library in ((ours, handkeras), (theirs, keras)):
        m = library.metrics
        model.compile(
            optimizer=library.optimizers.SGD(learning_rate=0.3),
            loss="sparse_categorical_crossentropy",
            metrics=[m.MeanIoU(3, sparse_y_pred=False, name="mean_iou"),
                     m.IoU(3, [0, 2], sparse_y_pred=False, ignore_class=1, name="iou_02")],
            weighted_metrics=[m.MeanIoU(3, sparse_y_pred=False, dtype="float64", name="w_iou"),
                              m.MeanIoU(3, sparse_y_pred=False, name="int_w_iou")])
    mine = ours.fit(x, y, batch_size=16, epochs=3, validation_split=0.25, shuffle=False,
                    sample_weight=sample_weight, verbose=0)
    reference = theirs.fit(x, y, batch_size=16, epochs=3, validation_split=0.25, shuffle=False,
                           sample_weight=sample_weight, verbose=0)
    assert_same_history(mine, reference)
    assert_close(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), "evaluate")


def test_a_fit_logs_binary_ious_under_keras_s_names():
    def build(library):
        return library.Sequential([library.Input(shape=(5,)),
                                   library.layers.Dense(1, activation="sigmoid")])

    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 5))
    y = rng.integers(0, 2, size=(40, 1))
    keras.backend.clear_session(free_memory=False)
    ours, theirs = make_models(build)
    for model, library in ((ours, handkeras), (theirs, keras)):
        model.compile(optimizer=library.optimizers.SGD(learning_rate=0.3),
                      loss="binary_crossentropy",
                      metrics=["binary_io_u", "BinaryIoU",
                               library.metrics.BinaryIoU(target_class_ids=[1], threshold=0.4)])
    mine = ours.fit(x, y, batch_size=8, epochs=2, validation_split=0.2, shuffle=False, verbose=0)
    reference = theirs.fit(x, y, batch_size=8, epochs=2, validation_split=0.2, shuffle=False,
                           verbose=0)
    assert "binary_io_u_1" in reference.history
    assert_same_history(mine, reference)
