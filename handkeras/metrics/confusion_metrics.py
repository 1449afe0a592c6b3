"""Confusion-matrix metrics: TP/FP/TN/FN counts, precision, recall, AUC and the X-at-Y family.

Each metric keeps, for every threshold ``t``, the (weighted) counts of true and false positives and
negatives: a prediction is positive at ``t`` when it exceeds ``t``, a label when it is nonzero. As in
Keras, evenly spaced thresholds (AUC's 200, say) are counted in one pass by bucketing each prediction
(``ceil(p (T - 1)) - 1``), other threshold lists by comparing against each threshold.
"""

import numpy as np

from handkeras import activations
from handkeras import backend
from handkeras.losses import squeeze_or_expand_to_same_rank
from handkeras.metrics.metric import Metric

#: The threshold used with ``top_k``: everything outside the top k is pushed below it.
NEG_INF = -1e10


def _divide_no_nan(numerator, denominator):
    """``numerator / denominator``, 0 where the denominator is 0."""
    numerator, denominator = np.broadcast_arrays(np.asarray(numerator, np.float64),
                                                 np.asarray(denominator, np.float64))
    return np.divide(numerator, denominator, out=np.zeros(numerator.shape),
                     where=denominator != 0)


def _threshold_list(thresholds, default):
    """Keras's ``parse_init_thresholds``: a list of thresholds, each checked to lie in [0, 1]."""
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds]
    invalid = [t for t in values if t is None or not 0 <= t <= 1]
    if invalid:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")
    return values


def _evenly_distributed(thresholds):
    """Whether the thresholds are ``i / (T - 1)`` for ``i = 0 .. T - 1`` (at least 3 of them)."""
    count = len(thresholds)
    return count >= 3 and np.allclose(thresholds, np.arange(count) / (count - 1),
                                      atol=backend.epsilon())


def _keep_top_k(y_pred, k):
    """The top ``k`` scores of each row kept, every other score replaced by ``NEG_INF``."""
    top = np.argsort(-y_pred, axis=-1, kind="stable")[..., :k]
    kept = np.zeros(y_pred.shape, dtype=bool)
    np.put_along_axis(kept, top, True, axis=-1)
    return np.where(kept, y_pred, NEG_INF).astype(y_pred.dtype, copy=False)


def update_confusion_matrix(counts, y_true, y_pred, thresholds, thresholds_evenly=False,
                            top_k=None, class_id=None, sample_weight=None, multi_label=False,
                            label_weights=None, dtype=None):
    """Add one batch's weighted ``"tp"``, ``"fp"``, ``"tn"``, ``"fn"`` counts into ``counts``.

    ``counts`` maps some of those keys to arrays of shape ``(T,)`` (``(T, labels)`` with
    ``multi_label``), updated in place.
    """
    dtype = dtype or backend.floatx()
    y_pred = np.asarray(y_pred, dtype=dtype)
    y_true = np.asarray(y_true, dtype=dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=dtype)[..., None]
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if top_k is not None:
        y_pred = _keep_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape (num_samples, "
                f"num_classes), found shape: {y_pred.shape}"
            )
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weights = np.ones(y_pred.shape, dtype=np.float64)
    if sample_weight is not None:
        weights = weights * np.broadcast_to(sample_weight, y_pred.shape)
    if label_weights is not None and not multi_label:
        weights = weights * np.broadcast_to(np.asarray(label_weights, np.float64), y_pred.shape)
    labels = y_pred.shape[-1] if multi_label else 1
    positive = (y_true != 0).reshape(-1, labels)
    weights = weights.reshape(-1, labels)
    y_pred = y_pred.reshape(-1, labels)
    thresholds = np.asarray(thresholds, dtype=dtype)
    if thresholds_evenly:
        tp, fp = _bucketed_positive_counts(y_pred, positive, weights, thresholds)
    else:
        predicted = y_pred[None] > thresholds[:, None, None]
        tp = (weights * (positive & predicted)).sum(axis=1)
        fp = (weights * (~positive & predicted)).sum(axis=1)
    total_positive = (weights * positive).sum(axis=0)
    total_negative = (weights * ~positive).sum(axis=0)
    found = {"tp": tp, "fp": fp, "fn": total_positive - tp, "tn": total_negative - fp}
    for key, accumulator in counts.items():
        accumulator += found[key] if multi_label else found[key][:, 0]


def _bucketed_positive_counts(y_pred, positive, weights, thresholds):
    """True and false positive counts at evenly spaced thresholds, in one pass: each prediction
    falls in the bucket ``ceil(p (T - 1)) - 1`` and counts for every threshold up to it."""
    count = len(thresholds)
    with_epsilon = thresholds[0] < 0 or thresholds[-1] > 1
    p = np.clip(y_pred, 0, 1)
    buckets = np.ceil(p * (count - 1)) - 1
    if with_epsilon:
        buckets = np.maximum(buckets, 0)
    buckets = buckets.astype(np.intp)
    labels = y_pred.shape[1]
    index = buckets + count * np.arange(labels)
    inside = (buckets >= 0) & (buckets < count)

    def at_or_above(values):
        per_bucket = np.bincount(index[inside], weights=values[inside], minlength=count * labels)
        per_bucket = per_bucket.reshape(labels, count).T
        return np.cumsum(per_bucket[::-1], axis=0)[::-1]

    return at_or_above(weights * positive), at_or_above(weights * ~positive)


class _ConfusionMatrixConditionCount(Metric):
    """The weighted count of one confusion-matrix cell, at each threshold (0.5 by default)."""

    _cell = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _threshold_list(thresholds, 0.5)
        self._thresholds_evenly = _evenly_distributed(self.thresholds)
        self.reset_state()

    def reset_state(self):
        self.accumulator = np.zeros(len(self.thresholds))

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix({self._cell: self.accumulator}, y_true, y_pred, self.thresholds,
                                self._thresholds_evenly, sample_weight=sample_weight,
                                dtype=self.dtype)

    def result(self):
        return float(self.accumulator[0]) if len(self.thresholds) == 1 else self.accumulator.copy()

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """How many (weighted) predictions are positive with a positive label."""

    _cell = "tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    """How many (weighted) predictions are positive with a negative label."""

    _cell = "fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """How many (weighted) predictions are negative with a negative label."""

    _cell = "tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """How many (weighted) predictions are negative with a positive label."""

    _cell = "fn"


class _PrecisionRecall(Metric):
    """Shared state of Precision and Recall: true positives and one error count per threshold."""

    _direction = "up"
    _error = None

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _threshold_list(thresholds, 0.5 if top_k is None else NEG_INF)
        self._thresholds_evenly = _evenly_distributed(self.thresholds)
        self.reset_state()

    def reset_state(self):
        self.true_positives = np.zeros(len(self.thresholds))
        setattr(self, self._error, np.zeros(len(self.thresholds)))

    def update_state(self, y_true, y_pred, sample_weight=None):
        cell = {"false_positives": "fp", "false_negatives": "fn"}[self._error]
        update_confusion_matrix(
            {"tp": self.true_positives, cell: getattr(self, self._error)}, y_true, y_pred,
            self.thresholds, self._thresholds_evenly, top_k=self.top_k, class_id=self.class_id,
            sample_weight=sample_weight, dtype=self.dtype)

    def result(self):
        ratio = _divide_no_nan(self.true_positives,
                               self.true_positives + getattr(self, self._error))
        return float(ratio[0]) if len(self.thresholds) == 1 else ratio

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """``TP / (TP + FP)``: the fraction of positive predictions that are right.

    A prediction is positive above ``thresholds`` (0.5 by default; a list gives one precision per
    threshold). With ``top_k``, only each row's ``k`` highest scores can be positive; with
    ``class_id``, only that column counts.
    """

    _error = "false_positives"


class Recall(_PrecisionRecall):
    """``TP / (TP + FN)``: the fraction of positive labels found (same arguments as Precision)."""

    _error = "false_negatives"


class SensitivitySpecificityBase(Metric):
    """Counts at ``num_thresholds`` evenly spaced thresholds from 0 to 1, for the X-at-Y metrics."""

    _direction = "up"

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if num_thresholds <= 0:
            raise ValueError(
                f"Argument `num_thresholds` must be an integer > 0. Received: "
                f"num_thresholds={num_thresholds}"
            )
        self.value = value
        self.class_id = class_id
        self.num_thresholds = num_thresholds
        if num_thresholds == 1:
            self.thresholds, self._thresholds_evenly = [0.5], False
        else:
            self.thresholds = [i / (num_thresholds - 1) for i in range(num_thresholds)]
            self._thresholds_evenly = True
        self.reset_state()

    def reset_state(self):
        count = len(self.thresholds)
        self.true_positives, self.false_positives = np.zeros(count), np.zeros(count)
        self.true_negatives, self.false_negatives = np.zeros(count), np.zeros(count)

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix(
            {"tp": self.true_positives, "fp": self.false_positives, "tn": self.true_negatives,
             "fn": self.false_negatives}, y_true, y_pred, self.thresholds, self._thresholds_evenly,
            class_id=self.class_id, sample_weight=sample_weight, dtype=self.dtype)

    def _rates(self):
        tp, fp, tn, fn = (self.true_positives, self.false_positives, self.true_negatives,
                          self.false_negatives)
        return {"sensitivity": _divide_no_nan(tp, tp + fn), "recall": _divide_no_nan(tp, tp + fn),
                "specificity": _divide_no_nan(tn, tn + fp), "precision": _divide_no_nan(tp, tp + fp)}

    def _best(self, constrained, dependent):
        """The largest ``dependent`` rate among thresholds where ``constrained >= value`` (or 0)."""
        rates = self._rates()
        feasible = rates[constrained] >= self.value
        return float(np.max(np.where(feasible, rates[dependent], 0), initial=0))

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id}


def _check_unit_interval(value, argument):
    if not 0 <= value <= 1:
        raise ValueError(f"Argument `{argument}` must be in the range [0, 1]. Received: "
                         f"{argument}={value}")


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """The best sensitivity (recall) at a threshold whose specificity is at least ``specificity``."""

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit_interval(specificity, "specificity")
        self.specificity = specificity
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self):
        return self._best("specificity", "sensitivity")

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "specificity": self.specificity}


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """The best specificity at a threshold whose sensitivity is at least ``sensitivity``."""

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit_interval(sensitivity, "sensitivity")
        self.sensitivity = sensitivity
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self):
        return self._best("sensitivity", "specificity")

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "sensitivity": self.sensitivity}


class PrecisionAtRecall(SensitivitySpecificityBase):
    """The best precision at a threshold whose recall is at least ``recall``."""

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit_interval(recall, "recall")
        self.recall = recall
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self):
        return self._best("recall", "precision")

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "recall": self.recall}


class RecallAtPrecision(SensitivitySpecificityBase):
    """The best recall at a threshold whose precision is at least ``precision``."""

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit_interval(precision, "precision")
        self.precision = precision
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self):
        return self._best("precision", "recall")

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "precision": self.precision}


_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


class AUC(Metric):
    """Area under the ROC (default) or precision-recall curve, from counts at ``num_thresholds``.

    The thresholds are Keras's: ``-eps``, ``i / (num_thresholds - 1)`` for ``i = 1 ..
    num_thresholds - 2``, and ``1 + eps``, so the curve runs from (1, 1) to (0, 0). The area is a
    Riemann sum over consecutive thresholds with heights averaged (``"interpolation"``), or their
    maximum (``"majoring"``) or minimum (``"minoring"``); the PR curve with ``"interpolation"`` uses
    Davis & Goadrich's interpolation, as Keras does. With ``multi_label``, one AUC per label (a
    column of ``y_pred``), averaged (weighted by ``label_weights`` if given).
    """

    _direction = "up"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        if str(curve).lower() not in _CURVES:
            raise ValueError(
                f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC", "PRGAIN"]'
            )
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(
                f'Invalid AUC summation method value: "{summation_method}". Expected values are '
                '["interpolation", "majoring", "minoring"]'
            )
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            self._thresholds_evenly = _evenly_distributed(np.array([0.0] + thresholds + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    f"Argument `num_thresholds` must be an integer > 1. Received: "
                    f"num_thresholds={num_thresholds}"
                )
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_evenly = True
        eps = backend.epsilon()
        self._thresholds = np.array([0.0 - eps] + list(thresholds) + [1.0 + eps])
        self.curve = _CURVES[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        super().__init__(name=name, dtype=dtype)
        if num_labels and not multi_label:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else np.asarray(label_weights,
                                                                          np.float64)
        self._from_logits = from_logits
        self._shape = None
        if not multi_label:
            self._shape = (self.num_thresholds,)
        elif num_labels:
            self._shape = (self.num_thresholds, num_labels)
        self.reset_state()

    @property
    def thresholds(self):
        """The thresholds, ``-eps`` and ``1 + eps`` included."""
        return list(self._thresholds)

    def reset_state(self):
        zeros = (lambda: None) if self._shape is None else (lambda: np.zeros(self._shape))
        self.true_positives, self.false_positives = zeros(), zeros()
        self.true_negatives, self.false_negatives = zeros(), zeros()

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.asarray(y_pred)
        if self._shape is None:
            if y_pred.ndim != 2:
                raise ValueError(
                    f"`y_pred` must have rank 2 when `multi_label=True`. Found rank {y_pred.ndim}. "
                    f"Full shape received for `y_pred`: {y_pred.shape}"
                )
            self._shape = (self.num_thresholds, y_pred.shape[1])
            self.reset_state()
        if self._from_logits:
            y_pred = activations.sigmoid(np.asarray(y_pred, dtype=self.dtype))
        update_confusion_matrix(
            {"tp": self.true_positives, "fp": self.false_positives, "tn": self.true_negatives,
             "fn": self.false_negatives}, y_true, y_pred, self._thresholds,
            self._thresholds_evenly, sample_weight=sample_weight, multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights, dtype=self.dtype)

    def _per_label_mean(self, areas):
        if not self.multi_label:
            return float(areas.sum())
        by_label = areas.sum(axis=0)
        if self.label_weights is None:
            return float(by_label.mean())
        return float(_divide_no_nan((by_label * self.label_weights).sum(),
                                    self.label_weights.sum()))

    def _interpolated_pr_auc(self):
        """Davis & Goadrich (2006): precision interpolated along the PR curve between thresholds."""
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both, _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1)
        return _divide_no_nan(slope * (dtp + intercept * np.log(ratio)),
                              np.maximum(tp[1:] + fn[1:], 0))

    def result(self):
        if self._shape is None:
            return 0.0
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._per_label_mean(self._interpolated_pr_auc())
        tp, fp, tn, fn = (self.true_positives, self.false_positives, self.true_negatives,
                          self.false_negatives)
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _divide_no_nan(tp, tp + fp)
        else:
            scale = _divide_no_nan(tp + fn, tn + fp)
            recall_gain = np.where(tp == 0, 0, 1 - scale * _divide_no_nan(fn, tp))
            precision_gain = np.where(tp == 0, 1, 1 - scale * _divide_no_nan(fp, tp))
            x, y = np.maximum(recall_gain, 0), precision_gain
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._per_label_mean((x[:-1] - x[1:]) * heights)

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None else
                  self.label_weights.tolist(), "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config
