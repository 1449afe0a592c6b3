"""Lambda: a layer made of a function of its input, for preprocessing and quick experiments.

handkeras differentiates by hand and a function has no written derivative, so a Lambda has no
``backward``: it trains below every layer with trainable weights (where training needs no gradient
of it, such as ``Lambda(lambda x: x / 255.0)`` first in a model), and runs anywhere in ``predict``,
``evaluate`` and ``model(x)``. A model that would need its gradient refuses to train before the
first step (:meth:`Layer.check_backward`).
"""

import inspect

import numpy as np

from handkeras import activations
from handkeras.layers.layer import Layer, normalize_shape

#: The batch sizes (and sizes of other unknown axes) of the two runs that infer an output shape:
#: an axis whose size follows them is unknown (None) in the output too.
_PROBE_SIZES = (2, 3)


class Lambda(Layer):
    """``function(inputs, **arguments)`` as a layer, as Keras's ``Lambda``: ``mask=`` and
    ``training=`` are passed too when the function's signature names them.

    ``output_shape`` is the output's shape without the batch axis (a tuple), or a function of the
    whole input shape; by default it is inferred by running ``function`` on batches of ones.
    ``mask`` is None (masks stop here, with Keras's warning), a function ``(inputs, mask)`` giving
    the output's mask, or a fixed mask.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda '{self.name}': `function` must be callable, received "
                            f"{function!r}.")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(f"Lambda '{self.name}': `arguments` must be a dict of keyword "
                            f"arguments of `function`, received {arguments!r}.")
        if output_shape is not None and not callable(output_shape):
            output_shape = normalize_shape(output_shape, "output_shape")
        self.function = function
        self.arguments = arguments or {}
        self.mask = mask if mask is None or callable(mask) else np.asarray(mask)
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        self._inferred_shapes = {}  # input shape -> output shape: the function runs once for each
        names = inspect.getfullargspec(function).args
        self._takes_training = "training" in names
        self._takes_mask = "mask" in names

    # ----------------------------------------------------------------------------- computing
    def forward(self, x, training=False, mask=None):
        """``function``'s result as an array (float results in the layer's dtype); nothing is
        kept, in training mode either: there is no backward to keep it for."""
        kwargs = dict(self.arguments)
        if self._takes_mask:
            kwargs["mask"] = mask
        if self._takes_training:
            kwargs["training"] = training
        y = np.asarray(self.function(x, **kwargs))
        return y.astype(self.dtype, copy=False) if y.dtype.kind == "f" else y

    def _missing_pass(self, method):
        return (f"Lambda '{self.name}' has no `{method}`: handkeras differentiates by hand, and a "
                "Lambda's function has no written derivative, so training cannot pass a gradient "
                "through it. Put the Lambda below every layer with trainable weights (first in "
                "the model, as preprocessing), or write a Layer with `forward` and `backward` "
                "(see docs/layers.md, 'Writing your own layer').")

    def compute_mask(self, inputs, previous_mask):
        if callable(self.mask):
            return self.mask(inputs, previous_mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._output_shape is None:
            if input_shape not in self._inferred_shapes:
                self._inferred_shapes[input_shape] = self._inferred_output_shape(input_shape)
            return self._inferred_shapes[input_shape]
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        return input_shape[:1] + self._output_shape

    def _inferred_output_shape(self, input_shape):
        """The output shape of ``function`` on batches of ones of ``input_shape``, as Keras's torch
        backend infers it: unknown axes filled with two sizes in turn, and an output axis unknown
        where the two results differ."""
        sizes = _PROBE_SIZES if None in input_shape else _PROBE_SIZES[:1]
        try:
            with np.errstate(all="ignore"):
                shapes = [np.shape(self.forward(np.ones(
                    [size if dim is None else dim for dim in input_shape], self.dtype)))
                    for size in sizes]
            if len({len(shape) for shape in shapes}) != 1:
                raise ValueError("the output's rank depends on the input's sizes")
        except Exception as error:
            raise NotImplementedError(  # Keras's words
                "We could not automatically infer the shape of the Lambda's output. Please specify "
                f"the `output_shape` argument for this Lambda layer. (Lambda '{self.name}': "
                f"{type(error).__name__}: {error})") from error
        return tuple(size if size == other else None for size, other in zip(shapes[0], shapes[-1]))

    # ----------------------------------------------------------------------------- config
    def get_config(self):
        config = {"function": _function_config(self.function)}
        if self._output_shape is not None:
            config["output_shape"] = (_function_config(self._output_shape)
                                      if callable(self._output_shape) else self._output_shape)
        if self.mask is not None:
            config["mask"] = (_function_config(self.mask) if callable(self.mask)
                              else _numpy_config(self.mask))
        config["arguments"] = {key: _numpy_config(value) if isinstance(value, np.ndarray) else value
                               for key, value in self.arguments.items()}
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """The Lambda a config describes. A Python lambda in it (saved as bytecode) is refused
        with Keras's ValueError unless ``safe_mode=False`` here or in the loading call, or
        ``keras.config.enable_unsafe_deserialization()``; named functions are found in
        ``custom_objects``, the registry, or handkeras's activations."""
        config = dict(config)
        from handkeras.saving.safe_mode import in_safe_mode  # saving needs the layers

        unsafe = (safe_mode if safe_mode is not None else in_safe_mode()) is False
        where = f"Lambda '{config.get('name')}'"
        config["function"] = _function_from_config(config.get("function"), f"{where} `function`",
                                                   custom_objects, unsafe)
        shape = config.get("output_shape")
        if isinstance(shape, dict) or callable(shape):
            config["output_shape"] = _function_from_config(
                shape, f"{where} `output_shape`", custom_objects, unsafe)
        mask = config.get("mask")
        if isinstance(mask, dict) and mask.get("class_name") == "__numpy__":
            config["mask"] = _numpy_from_config(mask)
        elif isinstance(mask, dict) or callable(mask):
            config["mask"] = _function_from_config(mask, f"{where} `mask`", custom_objects, unsafe)
        arguments = config.get("arguments")
        if isinstance(arguments, dict):
            config["arguments"] = {
                key: _numpy_from_config(value)
                if isinstance(value, dict) and value.get("class_name") == "__numpy__" else value
                for key, value in arguments.items()}
        return cls(**config)


def _function_config(function):
    """Keras's config of a Lambda's function: a Python lambda's bytecode, else its (registered)
    name, found again on loading through ``custom_objects`` or the registry."""
    from handkeras.saving import function_code, object_registration

    if function_code.is_lambda(function):
        return {"class_name": "__lambda__", "config": function_code.dump(function)}
    name = object_registration.get_registered_name(function)
    if not isinstance(name, str):
        raise TypeError(f"Cannot save the function {function!r} of a Lambda: it must be a Python "
                        "lambda or a named function.")
    return {"module": "builtins", "class_name": "function", "config": name,
            "registered_name": "function"}


def _function_from_config(value, where, custom_objects, unsafe):
    """The function a config value holds (already resolved when the loader found it)."""
    from handkeras.saving import function_code, object_registration
    from handkeras.saving.safe_mode import refuse_lambda

    if callable(value):
        return value
    if isinstance(value, dict) and value.get("class_name") == "__lambda__":
        if not unsafe:
            refuse_lambda()
        return function_code.load(value.get("config"), where)
    name = value.get("config") if isinstance(value, dict) else value
    if not isinstance(name, str):
        raise ValueError(f"{where} must be a saved function (its name, or a Python lambda's "
                         f"bytecode), received {value!r:.200}.")
    found = object_registration.get_registered_object(name, custom_objects)
    if found is None:
        try:
            found = activations.get(name)
        except ValueError:
            raise TypeError(
                f"Could not locate function '{name}' ({where}). Make sure custom classes and "
                "functions are decorated with `@keras.saving.register_keras_serializable()`, or "
                f"pass `custom_objects={{{name!r}: {name}}}` to the loading function.") from None
    return found


def _numpy_config(array):
    """Keras's config of a numpy array in a layer's config."""
    return {"class_name": "__numpy__",
            "config": {"value": array.tolist(), "dtype": array.dtype.name}}


def _numpy_from_config(config):
    inner = config.get("config") or {}
    return np.array(inner.get("value"), dtype=inner.get("dtype"))
