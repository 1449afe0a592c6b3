"""Layer: the base of every handkeras layer.

A layer is built once from its input shape (``build`` creates weights with ``add_weight``), then runs
``forward(x, training)`` and, after a training-mode forward, ``backward(dy)``. ``backward`` returns the
gradient of the loss with respect to the layer's input and leaves one gradient per trainable weight in
``self.gradients``, as plain sums over the batch (the 1/N lives in the loss gradient, once). Layers
never update their own weights: optimizers do.

Inference keeps no state on the layer: ``forward(x, training=False)`` writes nothing to ``self``, so
``predict`` is safe from several threads at once. A training-mode forward may cache what ``backward``
needs.
"""

import contextlib
import contextvars
import functools
import inspect
import warnings

import numpy as np

from handkeras import aligned
from handkeras import backend
from handkeras import constraints as constraints_module
from handkeras import initializers as initializers_module
from handkeras import regularizers as regularizers_module
from handkeras.keras_tensor import KerasTensor
from handkeras.variables import Variable


def normalize_shape(shape, argument="shape"):
    """A shape as a tuple of ints (or None), from an int, a tuple or a list. As in Keras, a float
    or a string is no size, even one that reads as an integer (``3.0``, ``"3"``)."""
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        shape = tuple(None if dim is None else _size(dim) for dim in shape)
    except (TypeError, ValueError):
        raise ValueError(f"`{argument}` must be a tuple of integers, received {shape!r}.") from None
    if any(dim is not None and dim <= 0 for dim in shape):
        raise ValueError(f"`{argument}` must hold positive integers, received {shape!r}.")
    return shape


def _size(dim):
    """``dim`` as an int, unless it is a float or a string (a TypeError)."""
    if isinstance(dim, (str, bytes, float, np.floating)):
        raise TypeError(dim)
    return int(dim)


def dtype_policy_name(dtype):
    """A type name (or None) from a name, a numpy dtype or Keras's serialized DTypePolicy; any other
    value as it is, for the layer to refuse."""
    if isinstance(dtype, dict):
        if dtype.get("class_name") not in ("DTypePolicy", "FloatDTypePolicy"):
            raise ValueError(
                f"Unsupported dtype policy {dtype.get('class_name')!r}: handkeras layers take a float "
                "type (or a plain DTypePolicy)."
            )
        dtype = (dtype.get("config") or {}).get("name")
    if isinstance(dtype, (np.dtype, type)):
        return np.dtype(dtype).name
    return dtype


def is_int(value):
    """Whether ``value`` is an integer (a bool is not), as an axis or a count must be."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def shape_fits(shape, expected):
    """Whether ``shape`` fits ``expected``: the same rank and, past the batch size (not compared),
    the same sizes wherever ``expected`` gives one (None fits any)."""
    return len(shape) == len(expected) and all(
        e is None or e == s for s, e in zip(shape[1:], expected[1:]))


#: What `add_weight` asks before allocating a weight: None, or the check of `checking_new_weights`.
_new_weight_check = contextvars.ContextVar("handkeras_new_weight_check", default=None)


@contextlib.contextmanager
def checking_new_weights(check):
    """Run ``check(layer, name, shape)`` before every weight ``add_weight`` creates in the block,
    in this thread only; a check that raises refuses the weight before anything is allocated.

    Model loaders use it to build a file's config within what the file's weights can fill.
    """
    token = _new_weight_check.set(check)
    try:
        yield
    finally:
        _new_weight_check.reset(token)


def _keras_build(build):
    """``build`` as Keras runs it, whether called directly or by a model: once (a built layer only
    checks that the shape fits the one it was built for), marking the layer built with its input
    shape recorded; a build that raises leaves the layer as it was, without the weights it had
    made (so the next build makes one set)."""
    @functools.wraps(build)
    def wrapper(self, input_shape):
        input_shape = tuple(input_shape)
        if self.built:
            self._check_built_for(input_shape)
            return
        with self._restored_on_failure():
            build(self, input_shape)
        self._build_input_shape = input_shape
        self.built = True
    return wrapper


class Layer:
    """Base layer: naming, building, weights, gradients, masks and config.

    Keyword arguments ``input_shape``, ``input_dim`` and ``batch_input_shape`` (Keras 2 style) give the
    first layer of a ``Sequential`` its input shape.
    """

    #: Whether a mask from an earlier layer passes through (or is replaced by ``compute_mask``).
    supports_masking = False
    #: Whether ``forward`` takes a ``mask=`` argument (worked out from its signature).
    forward_takes_mask = False
    #: Whether a subclass's own ``build`` runs through ``_keras_build`` (a model builds its way).
    _wraps_build = True
    #: Whether Keras builds this layer when it is created (its weightless layers: activations,
    #: pooling, Dropout, Reshape), so that Keras's config of it has no ``build_config``.
    _keras_builds_at_init = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.forward_takes_mask = "mask" in inspect.signature(cls.forward).parameters
        if cls._wraps_build and "build" in vars(cls):
            cls.build = _keras_build(cls.build)

    def __init__(self, trainable=True, name=None, dtype=None, activity_regularizer=None,
                 autocast=True, **kwargs):
        self._input_shape_argument = self._pop_input_shape(kwargs)
        kwargs.pop("input_dim", None)
        if self._input_shape_argument is not None:
            warnings.warn(  # Keras's words
                "Do not pass an `input_shape`/`input_dim` argument to a layer. When using "
                "Sequential models, prefer using an `Input(shape)` object as the first layer in "
                "the model instead.", stacklevel=2)
        if kwargs:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword argument(s): {sorted(kwargs)}."
            )
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Layer `name` must be a string, received {name!r}.")
        self.name = name or backend.unique_name(backend.snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self.dtype = self._checked_dtype(dtype_policy_name(dtype) or backend.floatx())
        self.activity_regularizer = regularizers_module.get(activity_regularizer)
        self._activity_loss = None  # this layer's activity penalty in the last training forward
        # Keras's `autocast` (cast float inputs to the layer's dtype). handkeras always computes
        # in the layer's dtype; so does Keras on torch for a float64 input with autocast=False
        # (Dense returns float32 either way), so the flag is kept only for configs and scripts.
        self.autocast = bool(autocast)
        self.built = False
        self._weights = []
        self.gradients = []
        self._build_input_shape = None
        self._nodes = {}  # model -> (input tensor, output tensor), in the order models built it

    # ----------------------------------------------------------------------------- symbolic tensors
    @property
    def input(self):
        """The symbolic tensor the layer takes in the first model that built it (Keras's way to
        read shapes inside a model: ``model.layers[0].input.shape``)."""
        return self._node_tensor(0, "input")

    @property
    def output(self):
        """The symbolic tensor the layer gives in the first model that built it."""
        return self._node_tensor(1, "output")

    def _node_tensor(self, index, what):
        if not self._nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called and thus has no "
                                 f"defined {what}: it has one once a built model holds it "
                                 "or it is called on a KerasTensor.")
        return next(iter(self._nodes.values()))[index]

    def _connect(self, model, input_tensor):
        """Record the layer's place in ``model`` (replacing the one recorded before, when the
        model changed before it; a direct call on a KerasTensor is recorded under that tensor) and
        return its output tensor there."""
        known_input, known_output = self._nodes.get(model, (None, None))
        if known_input is input_tensor:  # unchanged: the tensors keep their identity
            return known_output
        output = KerasTensor(self.compute_output_shape(input_tensor.shape), self.dtype)
        # A new dict, not an update in place: a model that undoes a failed build restores the
        # layer's attributes, this one among them.
        self._nodes = {**self._nodes, model: (input_tensor, output)}
        return output

    def _checked_dtype(self, dtype):
        """``dtype`` if the layer can compute in it: a float type of ``set_floatx`` (no complex,
        integer or mixed-precision layers), else a ValueError naming the layer."""
        if dtype not in backend.FLOAT_TYPES:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `dtype` must be one of "
                f"{list(backend.FLOAT_TYPES)}, the float types handkeras layers compute in, "
                f"received {dtype!r}."
            )
        return dtype

    def _check_rank(self, input_shape, rank):
        """A ValueError naming the layer unless ``input_shape`` (batch included) has ``rank``
        axes."""
        if len(input_shape) != rank:
            raise ValueError(f"{type(self).__name__} '{self.name}' expects inputs of rank {rank}, "
                             f"received shape {tuple(input_shape)}.")

    def _checked_axis(self, axis):
        """``axis`` if it is an int or a list or tuple of ints, else a TypeError naming the layer."""
        axes = axis if isinstance(axis, (list, tuple)) else [axis]
        if not all(is_int(a) for a in axes):
            raise TypeError(f"{type(self).__name__} '{self.name}': `axis` must be an int or a list "
                            f"of ints, received {axis!r}.")
        return axis

    def _checked_positive_int(self, argument, value, type_error=False):
        """``value`` as an int if it is a positive integer (a bool is not), else a ValueError
        naming the layer and ``argument``; with ``type_error``, a value that is no integer at all
        raises a TypeError instead, as Keras's RepeatVector and UpSampling1D do."""
        if type_error and not is_int(value):
            raise TypeError(f"{type(self).__name__} '{self.name}': `{argument}` must be an "
                            f"integer, received {value!r}.")
        if not is_int(value) or value <= 0:
            raise ValueError(f"{type(self).__name__} '{self.name}': `{argument}` must be a "
                             f"positive integer, received {value!r}.")
        return int(value)

    @staticmethod
    def _pop_input_shape(kwargs):
        if "batch_input_shape" in kwargs:
            return normalize_shape(kwargs.pop("batch_input_shape")[1:], "batch_input_shape")
        if "input_shape" in kwargs:
            return normalize_shape(kwargs.pop("input_shape"), "input_shape")
        if kwargs.get("input_dim") is not None:
            return normalize_shape((kwargs["input_dim"],), "input_dim")
        return None

    # ----------------------------------------------------------------------------- weights
    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)

    def add_weight(self, shape=None, initializer=None, dtype=None, *, trainable=True,
                   autocast=True, regularizer=None, constraint=None, aggregation="none",
                   overwrite_with_gradient=False, name=None):
        """Create, register and return a weight of ``shape`` (``()`` by default), initialized in
        the layer's dtype (or ``dtype``) by ``initializer`` (Keras's default: ``glorot_uniform``
        for floats, ``zeros`` otherwise). Keras's signature: at most ``shape``, ``initializer``
        and ``dtype`` by position. ``autocast`` and ``aggregation`` change nothing here (layers
        compute in their own dtype, on one device); ``constraint`` (any identifier of
        ``constraints.get``) is kept as ``variable.constraint``, which optimizers apply after each
        update; ``overwrite_with_gradient`` is not supported. Inside :func:`checking_new_weights`,
        the check runs first."""
        if isinstance(shape, str):
            raise ValueError(f"{type(self).__name__} '{self.name}': `name` must be passed as a "
                             f"keyword argument, received add_weight({shape!r}, ...).")
        if overwrite_with_gradient:
            raise NotImplementedError(
                f"{type(self).__name__} '{self.name}': add_weight's `overwrite_with_gradient` is "
                "not supported.")
        constraint = self._checked_constraint("constraint", constraint)
        if aggregation not in (None, "none", "mean", "sum", "only_first_replica"):
            raise ValueError(f"{type(self).__name__} '{self.name}': add_weight's `aggregation` "
                             "must be one of None, 'none', 'mean', 'sum', 'only_first_replica', "
                             f"received {aggregation!r}.")
        dtype = self._weight_dtype(dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.kind == "f" else "zeros"
        shape = () if shape is None else tuple(shape)
        name = name or backend.unique_name("variable")
        check = _new_weight_check.get()
        if check is not None:
            check(self, name, shape)
        initializer = initializers_module.get(initializer)
        value = aligned.copy(initializer(shape, dtype.name), dtype=dtype)
        variable = Variable.holding(value, name, backend.scoped_path(f"{self.name}/{name}"),
                                    trainable=trainable)
        variable.regularizer = regularizers_module.get(regularizer)
        variable.constraint = constraint
        self._weights.append(variable)
        return variable

    def _checked_constraint(self, argument, identifier, owner=None):
        """``constraints.get(identifier)``, its error naming ``argument`` and ``owner`` (this
        layer by default)."""
        try:
            return constraints_module.get(identifier)
        except ValueError as error:
            owner = owner or f"{type(self).__name__} '{self.name}'"
            raise ValueError(f"{owner}: `{argument}`: {error}") from None

    def _weight_dtype(self, dtype):
        """``add_weight``'s ``dtype`` (the layer's when None) as a numpy dtype, or a ValueError."""
        try:
            resolved = np.dtype(self.dtype if dtype is None else dtype)
        except TypeError:
            resolved = None
        if resolved is None or resolved.kind not in "fiub":
            raise ValueError(f"{type(self).__name__} '{self.name}': add_weight's `dtype` must be "
                             f"a numeric dtype, received {dtype!r}.")
        return resolved

    @property
    def weights(self):
        """All weights, in the order they were created (Keras's order)."""
        return list(self._weights)

    @property
    def trainable_weights(self):
        return [w for w in self._weights if w.trainable] if self.trainable else []

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return list(self._weights)
        return [w for w in self._weights if not w.trainable]

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        return self.non_trainable_weights

    @property
    def variables(self):
        """Keras's list of all layer state: the weights (handkeras layers keep no other state
        in variables, such as Keras's seed generators)."""
        return self.weights

    def count_params(self):
        """Number of scalars in all weights; the layer must be built."""
        if not self.built:
            raise ValueError(
                f"Layer '{self.name}' is not built yet, so it has no weights to count. "
                "Build it first (give the model an input shape, or call it on data)."
            )
        return int(sum(w.value.size for w in self.weights))

    def get_weights(self):
        """Copies of the weights' values, in ``weights`` order."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights):
        """Assign values to ``weights`` in order; every count and shape is checked before any is set."""
        own = self.weights
        weights = self._weight_list(weights)
        if len(weights) != len(own):
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects {len(own)} weight arrays, received "
                f"{len(weights)}."
            )
        values = [self._checked_weight(variable, value) for variable, value in zip(own, weights)]
        for variable, value in zip(own, values):
            variable.value[...] = value

    def _weight_list(self, weights):
        """``weights`` as a list, or a TypeError naming the layer for a value that holds no arrays
        (None, a number, a string, a dict)."""
        if weights is None or isinstance(weights, (str, bytes, dict)) or not hasattr(weights,
                                                                                     "__iter__"):
            received = "None" if weights is None else type(weights).__name__
            raise TypeError(f"{type(self).__name__} '{self.name}': `weights` must be a list of "
                            f"arrays, received {received}.")
        return list(weights)

    def _checked_weight(self, variable, value):
        """``value`` as an array that fits ``variable`` (its shape, real numbers), else a ValueError
        naming the weight."""
        weight = f"{type(self).__name__} '{self.name}': weight '{variable.path}'"
        try:
            value = np.asarray(value)
        except ValueError:  # a ragged nested list
            raise ValueError(f"{weight} has shape {variable.shape}, received a ragged nested list, "
                             "which is not an array.") from None
        if value.shape != variable.shape:
            raise ValueError(f"{weight} has shape {variable.shape}, received an array of shape "
                             f"{value.shape}.")
        if value.dtype.kind not in "biuf":
            raise ValueError(f"{weight} needs real numbers, received an array of dtype "
                             f"{value.dtype}.")
        return value

    # ----------------------------------------------------------------------------- building
    @_keras_build
    def build(self, input_shape):
        """Create the layer's weights for ``input_shape`` (batch dimension included, as None)."""

    def build_once(self, input_shape):
        """Build for ``input_shape`` unless already built (``build`` itself builds only once)."""
        self.build(input_shape)

    def _check_built_for(self, input_shape):
        """A ValueError naming this built layer when ``input_shape`` does not fit the shape it was
        built for: its weights were made for that one."""
        built_for = self._build_input_shape
        if built_for is not None and not shape_fits(input_shape, built_for):
            raise ValueError(
                f"{type(self).__name__} '{self.name}' was built for input of shape {built_for}, so "
                f"it cannot take input of shape {tuple(input_shape)}."
            )

    def _snapshot(self):
        """What building may change: the attributes, and the weight list (grown in place)."""
        return dict(vars(self)), list(self._weights)

    def _restore(self, snapshot):
        """Put back what ``_snapshot`` saw: attributes set since are dropped, weights added since
        forgotten."""
        attributes, weights = snapshot
        vars(self).clear()
        vars(self).update(attributes)
        self._weights[:] = weights

    @contextlib.contextmanager
    def _restored_on_failure(self):
        """Run the block all or nothing: if it raises, the layer is restored as it was before."""
        snapshot = self._snapshot()
        try:
            yield
        except BaseException:
            self._restore(snapshot)
            raise

    def compute_output_shape(self, input_shape):
        """Output shape for an input shape (both with the batch dimension)."""
        return tuple(input_shape)

    # ----------------------------------------------------------------------------- computing
    def forward(self, x, training=False):
        """Output for ``x``; in training mode, also caches what ``backward`` needs."""
        raise NotImplementedError(self._missing_pass("forward"))

    def backward(self, dy, input_gradient=True):
        """Gradient with respect to the input; sets ``self.gradients``.

        With ``input_gradient=False`` (the first layer of a model) the input gradient is skipped and
        None is returned.
        """
        raise NotImplementedError(self._missing_pass("backward"))

    def check_backward(self, input_gradient=True):
        """Raise the NotImplementedError of a missing pass when this layer, whose backward
        training will run, has no ``forward`` or ``backward`` of its own. Training checks it when
        it plans its step, before the first forward moves anything (BatchNormalization's moving
        statistics, the optimizer's state)."""
        for method in ("forward", "backward"):
            if getattr(type(self), method) is getattr(Layer, method):
                raise NotImplementedError(self._missing_pass(method))

    def _missing_pass(self, method):
        """The message for a custom layer without ``method`` (perhaps with Keras's ``call``
        instead): handkeras has no autograd."""
        keras_call = " (Keras's `call` is not used)" if hasattr(self, "call") else ""
        return (f"{type(self).__name__} '{self.name}' defines no `{method}`{keras_call}: handkeras "
                "has no autograd, so a custom layer implements `forward(self, x, training=False)` "
                "and `backward(self, dy, input_gradient=True)` (see docs/layers.md, 'Writing your "
                "own layer').")

    def __call__(self, x, training=False):
        """Apply the layer to an array, building it on first use; called on a KerasTensor (what
        ``keras.Input`` returns), give the KerasTensor of its output instead."""
        if isinstance(x, KerasTensor):
            return self.symbolic_call(x)
        x = np.asarray(x, dtype=self.dtype)
        self.check_input_shape(x.shape)
        self.build_once((None,) + x.shape[1:])
        return self._record_activity_loss(self.forward(x, training=training))

    def _record_activity_loss(self, y):
        """``y``, the output of a direct call, after recording its activity penalty (divided by the
        batch size) as the layer's ``losses`` list it: Keras does so on every call of a layer.
        A model's inference (``predict``, ``model(x)``) does not pass here and records nothing."""
        if self.activity_regularizer is not None:
            self._activity_loss = self.activity_regularizer(y) / (len(y) if y.ndim else 1)
        return y

    def symbolic_call(self, x):
        """The KerasTensor of the output for the KerasTensor ``x``, the layer built as an array of
        that shape builds it, and ``x`` and the output recorded as its ``input`` and ``output``
        (when it has none yet): Keras's way to read an output shape (``layer(keras.Input((12,)))
        .shape``). The result reads shapes; models are built with ``Sequential``."""
        self.check_input_shape(x.shape)
        with self._restored_on_failure():
            self.build_once((None,) + x.shape[1:])
            return self._connect(x, x)

    def check_input_shape(self, shape, argument="x", expected=None):
        """Raise a ValueError naming this layer when ``shape`` does not fit its input shape (the
        built one, unless ``expected`` is given)."""
        expected = expected or self._build_input_shape
        if expected is not None and not shape_fits(shape, expected):
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects input of shape {expected}, "
                f"received {argument} with shape {tuple(shape)}."
            )

    def check_input_values(self, x):
        """Check the values of a model's whole input before its first batch runs, for a first layer
        that takes only some values (Embedding's ids); any value goes by default."""

    # ----------------------------------------------------------------------------- masks
    def compute_mask(self, inputs, previous_mask):
        """The mask of this layer's output: by default the incoming one, unchanged."""
        return previous_mask

    def output_mask(self, inputs, previous_mask):
        """The mask that follows this layer: ``compute_mask`` where masking is supported; otherwise
        None, with Keras's warning when a mask is dropped."""
        if self.supports_masking:
            return self.compute_mask(inputs, previous_mask)
        if previous_mask is not None:
            warnings.warn(
                f"Layer '{self.name}' (of type {type(self).__name__}) was passed an input with a mask "
                "attached to it. However, this layer does not support masking and will therefore "
                "destroy the mask information. Downstream layers will not see the mask.",
                stacklevel=3,
            )
        return None

    # ----------------------------------------------------------------------------- regularization
    @property
    def losses(self):
        """Keras's list of regularization losses, as floats: the activity penalties of the last
        training-mode forward or direct call (a model's inference records none, so that it writes
        nothing), then the penalty of each trainable weight that has a regularizer, from its
        current value."""
        return self._activity_losses() + self._weight_regularization_losses()

    def _activity_losses(self):
        """This layer's activity penalty from the last training-mode forward of its model or the
        last direct call, if any."""
        if self.activity_regularizer is None or self._activity_loss is None:
            return []
        return [self._activity_loss]

    def _weight_regularization_losses(self):
        return [w.regularizer(w.value) for w in self.trainable_weights if w.regularizer is not None]

    def regularization_penalty(self):
        """The sum of the weight regularizers' penalties on the current weights."""
        return sum(self._weight_regularization_losses())

    def add_regularization_gradients(self):
        """Add each weight regularizer's gradient to that weight's gradient."""
        for weight, gradient in zip(self.trainable_weights, self.gradients):
            if weight.regularizer is not None:
                gradient += weight.regularizer.gradient(weight.value)

    # ----------------------------------------------------------------------------- config
    def get_config(self):
        """Keras's config for this layer: enough to rebuild it (without weights) with from_config."""
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": {"module": "keras", "class_name": "DTypePolicy",
                            "config": {"name": self.dtype}, "registered_name": None}}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers_module.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"
