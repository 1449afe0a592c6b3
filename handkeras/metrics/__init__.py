"""Metrics: stateful objects with Keras's ``update_state`` / ``result`` / ``reset_state``.

Per-sample metric functions (accuracy, mse, ...) are wrapped in :class:`MeanMetricWrapper`, whose
result is the mean over every sample seen since the last reset, which is the batch-size-weighted
running mean that Keras logs during ``fit``. Confusion-matrix metrics (precision, recall, AUC, ...)
and the IoU metrics accumulate weighted counts instead. ``get`` resolves Keras's names, and any
loss name too.
"""

from handkeras import losses as losses_module
from handkeras.backend import snake_case
from handkeras.identifiers import cannot_interpret, deserialize_object, lookup, serialize_object
from handkeras.losses import (  # the per-sample losses double as metric functions, as in Keras
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from handkeras.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    ResolvedAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    resolve_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from handkeras.metrics.confusion_metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from handkeras.metrics.correlation_metrics import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from handkeras.metrics.f_score_metrics import F1Score, FBetaScore
from handkeras.metrics.hinge_metrics import CategoricalHinge, Hinge, SquaredHinge
from handkeras.metrics.iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from handkeras.metrics.metric import Metric
from handkeras.metrics.probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
)
from handkeras.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from handkeras.metrics.regression_metrics import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
)

__all__ = [
    "AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "BinaryIoU", "CategoricalAccuracy",
    "CategoricalCrossentropy", "CategoricalHinge", "ConcordanceCorrelation", "CosineSimilarity",
    "F1Score", "FBetaScore", "FalseNegatives", "FalsePositives", "Hinge", "IoU", "KLDivergence",
    "LogCoshError", "Mean", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanIoU",
    "MeanMetricWrapper", "MeanSquaredError", "MeanSquaredLogarithmicError", "Metric",
    "OneHotIoU", "OneHotMeanIoU", "PearsonCorrelation", "Poisson", "Precision",
    "PrecisionAtRecall", "R2Score", "Recall",
    "RecallAtPrecision", "RootMeanSquaredError", "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy", "SparseTopKCategoricalAccuracy",
    "SpecificityAtSensitivity", "SquaredHinge", "Sum", "TopKCategoricalAccuracy", "TrueNegatives",
    "TruePositives", "accuracy", "binary_accuracy", "binary_crossentropy",
    "binary_focal_crossentropy", "categorical_accuracy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "categorical_hinge", "concordance_correlation",
    "deserialize", "get", "hinge", "huber", "kl_divergence", "log_cosh", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error",
    "pearson_correlation", "poisson", "resolve_accuracy", "serialize",
    "sparse_categorical_accuracy", "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy", "squared_hinge", "top_k_categorical_accuracy",
]

_CLASSES = {cls.__name__: cls for cls in (
    Mean, Sum,
    MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError, R2Score,
    PearsonCorrelation, ConcordanceCorrelation,
    AUC, FalseNegatives, FalsePositives, Precision, PrecisionAtRecall, Recall, RecallAtPrecision,
    SensitivityAtSpecificity, SpecificityAtSensitivity, TrueNegatives, TruePositives,
    F1Score, FBetaScore,
    IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU,
    Hinge, SquaredHinge, CategoricalHinge,
    KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
)}
# Keras's metric names: the classes, their snake_case names, and the short aliases.
_METRICS = {**_CLASSES, **{snake_case(name): cls for name, cls in _CLASSES.items()}}
_METRICS.update({"bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
                 "mse": MeanSquaredError, "MSE": MeanSquaredError,
                 "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
                 "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
                 "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError})
# Any loss name that is not a metric name: the running mean of that loss.
_LOSS_FUNCTION = {fn.loss_class: fn for fn in losses_module._FUNCTIONS}
_LOSS_METRICS = {name: _LOSS_FUNCTION[cls] for name, cls in
                 {**losses_module._NAMES, **losses_module._CLASSES}.items() if name not in _METRICS}


def get(identifier):
    """A fresh Metric from a name (named exactly as given, as Keras's ``compile`` names it), a
    Metric class or instance, a config dict, or a per-sample function (wrapped in a running mean).

    ``"accuracy"`` and ``"acc"`` pick binary, categorical or sparse categorical accuracy from the
    shapes of the first batch, as Keras does; a loss name gives the running mean of that loss.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc"):
            return ResolvedAccuracy(name=identifier)
        found = lookup("metric", identifier, {**_LOSS_METRICS, **_METRICS})
        if isinstance(found, type):
            return found(name=identifier)
        return MeanMetricWrapper(found, name=identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))
    raise cannot_interpret("metric", identifier, "Expected a metric name, a Metric, a Metric "
                           "class, a config dict or a function, received "
                           f"{type(identifier).__name__}.")


def serialize(metric):
    """Keras's config form: ``{"module", "class_name", "config", "registered_name"}``."""
    return serialize_object(metric)


def deserialize(config, custom_objects=None):
    """The metric described by :func:`serialize`'s output; ``custom_objects`` maps class names to
    classes of your own."""
    return deserialize_object("metric", config, _CLASSES, custom_objects)
