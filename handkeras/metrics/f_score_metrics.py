"""F-scores: the harmonic means of precision and recall, per class or averaged, as Keras's.

Each update thresholds the predictions (``y_pred > threshold``, or each row's largest score when
``threshold`` is None) and adds the weighted true positives, false positives, false negatives and
true labels of every class (``average="micro"``: of all classes together) to four variables.
"""

import numpy as np

from handkeras import backend
from handkeras.metrics.metric import Metric

_AVERAGES = (None, "micro", "macro", "weighted")
_COUNTS = ("true_positives", "false_positives", "false_negatives", "intermediate_weights")


class FBetaScore(Metric):
    """``(1 + b^2) P R / (b^2 P + R)`` with ``b = beta``, over one-hot (or multi-label) targets
    and scores of shape ``(samples, classes)``.

    ``average=None`` gives one score per class; ``"micro"`` one score of the counts summed over
    classes; ``"macro"`` the mean of the per-class scores; ``"weighted"`` their mean weighted by
    each class's (weighted) count of true labels. ``epsilon`` keeps every division finite, as in
    Keras, so a class never predicted nor present scores 0.
    """

    _direction = "up"

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(dtype=dtype, name=name)
        if average not in _AVERAGES:
            raise ValueError("Invalid `average` argument value. Expected one of: {None, 'micro', "
                             f"'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: "
                             f"beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python "
                                 f"float. Received: threshold={threshold} of type "
                                 f"'{type(threshold)}'")
            if not 0.0 < threshold <= 1.0:
                raise ValueError("Invalid `threshold` argument value. It should verify 0 < "
                                 f"threshold <= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self._built = False  # the count variables are made at the first update

    def _build(self, y_true_shape, y_pred_shape):
        """The four count variables, one entry per class (one in all for ``"micro"``), made at
        the first update, when the number of classes is known."""
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} expects 2D inputs with shape (batch_size, output_dim). "
                f"Received input shapes: y_pred.shape={y_pred_shape} and "
                f"y_true.shape={y_true_shape}."
            )
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        for name in _COUNTS:
            setattr(self, name, self.add_variable(shape, "zeros", dtype=self.dtype, name=name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = np.asarray(y_true, dtype=self.dtype)
        y_pred = np.asarray(y_pred, dtype=self.dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:  # each row's best class, unless the whole row is 0
            predicted = (y_pred >= y_pred.max(axis=-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        predicted = predicted.astype(self.dtype)
        weights = None
        if sample_weight is not None:
            weights = np.asarray(sample_weight, dtype=self.dtype).reshape(len(y_pred), -1)
        axis = None if self.average == "micro" else 0
        found = (predicted * y_true, predicted * (1 - y_true), (1 - predicted) * y_true, y_true)
        for name, values in zip(_COUNTS, found):
            if weights is not None:
                values = values * weights
            getattr(self, name).assign_add(values.sum(axis=axis))

    def result(self):
        """The score per class (``average=None``), else one float."""
        if not self._built:
            raise ValueError(f"{type(self).__name__} '{self.name}' has no result before its first "
                             "`update_state`: the number of classes comes from the first batch.")
        eps = backend.epsilon()
        tp, fp, fn, support = (getattr(self, name).value for name in _COUNTS)
        precision = tp / (tp + fp + eps)
        recall = tp / (tp + fn + eps)
        b2 = self.beta ** 2
        score = precision * recall / (b2 * precision + recall + eps) * (1 + b2)
        if self.average == "weighted":
            score = (score * (support / (support.sum() + eps))).sum()
        elif self.average is not None:
            score = score.mean()
        score = np.asarray(score, dtype=self.dtype)
        return float(score) if score.ndim == 0 else score

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F-score with ``beta = 1``: ``2 P R / (P + R)``."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
