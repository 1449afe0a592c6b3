"""IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU: a confusion matrix of class ids accumulated
over batches, and the mean of ``TP / (TP + FP + FN)`` over chosen classes."""

import warnings

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers, metrics

EPS = np.float32(1e-7)


def iou(tp, denominator):
    """One class's IoU as the metrics compute it: in float32, epsilon in the denominator."""
    return np.float32(tp) / (np.float32(denominator) + EPS)


def mean_of(*ious):
    """The mean of the IoUs of the classes that occur, as the metrics compute it."""
    return float(np.float32(sum(np.float32(v) for v in ious)) / (np.float32(len(ious)) + EPS))


# The Keras docstring examples (weighted ones with dtype="float32": with the default int32 counts
# Keras truncates those weights to 0).
ONE_HOT_TRUE = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]])
ONE_HOT_PRED = np.array([[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
ONE_HOT_WEIGHTS = [0.1, 0.2, 0.3, 0.4]


def test_iou_of_one_class_from_the_confusion_matrix():
    m = metrics.IoU(num_classes=2, target_class_ids=[0])
    m.update_state([0, 0, 1, 1], [0, 1, 0, 1])  # cm [[1, 1], [1, 1]]: 1 / (2 + 2 - 1)
    np.testing.assert_array_equal(m.total_cm.numpy(), [[1, 1], [1, 1]])
    assert m.result() == mean_of(iou(1, 3))
    assert m.result() == pytest.approx(1 / 3, rel=1e-6)


def test_weighted_examples_with_float_counts():
    m = metrics.IoU(num_classes=2, target_class_ids=[0], dtype="float32")
    m.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1])
    np.testing.assert_allclose(m.total_cm.numpy(), [[0.3, 0.3], [0.3, 0.1]], rtol=1e-7)
    assert m.result() == pytest.approx(0.3 / 0.9, rel=1e-6)
    mean = metrics.MeanIoU(num_classes=2, dtype="float32")
    mean.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1])
    assert mean.result() == pytest.approx((0.3 / 0.9 + 0.1 / 0.7) / 2, rel=1e-6)  # 0.23809525


def test_default_int32_counts_truncate_float_weights_with_a_warning():
    m = metrics.MeanIoU(num_classes=2)
    assert m.dtype == "int32" and m.total_cm.dtype == np.int32
    with pytest.warns(UserWarning, match="float `sample_weight` values are truncated"):
        m.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1])
    assert not m.total_cm.numpy().any() and m.result() == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.update_state([0, 1, 1], [0, 1, 0], sample_weight=[2, -1, 3])  # -1 counts as -1
    np.testing.assert_array_equal(m.total_cm.numpy(), [[2, 0], [3, -1]])


def test_binary_iou_thresholds_the_predictions():
    m = metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
    m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])  # predicted 0, 0, 1, 1
    np.testing.assert_array_equal(m.total_cm.numpy(), [[1, 1], [1, 1]])
    assert m.result() == pytest.approx(1 / 3, rel=1e-6)
    weighted = metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3, dtype="float32")
    weighted.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], sample_weight=[0.2, 0.3, 0.4, 0.1])
    assert weighted.result() == pytest.approx((0.2 / 0.9 + 0.1 / 0.8) / 2, rel=1e-6)


def test_binary_iou_counts_a_prediction_equal_to_the_threshold_as_class_1():
    m = metrics.BinaryIoU(target_class_ids=[1], threshold=0.3)
    m.update_state([[1], [1], [0]], [[0.3], [np.float64(0.3) - 1e-12], [0.29]])
    # 0.3 - 1e-12 is 0.3 in float32, where Keras compares: both are class 1
    np.testing.assert_array_equal(m.total_cm.numpy(), [[1, 0], [0, 2]])


def test_one_hot_examples_take_the_argmax_of_both():
    m = metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2], dtype="float32")
    m.update_state(ONE_HOT_TRUE, ONE_HOT_PRED, sample_weight=ONE_HOT_WEIGHTS)
    np.testing.assert_allclose(m.total_cm.numpy(), [[0, 0, 0.6], [0.3, 0, 0], [0, 0, 0.1]],
                               rtol=1e-7)
    assert m.result() == pytest.approx((0 + 0.1 / 0.7) / 2, rel=1e-5)  # 0.071
    mean = metrics.OneHotMeanIoU(num_classes=3, dtype="float32")
    mean.update_state(ONE_HOT_TRUE, ONE_HOT_PRED, sample_weight=ONE_HOT_WEIGHTS)
    assert mean.result() == pytest.approx((0.1 / 0.7) / 3, rel=1e-5)  # 0.048


def test_sparse_flags_choose_which_side_is_argmaxed():
    labels, scores = np.array([2, 0, 1]), np.array([[.1, .2, .7], [.6, .3, .1], [.5, .4, .1]])
    dense_pred = metrics.MeanIoU(num_classes=3, sparse_y_pred=False)
    dense_pred.update_state(labels, scores)  # predicted 2, 0, 0
    np.testing.assert_array_equal(dense_pred.total_cm.numpy(), [[1, 0, 0], [1, 0, 0], [0, 0, 1]])
    dense_true = metrics.MeanIoU(num_classes=3, sparse_y_true=False)
    dense_true.update_state(scores, labels)  # labels 2, 0, 0 against predictions 2, 0, 1
    np.testing.assert_array_equal(dense_true.total_cm.numpy(), [[1, 1, 0], [0, 0, 0], [0, 0, 1]])
    channels_first = metrics.OneHotMeanIoU(num_classes=3, axis=1)
    channels_first.update_state(np.eye(3)[[[0, 1], [2, 2]]].transpose(0, 2, 1),
                                np.eye(3)[[[0, 2], [2, 2]]].transpose(0, 2, 1))
    np.testing.assert_array_equal(channels_first.total_cm.numpy(),
                                  [[1, 0, 0], [0, 0, 1], [0, 0, 2]])
    assert channels_first.result() == mean_of(iou(1, 1), iou(0, 1), iou(2, 3))


def test_classes_that_never_occur_are_left_out_of_the_mean():
    m = metrics.MeanIoU(num_classes=4)
    m.update_state([0, 0, 2], [0, 2, 2])  # classes 1 and 3 neither labelled nor predicted
    assert m.result() == mean_of(iou(1, 2), iou(1, 2))
    absent = metrics.IoU(num_classes=4, target_class_ids=[3])
    absent.update_state([0, 1], [0, 1])
    assert absent.result() == 0.0


def test_ignore_class_and_out_of_range_ids_are_not_counted():
    m = metrics.MeanIoU(num_classes=3, ignore_class=1)
    m.update_state([0, 1, 2, 1, 0], [0, 1, 1, 2, 2])
    np.testing.assert_array_equal(m.total_cm.numpy(), [[1, 0, 1], [0, 0, 0], [0, 1, 0]])
    void = metrics.MeanIoU(num_classes=3, ignore_class=255)
    void.update_state([0, 255, 2, 5, -1], [0, 1, 7, 2, 2])  # only the first pair counts
    np.testing.assert_array_equal(void.total_cm.numpy(), [[1, 0, 0], [0, 0, 0], [0, 0, 0]])


def test_ids_are_cast_to_the_dtype_before_the_range_check():
    truncated = metrics.MeanIoU(num_classes=3)  # int32: -0.5 becomes 0, 2.99 becomes 2
    truncated.update_state([-0.5, 1.9, 2.2], [0.2, 1.5, 2.99])
    np.testing.assert_array_equal(truncated.total_cm.numpy(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    floats = metrics.MeanIoU(num_classes=3, dtype="float32")  # float32: -0.5 is out of range
    floats.update_state([-0.5, 1.9, np.nan], [0.2, 1.5, 2.0])
    np.testing.assert_array_equal(floats.total_cm.numpy(), [[0, 0, 0], [0, 1, 0], [0, 0, 0]])


def test_any_shape_is_flattened_and_weights_follow_the_ids():
    m = metrics.MeanIoU(num_classes=3)
    m.update_state([[0, 1], [2, 1]], [[0, 2], [2, 1]], sample_weight=[[1, 2], [3, 4]])
    np.testing.assert_array_equal(m.total_cm.numpy(), [[1, 0, 0], [0, 4, 2], [0, 0, 3]])
    m.update_state([[0], [1]], [0, 1], sample_weight=5)  # a column against a row: 2 ids each
    np.testing.assert_array_equal(m.total_cm.numpy(), [[6, 0, 0], [0, 9, 2], [0, 0, 3]])


def test_updates_accumulate_until_reset_and_a_call_updates_then_reports():
    whole, parts = metrics.MeanIoU(num_classes=3), metrics.MeanIoU(num_classes=3)
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 3, 50), rng.integers(0, 3, 50)
    whole.update_state(y_true, y_pred)
    parts.update_state(y_true[:20], y_pred[:20])
    assert parts(y_true[20:], y_pred[20:]) == whole.result()
    np.testing.assert_array_equal(parts.total_cm.numpy(), whole.total_cm.numpy())
    expected = np.zeros((3, 3), int)
    np.add.at(expected, (y_true, y_pred), 1)
    np.testing.assert_array_equal(whole.total_cm.numpy(), expected)
    whole.reset_state()
    assert not whole.total_cm.numpy().any() and whole.result() == 0.0


def test_names_state_and_configs():
    assert [cls(**arguments).name for cls, arguments in [
        (metrics.IoU, {"num_classes": 2, "target_class_ids": [0]}), (metrics.BinaryIoU, {}),
        (metrics.MeanIoU, {"num_classes": 2}),
        (metrics.OneHotIoU, {"num_classes": 2, "target_class_ids": [1]}),
        (metrics.OneHotMeanIoU, {"num_classes": 2})]] == [
        "io_u", "binary_io_u", "mean_io_u", "one_hot_io_u", "one_hot_mean_io_u"]
    m = metrics.OneHotIoU(num_classes=3, target_class_ids=(0, 2), name="iou", ignore_class=1)
    assert [v.path for v in m.variables] == ["iou/total_confusion_matrix"]
    assert m.get_config() == {"num_classes": 3, "target_class_ids": [0, 2], "name": "iou",
                              "dtype": "int32", "ignore_class": 1, "sparse_y_pred": False,
                              "axis": -1}
    assert metrics.BinaryIoU(threshold=0.2, name="b").get_config() == {
        "target_class_ids": [0, 1], "threshold": 0.2, "name": "b", "dtype": "int32"}
    assert metrics.MeanIoU(4, name="m", dtype="float64").get_config() == {
        "num_classes": 4, "name": "m", "dtype": "float64", "ignore_class": None,
        "sparse_y_true": True, "sparse_y_pred": True, "axis": -1}
    assert list(metrics.IoU(3, [1], name="i").get_config()) == [
        "name", "dtype", "num_classes", "target_class_ids", "ignore_class", "sparse_y_true",
        "sparse_y_pred", "axis"]


@pytest.mark.parametrize("cls, arguments", [
    (metrics.IoU, {"num_classes": 3, "target_class_ids": [2], "ignore_class": 0,
                   "sparse_y_pred": False, "name": "iou"}),
    (metrics.BinaryIoU, {"target_class_ids": [1], "threshold": 0.7, "dtype": "float32"}),
    (metrics.MeanIoU, {"num_classes": 3, "sparse_y_true": False, "axis": 1}),
    (metrics.OneHotIoU, {"num_classes": 4, "target_class_ids": [0, 3]}),
    (metrics.OneHotMeanIoU, {"num_classes": 2, "ignore_class": 1}),
])
def test_configs_round_trip_through_serialize(cls, arguments):
    metric = cls(**arguments)
    rebuilt = metrics.deserialize(metrics.serialize(metric))
    assert type(rebuilt) is cls and rebuilt.get_config() == metric.get_config()
    assert cls.from_config(metric.get_config()).get_config() == metric.get_config()


@pytest.mark.parametrize("make, error, message", [
    (lambda: metrics.IoU(num_classes=2, target_class_ids=[2]), ValueError,
     r"Target class id 2 is out of range, which is \[0, 2\)"),
    (lambda: metrics.IoU(num_classes=2, target_class_ids=[-3]), ValueError,
     r"Target class id -3 is out of range"),
    (lambda: metrics.IoU(num_classes=2, target_class_ids=[]), ValueError, "at least one class"),
    (lambda: metrics.IoU(num_classes=2, target_class_ids=1), TypeError, "list or tuple"),
    (lambda: metrics.IoU(num_classes=2, target_class_ids=[0.5]), TypeError, "integers"),
    (lambda: metrics.MeanIoU(num_classes=0), ValueError, "num_classes=0"),
    (lambda: metrics.MeanIoU(num_classes=2.0), TypeError, "positive integer"),
    (lambda: metrics.MeanIoU(num_classes=None), TypeError, "positive integer"),
    (lambda: metrics.MeanIoU(num_classes=2, dtype="float"), ValueError, "received 'float'"),
    (lambda: metrics.MeanIoU(num_classes=2, dtype="bool"), ValueError, "integer or float"),
    (lambda: metrics.MeanIoU(num_classes=2, ignore_class="void"), TypeError, "ignore_class"),
    (lambda: metrics.BinaryIoU(target_class_ids=[0, 2]), ValueError, "out of range"),
    (lambda: metrics.BinaryIoU(threshold="0.5"), TypeError, "threshold"),
])
def test_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_bad_batches_name_the_metric_and_leave_the_matrix_unchanged():
    m = metrics.MeanIoU(num_classes=3, name="seg")
    m.update_state([0, 1], [0, 1])
    with pytest.raises(ValueError, match=r"'seg'.*y_true with shape \(3,\).*y_pred with shape"):
        m.update_state([0, 1, 2], [0, 2])
    with pytest.raises(ValueError, match=r"'seg': `sample_weight`.*received shape \(2,\)"):
        m.update_state([[0, 1], [2, 1]], [[0, 1], [2, 1]], sample_weight=[1, 2])
    np.testing.assert_array_equal(m.total_cm.numpy(), [[1, 0, 0], [0, 1, 0], [0, 0, 0]])


def test_named_in_compile_and_needing_num_classes_there():
    assert metrics.get("binary_io_u").name == "binary_io_u"
    assert isinstance(metrics.get("BinaryIoU"), metrics.BinaryIoU)
    with pytest.raises(TypeError, match="num_classes"):
        metrics.get("mean_io_u")


def test_fit_logs_the_iou_of_each_epoch_under_the_metric_s_name():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(30, 4)), rng.integers(0, 3, 30)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=[metrics.MeanIoU(num_classes=3, sparse_y_pred=False),
                           metrics.IoU(3, [0], sparse_y_pred=False, name="iou_0")])
    history = model.fit(x, y, epochs=2, batch_size=8, validation_split=0.2, verbose=0)
    assert sorted(history.history) == ["iou_0", "loss", "mean_io_u", "val_iou_0", "val_loss",
                                       "val_mean_io_u"]
    # the epoch's value comes from the matrix of the whole epoch, not a mean over batches
    check = metrics.MeanIoU(num_classes=3, sparse_y_pred=False)
    check.update_state(y[24:], model.predict(x[24:], verbose=0))
    assert history.history["val_mean_io_u"][-1] == check.result()
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert 0 < logs["mean_io_u"] < 1 and logs["mean_io_u"] != int(logs["mean_io_u"])
