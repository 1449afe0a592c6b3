"""Intersection-over-union metrics, as Keras's: a confusion matrix of class ids accumulated over
batches, and the IoU ``TP / (TP + FP + FN)`` of chosen classes computed from it.

Row ``i``, column ``j`` of the matrix holds the (weighted) count of positions labelled ``i`` and
predicted ``j``. Ids outside ``[0, num_classes)``, and labels equal to ``ignore_class``, are left
out. As in Keras, the matrix is kept in the metric's ``dtype``, ``"int32"`` by default (so float
sample weights are truncated: 0.3 counts as 0), and the result is computed in float32.
"""

import numbers
import warnings

import numpy as np

from handkeras import backend
from handkeras.metrics.metric import Metric


def _check_num_classes(num_classes):
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral):
        raise TypeError(f"Argument `num_classes` must be a positive integer, received "
                        f"{num_classes!r} of type {type(num_classes).__name__}.")
    if num_classes < 1:
        raise ValueError(f"Argument `num_classes` must be a positive integer, received "
                         f"num_classes={num_classes}.")


def _class_id_list(target_class_ids, num_classes):
    """``target_class_ids`` as a list of ints, each a valid index of the ``num_classes`` IoUs
    (negative ones count from the end, as Keras's indexing does)."""
    if isinstance(target_class_ids, (str, bytes)) or not hasattr(target_class_ids, "__iter__"):
        raise TypeError("Argument `target_class_ids` must be a list or tuple of class ids, "
                        f"received {target_class_ids!r}.")
    ids = list(target_class_ids)
    if not ids:
        raise ValueError("Argument `target_class_ids` must name at least one class, received "
                         f"{target_class_ids!r}.")
    if not all(isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in ids):
        raise TypeError(f"Argument `target_class_ids` must hold integers, received {ids!r}.")
    for class_id in (max(ids), min(ids)):
        if not -num_classes <= class_id < num_classes:
            raise ValueError(f"Target class id {class_id} is out of range, which is "
                             f"[0, {num_classes}).")
    return [int(i) for i in ids]


def _dtype_name(dtype):
    """The name of a numeric (integer or float) dtype: ``"int32"`` for None and for Keras's
    ``"int"``; a string must be a dtype's own name (``"float32"``, not ``"float"`` or ``"f4"``),
    as Keras requires."""
    dtype = "int32" if dtype is None or (isinstance(dtype, str) and dtype == "int") else dtype
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if (resolved is None or resolved.kind not in "iuf"
            or (isinstance(dtype, str) and dtype != resolved.name)):
        raise ValueError(f"Argument `dtype` of an IoU metric must name an integer or float dtype "
                         f"(the confusion matrix's, such as 'int32' or 'float32'), received "
                         f"{dtype!r}.")
    return resolved.name


class IoU(Metric):
    """The mean IoU of the classes ``target_class_ids`` (the IoU itself for one class).

    Each class's IoU is ``TP / (TP + FP + FN + eps)`` from the confusion matrix; classes that
    are neither labelled nor predicted are left out of the mean. Labels and predictions are
    class ids (flattened, so any shape works), or scores to take the argmax of along ``axis``
    when ``sparse_y_true`` / ``sparse_y_pred`` is False. Sample weights weigh each position.
    """

    _direction = "up"

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        _check_num_classes(num_classes)
        target_class_ids = _class_id_list(target_class_ids, num_classes)
        dtype = _dtype_name(dtype)
        if ignore_class is not None and (isinstance(ignore_class, bool)
                                         or not isinstance(ignore_class, numbers.Integral)):
            raise TypeError(f"Argument `ignore_class` must be None or an integer class id, "
                            f"received {ignore_class!r}.")
        super().__init__(name=name, dtype=dtype)
        self.num_classes = int(num_classes)
        self.target_class_ids = target_class_ids
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((self.num_classes, self.num_classes), "zeros",
                                          dtype=dtype, name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's (weighted) label/prediction pairs to the confusion matrix."""
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        if not self.sparse_y_true:
            y_true = np.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = np.argmax(y_pred, axis=self.axis)
        with np.errstate(invalid="ignore"):  # NaN ids become out-of-range ones, left out
            labels = y_true.astype(self.dtype).ravel()
            predictions = y_pred.astype(self.dtype).ravel()
        if labels.size != predictions.size:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `y_true` and `y_pred` must hold as many "
                f"class ids, received y_true with shape {y_true.shape} and y_pred with shape "
                f"{y_pred.shape} ({labels.size} and {predictions.size} ids)."
            )
        weights = self._weights(sample_weight, labels.size)
        kept = (labels >= 0) & (labels < self.num_classes)
        kept &= (predictions >= 0) & (predictions < self.num_classes)
        if self.ignore_class is not None:
            kept &= labels != self.ignore_class
        pairs = (labels[kept].astype(np.intp) * self.num_classes
                 + predictions[kept].astype(np.intp))
        counts = np.bincount(pairs, weights=weights[kept], minlength=self.num_classes ** 2)
        self.total_cm.assign_add(counts.reshape(self.total_cm.shape).astype(self.dtype))

    def _weights(self, sample_weight, size):
        """One weight per class id, in the matrix's dtype (truncated when it is an integer one)."""
        if sample_weight is None:
            return np.ones(size, self.dtype)
        weights = np.asarray(sample_weight)
        if weights.dtype.kind == "f" and np.dtype(self.dtype).kind in "iu":
            warnings.warn(
                f"{type(self).__name__} '{self.name}' keeps integer counts (dtype {self.dtype}), "
                "so float `sample_weight` values are truncated (0.3 counts as 0). Pass integer "
                "weights, or dtype='float32' to weigh by fractions.", stacklevel=3)
        with np.errstate(invalid="ignore"):
            weights = weights.astype(self.dtype).ravel()
        if weights.size not in (1, size):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `sample_weight` must hold one weight per "
                f"class id ({size}) or a single weight, received shape "
                f"{np.shape(sample_weight)}."
            )
        return np.broadcast_to(weights, (size,))

    def _class_ious(self):
        """Each target class's IoU (float32), and whether the class occurs at all."""
        matrix = self.total_cm.value
        true_positives = np.diagonal(matrix)
        denominator = matrix.sum(axis=0) + matrix.sum(axis=1) - true_positives
        true_positives = true_positives[self.target_class_ids].astype(np.float32)
        denominator = denominator[self.target_class_ids].astype(np.float32)
        occurs = denominator > 1e-9
        iou = true_positives / (denominator + np.float32(backend.epsilon()))
        return np.where(occurs, iou, np.float32(0)), occurs

    def result(self):
        """The mean IoU over the target classes that occur (0.0 before any update)."""
        iou, occurs = self._class_ious()
        count = occurs.sum(dtype=np.float32)
        return float(iou.sum(dtype=np.float32) / (count + np.float32(backend.epsilon())))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of a binary task: a prediction is class 1 when it is at least ``threshold`` (compared
    in float32, as Keras does), else class 0; the mean over ``target_class_ids``."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
            raise TypeError(f"Argument `threshold` must be a number, received {threshold!r}.")
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Threshold the predictions into class ids, then count as :class:`IoU` does."""
        predicted = np.asarray(y_pred, np.float32) >= np.float32(self.threshold)
        with np.errstate(invalid="ignore"):
            labels = np.asarray(y_true).astype(self.dtype)
        super().update_state(labels, predicted.astype(self.dtype), sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """The mean IoU over all ``num_classes`` classes (those that occur)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        _check_num_classes(num_classes)
        super().__init__(num_classes=num_classes, target_class_ids=list(range(num_classes)),
                         name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """:class:`IoU` for one-hot labels (and, unless ``sparse_y_pred``, scores): both are turned
    into class ids by their argmax along ``axis``."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=target_class_ids, name=name,
                         dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """:class:`MeanIoU` for one-hot labels (and, unless ``sparse_y_pred``, scores)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes=num_classes, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
