"""A compiled model's ``compile`` arguments as Keras saves them, and back.

``.keras`` files hold ``compile_config`` (``optimizer``, ``loss``, ``metrics``, ... in Keras's
serialized form); legacy ``.h5`` files hold ``training_config``, the same without ``optimizer`` and
with ``optimizer_config`` (``{"class_name", "config"}``) instead.
"""

from handkeras.saving.serialization import deserialize_config, serialize_keras_object

_FIXED = {"run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def _metric_configs(metrics):
    if metrics is None:
        return None
    metrics = metrics if isinstance(metrics, (list, tuple)) else [metrics]
    return [metric if isinstance(metric, str) else serialize_keras_object(metric) for metric in metrics]


def get_compile_config(model):
    """Keras's ``compile_config`` of a compiled model (None when it is not compiled): the loss as
    compile received it when that is a name (``"mse"``), else its Loss object's config."""
    if not getattr(model, "compiled", False):
        return None
    arguments = getattr(model, "_compile_args", {})
    return {
        "optimizer": serialize_keras_object(model.optimizer),
        "loss": serialize_keras_object(
            model.loss if isinstance(model.loss, str) else model._compiled_loss),
        "loss_weights": arguments.get("loss_weights"),
        "metrics": _metric_configs(arguments.get("metrics")),
        "weighted_metrics": _metric_configs(arguments.get("weighted_metrics")),
        **_FIXED,
    }


def legacy_object_config(config):
    """Keras's legacy (``.h5``) form of a serialized object: ``{"class_name", "config"}`` only."""
    if not isinstance(config, dict) or "class_name" not in config:
        return config
    registered = config.get("registered_name")
    class_name = registered if registered and ">" in registered else config["class_name"]
    return {"class_name": class_name, "config": config.get("config")}


def legacy_training_config(model):
    """Keras's ``training_config`` of a compiled model (None when it is not compiled)."""
    config = get_compile_config(model)
    if config is None:
        return None
    optimizer = legacy_object_config(config.pop("optimizer"))
    # The Loss object's config even for a name: Keras's legacy loader cannot read names like "mse".
    config["loss"] = legacy_object_config(serialize_keras_object(model._compiled_loss))
    for key in ("metrics", "weighted_metrics"):
        if config[key] is not None:
            config[key] = [legacy_object_config(metric) for metric in config[key]]
    config["optimizer_config"] = optimizer
    return config


def _metrics(configs, custom_objects):
    if configs is None:
        return None
    if isinstance(configs, dict) and "class_name" not in configs:
        raise ValueError(
            "Metrics given per output (a dict) are for multi-output models; a Sequential has one output."
        )
    configs = configs if isinstance(configs, list) else [configs]
    if len(configs) == 1 and isinstance(configs[0], list):  # Keras 2: one list per output.
        configs = configs[0]
    return [_metric(config, custom_objects) for config in configs]


def _metric(config, custom_objects):
    from handkeras import metrics

    inner = config.get("config") if isinstance(config, dict) else None
    if isinstance(inner, dict) and config.get("class_name") == "MeanMetricWrapper" and "fn" in inner:
        metric = metrics.get(deserialize_config(inner["fn"], "metric", custom_objects))
        metric.name = inner.get("name", metric.name)
        return metric
    return deserialize_config(config, "metric", custom_objects)


def compile_from_file_config(model, config, source, custom_objects=None):
    """Compile ``model`` as a file's ``compile_config`` (or legacy ``training_config``) says.

    A config that cannot compile it (not a JSON object, unknown names, arguments the optimizer or
    loss refuses) is the file's fault: a ``ValueError`` naming ``source``.
    """
    if not isinstance(config, dict):
        raise ValueError(
            f"{source} holds an invalid compile config: expected a JSON object, found "
            f"{type(config).__name__}."
        )
    try:
        model.compile(**compile_arguments(config, custom_objects))
    except TypeError as error:
        raise ValueError(f"{source} holds an invalid compile config: {error}") from error
    except ValueError as error:  # an unknown optimizer, loss or metric: say where it was found
        raise ValueError(f"Cannot compile the model of {source}: {error}") from error


def compile_arguments(config, custom_objects=None):
    """``model.compile`` keyword arguments from a ``compile_config`` or a legacy ``training_config``."""
    optimizer = config.get("optimizer", config.get("optimizer_config"))
    arguments = {
        "optimizer": deserialize_config(optimizer, "optimizer", custom_objects),
        "loss": deserialize_config(config.get("loss"), "loss", custom_objects),
        "metrics": _metrics(config.get("metrics"), custom_objects),
        "weighted_metrics": _metrics(config.get("weighted_metrics"), custom_objects),
        "loss_weights": config.get("loss_weights"),
    }
    if arguments["optimizer"] is None:
        arguments.pop("optimizer")
    return arguments
