"""Sequential: a stack of layers, itself a layer, trained by the Trainer it mixes in."""

import json

from handkeras import backend
from handkeras.keras_tensor import KerasTensor
from handkeras.layers.conv_max_pooling import ConvMaxPooling
from handkeras.layers.core.input_layer import InputLayer
from handkeras.layers.layer import Layer
from handkeras.layers.relu_max_pooling import ReluMaxPooling
from handkeras.trainers.trainer import Trainer, undoes_first_build_on_failure
from handkeras.utils.summary import print_summary


class Sequential(Trainer, Layer):
    """A linear stack of layers, as ``keras.Sequential``.

    A layer joins the model when it is passed to the constructor or to ``add``, never during a forward
    pass. The model is built as soon as its input shape is known: from ``Input(shape=...)``, from
    ``input_shape=`` / ``input_dim=`` on the first layer, from ``build(input_shape)``, or from the first
    data it sees.
    """

    _wraps_build = False  # `build` builds the layers, and marks the model built, itself

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        self._layers = []
        self._steps = None  # planned by `_planned_steps`, again whenever a layer is added or popped
        self._input_layer = None
        self._init_trainer()
        for layer in layers or []:
            self.add(layer)

    # ----------------------------------------------------------------------------- structure
    @property
    def layers(self):
        """The model's layers, without its InputLayer (as in Keras)."""
        return list(self._layers)

    def add(self, layer, rebuild=True):
        """Append a layer (or set the input with ``Input``/``InputLayer`` before any layer)."""
        if isinstance(layer, KerasTensor):
            if layer._input_layer is None:
                raise TypeError(
                    f"Sequential '{self.name}'.add takes a layer or `keras.Input(...)`; received "
                    f"{layer!r}, the output of a layer, which only Keras's functional API takes."
                )
            layer = layer._input_layer
        if isinstance(layer, InputLayer):
            if self._layers or self._input_layer is not None:
                raise ValueError(
                    f"Sequential '{self.name}': an InputLayer can only be the first layer; the "
                    f"model already has layers or an input."
                )
            self._input_layer = layer
            self._build_from(layer.batch_shape)
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential '{self.name}'.add expects a Layer, received {type(layer).__name__}: "
                f"{layer!r}."
            )
        if layer is self or any(existing is layer for existing in self._layers):
            raise ValueError(f"Layer '{layer.name}' is already part of Sequential '{self.name}'.")
        names = {existing.name for existing in self._layers}
        if layer.name in names:
            raise ValueError(
                f"Sequential '{self.name}' already has a layer named '{layer.name}': layer names "
                "must be unique within a model."
            )
        input_layer = self._input_layer
        if not self._layers and input_layer is None and layer._input_shape_argument:
            input_layer = InputLayer(shape=layer._input_shape_argument)
        shape = self._next_input_shape(input_layer)
        if shape is not None:  # the layer is built, or refused, before anything changes
            with layer._restored_on_failure():
                self._build_layer(layer, shape)
        self._input_layer = input_layer
        self._layers.append(layer)
        self._steps = None
        if self.built:
            self._connect_layers()
        elif shape is not None:
            self._build_from(shape)

    def _next_input_shape(self, input_layer):
        """The shape a layer added now receives: the model's output shape, or None while the model
        has no input shape. An unbuilt model with an input has no layers (they would have built
        it)."""
        if self.built:
            return self.compute_output_shape(self._build_input_shape)
        if input_layer is not None:
            return input_layer.batch_shape
        return self._build_input_shape  # every layer was popped: keep the input

    def pop(self, rebuild=True):
        """Remove and return the last layer. As in Keras, the model stays built on the layers that
        remain (its output is now theirs); with none left it is unbuilt until a layer is added,
        which is built for the model's input at once."""
        if not self._layers:
            raise IndexError(f"Sequential '{self.name}' has no layers to pop.")
        layer = self._layers.pop()
        self._steps = None
        if not self._layers:
            self.built = False
        elif self.built:
            self._connect_layers()
        return layer

    def get_layer(self, name=None, index=None):
        """The layer with this name (or at this index)."""
        if index is not None:
            if not -len(self._layers) <= index < len(self._layers):
                raise ValueError(
                    f"Sequential '{self.name}' has {len(self._layers)} layers; index {index} is "
                    "out of range."
                )
            return self._layers[index]
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No layer named {name!r} in Sequential '{self.name}'. Its layers are "
            f"{[layer.name for layer in self._layers]}."
        )

    # ----------------------------------------------------------------------------- building
    def build(self, input_shape=None):
        """Build every layer for ``input_shape`` (batch dimension included, may be None)."""
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError(
                    f"Sequential '{self.name}' cannot build without an input shape: pass "
                    "`input_shape`, or start the model with `Input(shape=...)`."
                )
            input_shape = self._input_layer.batch_shape
        self.build_once(input_shape)

    def _build_from(self, input_shape):
        """Build every layer for ``input_shape``, all or nothing: when a layer refuses its shape,
        the layers built before it go back to unbuilt, without weights."""
        if self.built:
            return
        shape = input_shape = tuple(input_shape)
        with self._restored_on_failure():
            for layer in self._layers:
                shape = self._build_layer(layer, shape)
        if self._input_layer is None and self._layers:
            # As Keras's Sequential.build: a model built without an Input gets an InputLayer for
            # the shape it was built for (its config then lists it, as Keras's does).
            self._input_layer = InputLayer(batch_shape=input_shape, dtype=self._layers[0].dtype)
        self._build_input_shape = input_shape
        self.built = True
        self._connect_layers()

    def _connect_layers(self):
        """Keras's symbolic tensors of the built model: each layer's ``input`` and ``output`` in
        it, from the InputLayer's tensor to the model's ``outputs``."""
        tensor = self._input_layer.output
        for layer in self._layers:
            tensor = layer._connect(self, tensor)
        self._output_tensor = tensor

    @property
    def inputs(self):
        """``[the input tensor]`` of a built model, as Keras lists a Sequential's inputs."""
        self._require_symbolic("inputs")
        return [self._input_layer.output]

    @property
    def outputs(self):
        """``[the last layer's output tensor]`` of a built model."""
        self._require_symbolic("outputs")
        return [self._output_tensor]

    def _require_symbolic(self, what):
        if not self.built:
            raise AttributeError(f"Sequential '{self.name}' has no defined {what} yet: it is not "
                                 "built (give it an `Input(shape=...)`, build it or call it).")

    def _build_layer(self, layer, input_shape):
        """Build ``layer`` for ``input_shape`` (unless built) and return its output shape. As in
        Keras, the weights a model creates have its name in their paths (``sequential/dense/kernel``);
        a layer built before it joined keeps its own (``dense/kernel``)."""
        with backend.name_scope(self.name):
            layer.build_once(input_shape)
        return layer.compute_output_shape(input_shape)

    def _snapshot(self):
        """The model's attributes, the list of its layers and each layer's own snapshot: building
        the model builds its layers."""
        return super()._snapshot(), [(layer, layer._snapshot()) for layer in self._layers]

    def _restore(self, snapshot):
        """Put the model, its list of layers and each layer back as ``_snapshot`` saw them."""
        own, layers = snapshot
        super()._restore(own)
        self._layers[:] = [layer for layer, _ in layers]
        for layer, layer_snapshot in layers:
            layer._restore(layer_snapshot)

    def build_once(self, input_shape):
        """Build for ``input_shape`` (from ``build``, or as a layer of another model); a built
        model checks that the shape fits its input."""
        input_shape = tuple(input_shape)
        if self.built:
            self._check_built_for(input_shape)
        else:
            self._build_from(input_shape)

    def _build_for(self, x):
        self._require_layers()
        self._build_from((None,) + x.shape[1:])

    def _require_layers(self):
        """A ValueError unless the model has layers: an empty one has no output to run or fit."""
        if not self._layers:
            raise ValueError(f"Sequential '{self.name}' has no layers: add some before using it.")

    def check_input_values(self, x):
        """The first layer's check: the one that receives ``x``."""
        if self._layers:
            self._layers[0].check_input_values(x)

    @property
    def input_shape(self):
        if self._build_input_shape is None:
            raise AttributeError(f"Sequential '{self.name}' is not built, so it has no input shape.")
        return self._build_input_shape

    @property
    def output_shape(self):
        return self.compute_output_shape(self.input_shape)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._layers:
            shape = layer.compute_output_shape(shape)
        return shape

    # ----------------------------------------------------------------------------- weights
    @Layer.trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value

    @property
    def weights(self):
        return [w for layer in self._layers for w in layer.weights]

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [w for layer in self._layers for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return [w for layer in self._layers for w in layer.non_trainable_weights]

    @property
    def gradients(self):
        """The last backward's gradients, in ``trainable_weights`` order."""
        return [grad for layer in self._layers if layer.trainable_weights
                for grad in layer.gradients]

    @gradients.setter
    def gradients(self, value):
        """Layer.__init__ initializes it; a Sequential derives it from its layers."""

    def add_regularization_gradients(self):
        """Add each sublayer's weight-regularization gradients (once per backward)."""
        for layer in self._layers:
            if layer.trainable_weights:
                layer.add_regularization_gradients()

    def _activity_losses(self):
        """The activity penalties of the last training forward, layer by layer (nested models'
        inside them)."""
        return [loss for layer in self._layers for loss in layer._activity_losses()]

    def regularization_penalty(self):
        """Weight-regularization penalties, plus activity penalties of the last training forward."""
        return (sum(layer.regularization_penalty() for layer in self._layers)
                + getattr(self, "_activity_penalty", 0.0))

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"Sequential '{self.name}' is not built yet. Give it an input shape (Input, "
                "input_shape=, build()) or call it on data before counting parameters."
            )
        return int(sum(w.value.size for w in self.weights))

    # ----------------------------------------------------------------------------- computing
    def forward(self, x, training=False):
        """Run every layer in order (see ``forward_details``)."""
        return self.forward_details(x, training)[0]

    def _planned_steps(self):
        """The layers as forward and backward run them: each in turn, except two pairs taken as one
        exact step: a convolution and the max pooling that tiles its output (``ConvMaxPooling``),
        and another layer ending in a relu before a max pooling (``ReluMaxPooling``). Planned once
        for the layers the model has."""
        if self._steps is None:
            steps, layers, i = [], self._layers, 0
            while i < len(layers):
                pair = layers[i:i + 2]
                fused = next((kind for kind in (ConvMaxPooling, ReluMaxPooling)
                              if len(pair) == 2 and kind.applies(*pair)), None)
                steps.append(fused(*pair) if fused else layers[i])
                i += 2 if fused else 1
            self._steps = steps
        return self._steps

    def forward_details(self, x, training=False, check_first_product=None):
        """``(outputs, mask, activity_penalty)`` for one batch; ``check_first_product`` is handed to
        the first step, a ``Dense`` (see ``FiniteCheck.product_check``).

        The mask (from an ``Embedding(mask_zero=True)``) flows through the layers that support
        masking, into those that use it (``forward(..., mask=)``), and out to the loss; a layer that
        does not support masking drops it with a warning, as in Keras. As in Keras 3, an activity
        penalty is divided by the batch size. A training-mode forward also keeps what backward needs,
        the penalty included; inference writes nothing to the model.
        """
        penalty = 0.0
        mask = None
        for step in self._planned_steps():
            inputs = x
            if check_first_product is not None:
                x = step.forward(inputs, training=training, check_product=check_first_product)
                check_first_product = None
            elif mask is not None and step.forward_takes_mask:
                x = step.forward(inputs, training=training, mask=mask)
            else:
                x = step.forward(inputs, training=training)
            mask = step.output_mask(inputs, mask)
            if step.activity_regularizer is not None:
                activity_loss = step.activity_regularizer(x) / len(x)
                penalty += activity_loss
                if training:
                    step._activity_output, step._activity_loss = x, activity_loss
        if training:
            self._activity_penalty = penalty
        return x, mask, penalty

    def backward(self, dy, input_gradient=True, from_logits=False, kernel_products=(),
                 first=None):
        """Back-propagate ``dy`` through every step of the last training forward, in reverse;
        ``from_logits`` starts below the last layer's activation.

        With ``input_gradient=False`` nothing is computed that only leads to the input: the steps
        below the first one with trainable weights (a ``Rescaling``, a frozen layer) do not run,
        and that one skips its input gradient. ``first``, that step's index, is looked up unless
        given (the training step looks it up once per fit). The Dense layers in
        ``kernel_products`` leave their kernel's gradient unformed (see ``ProductGradient``).
        """
        steps = self._planned_steps()
        if first is None:
            first = self._first_backward_step(input_gradient)
        for i in range(len(steps) - 1, first - 1, -1):
            step = steps[i]
            if i == len(steps) - 1 and from_logits:
                backward = step.backward_from_logits
            else:
                backward = step.backward
                if step.activity_regularizer is not None:
                    dy = dy + step.activity_regularizer.gradient(step._activity_output) / len(dy)
            if step in kernel_products:
                dy = backward(dy, input_gradient or i > first, kernel_product=True)
            else:
                dy = backward(dy, input_gradient or i > first)
        return dy

    def _first_backward_step(self, input_gradient):
        """The index of the lowest step ``backward`` runs: the first, or without an input
        gradient the first with trainable weights (none: the number of steps)."""
        steps = self._planned_steps()
        return 0 if input_gradient else next(
            (i for i, step in enumerate(steps) if step.trainable_weights), len(steps))

    def check_backward(self, input_gradient=True):
        """Raise the NotImplementedError of the first layer whose backward ``backward`` would run
        and which has none (a Lambda above a layer with trainable weights, a custom layer without
        ``backward``), before training changes anything."""
        steps = self._planned_steps()
        first = self._first_backward_step(input_gradient)
        for i in range(first, len(steps)):
            check = getattr(steps[i], "check_backward", None)  # fused pairs: built-in layers
            if check is not None:
                check(input_gradient or i > first)

    @undoes_first_build_on_failure
    def __call__(self, x, training=False):
        """Outputs for ``x`` (an array), building the model on first use; for a KerasTensor, the
        KerasTensor of the output."""
        from handkeras.trainers import data

        if isinstance(x, KerasTensor):
            return self.symbolic_call(x)

        x, _, _ = data.prepare(x)
        if self.built:
            x = data.match_input_rank(x, self._build_input_shape)
        self.check_input_values(x)
        self._build_for(x)
        self.check_input_shape(x.shape, "x")
        return self.forward(x, training=training)

    # ----------------------------------------------------------------------------- reporting
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print the layers, their output shapes and parameter counts, then the totals."""
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    # ----------------------------------------------------------------------------- saving
    def get_config(self):
        """Keras's config: the serialized layers (InputLayer first, when there is one)."""
        from handkeras.saving import serialization

        return serialization.sequential_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The model (without weights) that ``get_config()`` (handkeras's or Keras's) describes."""
        from handkeras.saving import serialization

        return serialization.sequential_from_config(cls, config, custom_objects)

    def to_json(self, **kwargs):
        """The model's config as JSON text, as Keras's ``to_json``: what a ``.keras`` file's
        ``config.json`` holds (no weights), for ``keras.models.model_from_json``. ``kwargs`` go to
        ``json.dumps`` (``indent=2``, ``sort_keys=True``, ...)."""
        from handkeras.saving import serialization

        return json.dumps(serialization.serialize_keras_object(self), **kwargs)

    def get_build_config(self):
        return {"input_shape": tuple(self._build_input_shape)} if self.built else None

    def get_compile_config(self):
        """Keras's serialized ``compile`` arguments, or None when the model is not compiled."""
        from handkeras.saving import compile_config

        return compile_config.get_compile_config(self)

    def compile_from_config(self, config):
        """Compile with the arguments ``get_compile_config()`` (handkeras's or Keras's) describes."""
        from handkeras.saving import compile_config

        self.compile(**compile_config.compile_arguments(config))

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save the model: a ``.keras`` archive (recommended) or a legacy ``.h5`` file."""
        from handkeras import saving

        saving.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Save the weights (and optimizer state): ``.weights.h5``, or the legacy ``.h5`` layout."""
        from handkeras import saving

        saving.save_weights(self, filepath, overwrite=overwrite, max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Load weights from a ``.weights.h5``, ``.h5`` / ``.hdf5`` or ``.keras`` file, all or nothing."""
        from handkeras import saving

        saving.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)
