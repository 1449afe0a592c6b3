"""Optimizer: the base of every update rule.

``apply(grads, variables)`` does what Keras's does, in Keras's order: divide the gradients by
``loss_scale_factor`` (when set), clip them, decay the weights (``w *= 1 - weight_decay * lr``),
then let the subclass's ``update_step(gradient, variable, slots, learning_rate)`` change each
variable in place, update the moving averages (``use_ema``), replace each variable that has a
``constraint`` by ``constraint(variable)``, and finally count the step in ``iterations``. With
``gradient_accumulation_steps`` n, only every n-th call clips, decays and updates, with the mean of
the n calls' gradients; the others add theirs up. The learning rate and the step number are read
once per step, before it, as numpy and Python numbers, so a schedule sees ``iterations`` before the
increment (0 on the first step) and the update rules see plain numbers.

The optimizer's state is Keras's: ``iterations`` and a learning rate given as a number are Variables,
and slot arrays (momenta, second moments, ...) are created for the variables of the first ``apply``
(or ``build``), group by group as Keras creates them, so that ``variables`` lists the state in Keras's
order with Keras's paths: the iteration count, the learning rate when it is a number, the moving
averages (``use_ema``), the gradient accumulators, then the slots.
Layers compute gradients; only optimizers change weights.
"""

import numbers
import re
import warnings

import numpy as np

from handkeras import aligned
from handkeras import backend
from handkeras.optimizers.blocks import update_in_blocks
from handkeras.optimizers.schedules import LearningRateSchedule
from handkeras.optimizers.schedules import deserialize as deserialize_schedule
from handkeras.optimizers.schedules import serialize as serialize_schedule
from handkeras.variables import Variable


class Optimizer:
    """Base optimizer with Keras's common arguments.

    ``learning_rate`` is a number, a ``LearningRateSchedule`` (called with ``iterations``) or a
    callable taking no argument. ``lr`` is accepted as an alias of ``learning_rate`` (older Keras
    examples use it). At most one of ``clipnorm``, ``clipvalue`` and ``global_clipnorm`` may be set.
    """

    #: Per-variable slot arrays of this rule, in groups: Keras creates each group for every variable
    #: (the names of a group interleaved per variable) before it creates the next group.
    slot_groups = ()
    #: Whether ``update_step`` is element-wise, so that large variables may be updated one
    #: cache-sized block at a time (``optimizers/blocks.py``). Keras's rules here are, except SGD,
    #: which runs on BLAS whole; a new rule must say so.
    updates_in_blocks = False

    @property
    def takes_product_gradients(self):
        """Whether ``update_step`` takes a kernel's gradient as a ``ProductGradient`` (its factors,
        unformed); only SGD without Nesterov momentum, clipping, loss scaling or gradient
        accumulation does, adding it in one GEMM."""
        return False

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if "lr" in kwargs:
            learning_rate = kwargs.pop("lr")
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.", stacklevel=3)
        if kwargs:
            raise ValueError(f"{type(self).__name__}: argument(s) not recognized: {kwargs}.")
        check_ema_arguments(self, use_ema, ema_momentum, ema_overwrite_frequency)
        if loss_scale_factor is not None:
            check_number(self, "loss_scale_factor", loss_scale_factor, minimum=0,
                         above_minimum=True)
        steps = gradient_accumulation_steps
        if steps is not None and (not isinstance(steps, numbers.Integral)
                                  or isinstance(steps, bool) or steps < 2):
            raise ValueError(
                f"{type(self).__name__}: `gradient_accumulation_steps` must be an integer >= 2 or "
                f"None, received {steps!r}."
            )
        clip_arguments = {"clipnorm": clipnorm, "clipvalue": clipvalue,
                          "global_clipnorm": global_clipnorm}
        if sum(value is not None for value in clip_arguments.values()) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                + ", ".join(f"{key}={value}" for key, value in clip_arguments.items()) + "."
            )
        for argument, value in {**clip_arguments, "weight_decay": weight_decay}.items():
            if value is not None:
                check_number(self, argument, value, minimum=0)
        self.name = name if name is not None else backend.unique_name(
            backend.snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._iterations = self._state_variable(np.zeros((), np.int32), "iteration")
        self.local_step = 1  # the step being applied, as a Python int: see apply_unchecked
        self._learning_rate = None
        self.learning_rate = learning_rate
        self.built = False
        self._trainable_variables = []
        self._slots = {}
        self._plan_cache = None  # see _plan_of
        self._slot_variables = []
        self._model_variables_moving_average = []  # Keras's names for these two lists
        self._accumulated_gradients = []
        self._accumulator_of = {}  # id(variable) -> its accumulator's array
        self._exclude_from_weight_decay_ids = set()
        self._exclude_from_weight_decay_pattern = None

    # ----------------------------------------------------------------------------- learning rate
    @property
    def learning_rate(self):
        """As in Keras: the learning rate's Variable (a 0-d float in floatx, which ``assign`` and
        ``numpy`` work on and which stands for its value in arithmetic), or for a schedule its value
        at ``iterations``, or for a callable what it returns."""
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate
        return self._learning_rate_at(self._iterations.value.item())

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, LearningRateSchedule) or callable(value):
            self._learning_rate = value
            return
        if self._learning_rate is not None and not isinstance(self._learning_rate, Variable):
            raise TypeError(
                f"{type(self).__name__} was created with a schedule or callable as its "
                f"`learning_rate`, so its learning rate cannot be set to the number {value!r}; "
                "create the optimizer with a float `learning_rate` to change it."
            )
        if isinstance(value, Variable):
            value = value.value[()]
        check_number(self, "learning_rate", value, minimum=0)
        if self._learning_rate is None:
            self._learning_rate = self._state_variable(np.array(value, backend.floatx()),
                                                       "learning_rate")
        else:
            self._learning_rate.assign(value)

    lr = learning_rate

    def _learning_rate_at(self, iteration):
        """The learning rate of the step after ``iteration`` steps, as a numpy scalar (floatx for
        numbers and built-in schedules)."""
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate.value[()]
        if isinstance(self._learning_rate, LearningRateSchedule):
            return self._learning_rate(iteration)
        return self._learning_rate()

    # ----------------------------------------------------------------------------- state
    @property
    def iterations(self):
        """The number of steps taken: a 0-d int32 Variable (as in Keras on torch) that stands for
        its value in arithmetic and comparisons. With ``gradient_accumulation_steps`` n it counts
        the updates, ``calls // n``, as a numpy int32 (Keras gives a tensor); the Variable counting
        the calls is what a schedule reads and what is saved."""
        if self.gradient_accumulation_steps:
            return self._iterations.value // np.int32(self.gradient_accumulation_steps)
        return self._iterations

    def _updates_before(self, calls):
        """``iterations`` after ``calls`` calls of ``apply``, as a Python int."""
        steps = self.gradient_accumulation_steps
        return calls // steps if steps else calls

    def _state_variable(self, value, name):
        """A non-trainable Variable of this optimizer, with Keras's path ``<optimizer name>/<name>``."""
        return Variable.holding(value, name, f"{self.name}/{name}", trainable=False)

    @property
    def slot_names(self):
        """The slot names of one variable, in the order ``update_step`` receives them."""
        return tuple(name for group in self.slot_groups for name in group)

    def build(self, variables):
        """Create the slots of ``variables`` (once: later calls do nothing, as in Keras)."""
        if self.built:
            return
        variables = list(variables)
        slot_index = {name: i for i, name in enumerate(self.slot_names)}
        self._slots = {id(variable): [None] * len(slot_index) for variable in variables}
        # Keras's base creates these before the rule's slots: all averages, then all accumulators.
        if self.use_ema:
            self._model_variables_moving_average = [self._zeros_like(variable, "average")
                                                    for variable in variables]
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = [self._zeros_like(variable, "gradient_accumulator")
                                           for variable in variables]
            self._accumulator_of = {id(variable): accumulator.value for variable, accumulator
                                    in zip(variables, self._accumulated_gradients)}
        self._slot_variables = []
        for group in self.slot_groups:
            for variable in variables:
                for slot_name in group:
                    slot = self.slot_variable(slot_name, variable)
                    self._slots[id(variable)][slot_index[slot_name]] = slot.value
                    self._slot_variables.append(slot)
        self._trainable_variables = variables
        self.built = True

    def slot_variable(self, slot_name, variable):
        """The Variable holding a slot of ``variable``, named as Keras names it:
        ``<optimizer>/<weight path with _ for />_<slot>``, starting at ``initial_slot``."""
        return self._state_variable(self.initial_slot(slot_name, variable),
                                    f"{variable.path.replace('/', '_')}_{slot_name}")

    def _zeros_like(self, variable, name):
        """A Variable of zeros shaped like ``variable``, with a slot's path (averages and gradient
        accumulators, which every rule has alike)."""
        return self._state_variable(aligned.zeros(variable.shape, variable.dtype),
                                    f"{variable.path.replace('/', '_')}_{name}")

    def initial_slot(self, slot_name, variable):
        """The starting value of a slot: zeros shaped like the variable, unless the rule says otherwise."""
        return aligned.zeros(variable.shape, variable.dtype)

    def _extra_variables(self):
        """Optimizer state that is not per variable, listed after the slots (Nadam's momentum product)."""
        return []

    @property
    def variables(self):
        """Keras's optimizer variables, in Keras's order and with Keras's paths: ``iterations``, the
        learning rate unless it is a schedule or callable, then the slots (``<optimizer>/<weight
        path with _ for />_<slot>``, such as ``adam/dense_kernel_momentum``) and any other state.
        With ``use_ema`` the moving averages (``..._average``), and with
        ``gradient_accumulation_steps`` the accumulators (``..._gradient_accumulator``), come
        before the slots, as in Keras.

        Each is a Variable holding the live array the optimizer updates."""
        state = [self._iterations]
        if isinstance(self._learning_rate, Variable):
            state.append(self._learning_rate)
        return (state + self._model_variables_moving_average + self._accumulated_gradients
                + self._slot_variables + self._extra_variables())

    def save_own_variables(self, store):
        """Write ``variables`` into ``store`` under the keys ``"0"``, ``"1"``, ... (Keras's layout)."""
        for i, value in enumerate(self.variables):
            store[str(i)] = np.array(value)

    def load_own_variables(self, store):
        """Read ``variables`` back from ``store``; like Keras, warn and skip when the counts differ.

        Shapes are checked before anything is assigned (a ``ValueError`` changes nothing)."""
        self._load(store)

    def restore_variables(self, store, trainable_variables):
        """Build on ``trainable_variables`` (unless built) and load ``store``, as loading a compiled
        model does. When the counts differ (a warning) or a shape does (a ``ValueError``), the
        optimizer is left as it was, unbuilt if it was."""
        was_built = self.built
        self.build(trainable_variables)
        loaded = False
        try:
            loaded = self._load(store)
        finally:
            if not loaded and not was_built:
                self._unbuild()

    def _load(self, store):
        variables = self.variables
        if len(store.keys()) != len(variables):
            warnings.warn(
                f"Skipping variable loading for optimizer '{self.name}', because it has "
                f"{len(variables)} variables whereas the saved optimizer has {len(store.keys())} "
                "variables." + (" This is likely because the optimizer has not been built yet."
                                if not self.built else ""),
                stacklevel=3,
            )
            return False
        self._assign_all(variables, [store[str(i)] for i in range(len(variables))])
        return True

    def set_weights(self, weights):
        """Assign ``weights``, one array per variable in the order of ``variables`` (what
        ``[v.numpy() for v in optimizer.variables]`` gives), to a built optimizer. Every shape is
        checked before anything is assigned."""
        if not self.built:
            raise ValueError(  # Keras's words
                "You are calling `set_weights()` on an optimizer that has not yet been built. "
                "Please call `optimizer.build(trainable_variables)` to create the optimizer "
                "weights before calling `set_weights()`.")
        variables, weights = self.variables, list(weights)
        if len(weights) != len(variables):
            raise ValueError(f"Optimizer '{self.name}': `set_weights` needs {len(variables)} "
                             f"arrays, one per variable, received {len(weights)}.")
        self._assign_all(variables, weights)

    def _assign_all(self, variables, values):
        """Assign each value to its variable, once every shape has been checked."""
        values = [np.asarray(value) for value in values]
        for i, (variable, value) in enumerate(zip(variables, values)):
            if value.shape != variable.shape:
                raise ValueError(
                    f"Optimizer '{self.name}': variable {i} ({variable.path}) has shape "
                    f"{variable.shape}, the value given has shape {value.shape}."
                )
        for variable, value in zip(variables, values):
            variable.assign(value)

    def _unbuild(self):
        self.built = False
        self._trainable_variables, self._slots, self._slot_variables = [], {}, []
        self._model_variables_moving_average, self._accumulated_gradients = [], []
        self._accumulator_of = {}

    # ----------------------------------------------------------------------------- weight decay
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempt variables from weight decay: those in ``var_list``, and those whose ``name``
        contains one of the strings of ``var_names`` (a regular-expression search, as in Keras)."""
        self._exclude_from_weight_decay_ids = {id(variable) for variable in var_list or ()}
        self._exclude_from_weight_decay_pattern = (
            re.compile("|".join(set(var_names))) if var_names else None)

    def _uses_weight_decay(self, variable):
        if id(variable) in self._exclude_from_weight_decay_ids:
            return False
        pattern = self._exclude_from_weight_decay_pattern
        return pattern is None or pattern.search(variable.name) is None

    # ----------------------------------------------------------------------------- applying
    def _clip_gradients(self, grads):
        """Keras's clipping: ``g * clipnorm / max(||g||, clipnorm)`` per gradient, or every gradient
        times ``global_clipnorm * min(1 / global_norm, 1 / global_clipnorm)``, or ``clip(g, -v, v)``.
        A zero clip argument clips nothing, as in Keras. Computed in the gradients' dtype.
        """
        if self.clipnorm:
            return [g * self.clipnorm / np.maximum(np.sqrt(np.sum(np.square(g))), self.clipnorm)
                    for g in grads]
        if self.global_clipnorm:
            norm = np.sqrt(np.sum([np.sum(np.square(g)) for g in grads], dtype=np.result_type(*grads)))
            with np.errstate(divide="ignore", invalid="ignore"):
                # A non-finite norm makes the scale NaN, as in Keras; a zero norm leaves it at 1.
                smallest = np.minimum(1 / norm, 1 / self.global_clipnorm)
                scale = self.global_clipnorm * smallest + (norm - norm)
            return [g * scale for g in grads]
        if self.clipvalue:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def apply(self, grads, trainable_variables=None):
        """Update ``trainable_variables`` in place from ``grads`` (same order), then count a step.

        The first call builds the optimizer on its variables; later calls may pass those or a subset
        (or no variables at all, meaning all of them), and a variable it was not built with is a
        ``ValueError``, as in Keras. A ``None`` gradient skips its variable, with a warning.
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    f"{type(self).__name__}.apply: when passing `grads` without variables, the "
                    "optimizer must already be built; call `optimizer.build(trainable_variables)` "
                    "first."
                )
            variables = self._trainable_variables
        else:
            variables = list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(
                f"{type(self).__name__}.apply: received {len(grads)} gradients for "
                f"{len(variables)} variables."
            )
        if self.built:
            self._check_known(variables)
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not kept:
            raise ValueError("No gradients provided for any variable.")
        if len(kept) < len(grads):
            warnings.warn(
                "Gradients do not exist for variables "
                f"{[v.path for g, v in zip(grads, variables) if g is None]} when minimizing the loss.",
                stacklevel=2,
            )
        for grad, variable in kept:
            if np.shape(grad) != variable.shape:
                raise ValueError(
                    f"{type(self).__name__}.apply: gradient of shape {np.shape(grad)} does not match "
                    f"variable '{variable.path}' of shape {variable.shape}."
                )
        self.build(variables)
        self.apply_unchecked([np.asarray(g, dtype=v.dtype) for g, v in kept], [v for _, v in kept])

    def apply_unchecked(self, grads, variables):
        """``apply`` without the argument checks, for the fit loop, whose gradients always match.

        The gradients may be the layers' reused buffers: update rules must not keep references to
        them, nor change them. The step's number (``iterations + 1``) is ``local_step`` while the
        rules run, a Python int.
        """
        self.build(variables)
        slots, constrained = self._plan_of(variables)
        calls = self._iterations.value.item()
        if self.loss_scale_factor is not None:
            grads = [g / self.loss_scale_factor for g in grads]
        if self.gradient_accumulation_steps:
            grads = self._accumulate(grads, variables, calls)
        if grads is not None:
            self._update(grads, variables, slots, calls)
        if self.use_ema:
            self._update_moving_averages(self._updates_before(calls))
        for variable in constrained:
            variable.assign(variable.constraint(variable))
        self._iterations.value[()] = calls + 1

    def _update(self, grads, variables, slots, calls):
        """Clip, decay the weights and run the rule, at the learning rate of ``calls`` (Keras's
        schedules see every call, also with gradient accumulation)."""
        grads = self._clip_gradients(grads)
        learning_rate = self._learning_rate_at(calls)
        self.local_step = self._updates_before(calls) + 1
        if self.weight_decay is not None:
            factor = 1 - self.weight_decay * learning_rate
            for variable in variables:
                if self._uses_weight_decay(variable):
                    variable.value *= factor
        self._update_all(grads, variables, slots, learning_rate)

    def _accumulate(self, grads, variables, calls):
        """Keras's gradient accumulation: add ``grads`` to the accumulators and return None, except
        at every n-th call, which returns ``(grads + accumulated) / n`` to apply and zeroes every
        accumulator."""
        steps = self.gradient_accumulation_steps
        accumulators = [self._accumulator_of[id(variable)] for variable in variables]
        if (calls + 1) % steps:
            for accumulator, grad in zip(accumulators, grads):
                accumulator += grad
            return None
        mean = [(grad + accumulator) / steps for grad, accumulator in zip(grads, accumulators)]
        for accumulator in self._accumulated_gradients:
            accumulator.value[...] = 0
        return mean

    # ----------------------------------------------------------------------------- moving average
    def _update_moving_averages(self, updates):
        """Keras's EMA after each call, for every variable the optimizer was built on:
        ``average = m * average + (1 - m) * variable``, with ``m = ema_momentum`` except before the
        first update (``iterations`` 0), where the average becomes the variable. Every
        ``ema_overwrite_frequency``-th update the variables take their averages' values."""
        for variable, average in zip(self._trainable_variables,
                                     self._model_variables_moving_average):
            momentum = variable.dtype.type(self.ema_momentum if updates else 0)
            average.value *= momentum
            average.value += (1 - momentum) * variable.value
        frequency = self.ema_overwrite_frequency
        if frequency and (updates + 1) % frequency == 0:
            self._overwrite_model_variables_with_average_value(self._trainable_variables)

    def _overwrite_model_variables_with_average_value(self, variables):
        if len(variables) != len(self._model_variables_moving_average):
            raise ValueError(
                f"{type(self).__name__}: cannot overwrite {len(variables)} model variables with "
                f"the {len(self._model_variables_moving_average)} moving averages of the "
                "variables this optimizer was built on; check that the optimizer was called on "
                "your model."
            )
        for variable, average in zip(variables, self._model_variables_moving_average):
            variable.assign(average.value)

    def finalize_variable_values(self, var_list):
        """With ``use_ema``, give the variables of ``var_list`` (the model's trainable weights,
        in the order the optimizer was built on) their moving averages; ``fit`` calls this at the
        end of training, as Keras's does. Without EMA, or before any step, nothing changes."""
        if self.use_ema and self.built:
            self._overwrite_model_variables_with_average_value(list(var_list))

    def scale_loss(self, loss):
        """``loss * loss_scale_factor`` (or ``loss`` without one): in a custom training loop,
        differentiate the scaled loss, and ``apply`` divides the gradients by the factor."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    def _plan_of(self, variables):
        """The slots of ``variables``, in order, and the variables that have a constraint;
        remembered for the list the fit loop passes at every step (a new list, or rebuilt slots,
        look them up again), so that a fit decides once which variables to constrain."""
        cached = self._plan_cache
        if cached is not None and cached[0] is variables and cached[1] is self._slots:
            return cached[2]
        slots = [self._slots.get(id(variable)) for variable in variables]
        if any(s is None for s in slots):
            self._check_known(variables)
        constrained = [variable for variable in variables if variable.constraint is not None]
        self._plan_cache = (variables, self._slots, (slots, constrained))
        return slots, constrained

    def _check_known(self, variables):
        for variable in variables:
            if id(variable) not in self._slots:
                raise ValueError(
                    f"Unknown variable: {variable!r}. This optimizer can only be called for the "
                    "variables it was originally built with. When working with a new set of "
                    "variables, you should recreate a new optimizer instance."
                )

    def _update_all(self, grads, variables, slots, learning_rate):
        """One step over all variables; rules with state shared by all variables override this."""
        for grad, variable, variable_slots in zip(grads, variables, slots):
            if self.updates_in_blocks:
                update_in_blocks(self.update_step, grad, variable, variable_slots, learning_rate)
            else:
                self.update_step(grad, variable, variable_slots, learning_rate)

    def apply_gradients(self, grads_and_vars):
        """Keras's ``apply_gradients(zip(grads, variables))``; returns ``iterations``."""
        grads, variables = zip(*grads_and_vars)
        self.apply(grads, variables)
        return self.iterations

    def update_step(self, gradient, variable, slots, learning_rate):
        """Update ``variable.value`` (and ``slots``, in ``slot_names`` order) in place; the step's
        number, counted from 1, is ``self.local_step``."""
        raise NotImplementedError

    # ----------------------------------------------------------------------------- config
    def get_config(self):
        """Keras's optimizer config (a schedule is stored as its serialized dict)."""
        learning_rate = self._learning_rate
        if isinstance(learning_rate, LearningRateSchedule):
            learning_rate = serialize_schedule(learning_rate)
        elif not callable(learning_rate):
            learning_rate = float(learning_rate)
        return {
            "name": self.name, "learning_rate": learning_rate, "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue, "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config):
        """A new optimizer (without state) from ``get_config()``'s output."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = deserialize_schedule(config["learning_rate"])
        return cls(**config)


def check_number(optimizer, argument, value, minimum=None, maximum=None, below_maximum=False,
                 above_minimum=False):
    """A ``ValueError`` naming ``argument`` unless ``value`` is a real number in the given range
    (``below_maximum`` / ``above_minimum`` leave out the bound itself)."""
    lower = "-inf" if minimum is None else minimum
    upper = "inf" if maximum is None else maximum
    expected = (f"a number in {'(' if above_minimum else '['}{lower}, "
                f"{upper}{')' if below_maximum else ']'}")
    if (isinstance(value, bool) or not isinstance(value, numbers.Real) or np.isnan(value)
            or (minimum is not None and (value <= minimum if above_minimum else value < minimum))
            or (maximum is not None and (value >= maximum if below_maximum else value > maximum))):
        raise ValueError(
            f"{type(optimizer).__name__}: `{argument}` must be {expected}, received {value!r}."
        )


def check_ema_arguments(optimizer, use_ema, ema_momentum, ema_overwrite_frequency):
    """A ``ValueError`` naming the argument unless ``use_ema`` is a bool and, when it is True,
    ``ema_momentum`` is in [0, 1] and ``ema_overwrite_frequency`` None or an integer >= 1 (Keras
    checks the last two only with EMA on, as here)."""
    if not isinstance(use_ema, (bool, np.bool_)):
        raise ValueError(
            f"{type(optimizer).__name__}: `use_ema` must be True or False, received {use_ema!r}."
        )
    if not use_ema:
        return
    check_number(optimizer, "ema_momentum", ema_momentum, minimum=0, maximum=1)
    frequency = ema_overwrite_frequency
    if frequency is not None and (not isinstance(frequency, numbers.Integral)
                                  or isinstance(frequency, bool) or frequency < 1):
        raise ValueError(
            f"{type(optimizer).__name__}: `ema_overwrite_frequency` must be an integer >= 1 or "
            f"None, received {frequency!r}."
        )
