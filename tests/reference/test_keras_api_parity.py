"""handkeras's public names and signatures against Keras 3.15.1's, so that a ported script keeps working.

For the top level and each Keras-named module (backend, layers, losses, metrics, optimizers, ...),
every public class and function of handkeras, found
by walking the module (its ``__all__`` plus every public callable defined in the package), must

- exist in the Keras module under the same name, unless listed in ``HANDKERAS_ONLY`` with the reason;
- accept every parameter of Keras's constructor or function signature by name, with the same
  default, unless ``DEFAULT_DIFFERENCES`` lists it with the reason;
- take Keras's positional parameters at Keras's positions (``Dense(64, "relu")`` means the same);
- have no named parameter that Keras's signature lacks.

The allowlists are checked too: an entry that no longer applies fails, so they cannot go stale. The
porting guide's two generated tables (every supported Keras name, and the members of the objects a
script reaches) are generated again and must be current.
"""

import importlib
import inspect
from pathlib import Path

import numpy as np
import pytest

import handkeras

keras = pytest.importorskip("keras")

MODULES = ("", "backend", "layers", "losses", "metrics", "optimizers", "activations",
           "initializers", "regularizers", "constraints", "callbacks", "models", "saving", "utils",
           "config", "random", "ops", "ops.image", "ops.linalg", "ops.nn", "ops.numpy",
           "datasets.fashion_mnist", "datasets.mnist", "datasets.imdb", "datasets.reuters",
           "datasets.boston_housing", "preprocessing.sequence", "preprocessing.image")

# Public names of handkeras that Keras 3.15.1 does not export from the same module.
HANDKERAS_ONLY = {
    # Keras 2's short names of the losses: Keras 3 dropped the attributes but still resolves the
    # strings ("mse", "bce", ...), so scripts written for either keep working.
    **{f"losses.{alias}": "Keras 2 alias" for alias in
       ("mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD", "bce", "BCE")},
    # The wrapper that turns a per-sample function into a Loss: Keras has one but keeps it private.
    "losses.LossFunctionWrapper": "building block of the loss functions",
    # Keras's private helper (keras.src.losses.loss), public here for custom losses.
    "losses.squeeze_or_expand_to_same_rank": "helper for custom losses",
    # The metric behind "accuracy"/"acc", which picks binary, categorical or sparse categorical
    # accuracy from the shapes of the first batch (Keras does this inside its compile code).
    "metrics.ResolvedAccuracy": "accuracy resolved by shapes",
    "metrics.resolve_accuracy": "accuracy resolved by shapes",
    "metrics.accuracy": "accuracy resolved by shapes, as a function",
    # An activation with its hand-written vector-Jacobian product: how custom activations are made
    # (Keras differentiates plain functions with autograd, handkeras cannot).
    "activations.ActivationFunction": "activation with its vjp",
    # The base of the seeded initializers and the fan computation of VarianceScaling, private in Keras.
    "initializers.RandomInitializer": "base of the seeded initializers",
    "initializers.compute_fans": "fan-in/fan-out helper",
    # The shared base of EarlyStopping, ModelCheckpoint and ReduceLROnPlateau (private in Keras).
    "callbacks.MonitorCallback": "base of the monitoring callbacks",
    # Where Fashion-MNIST's files are looked for (Keras only downloads them into its cache).
    "datasets.fashion_mnist.search_dirs": "the folders searched for the files",
    # History plots with matplotlib (Keras leaves plotting to the user).
    "utils.plot_history": "plots a History's curves",
    # handkeras's global state, which its modules read through `backend` (Keras keeps it private).
    **{f"backend.{name}": "global state of handkeras" for name in (
        "cast_to_floatx", "name_scope", "rng", "scoped_path", "seed_generator", "set_random_seed",
        "snake_case", "unique_name")},
}

# Parameters whose default differs on purpose: (qualified name, parameter) -> reason.
DEFAULT_DIFFERENCES = {
    # Keras's function requires `q`; handkeras's takes the class's default, 0.5. Every call that is
    # valid in Keras means the same in handkeras.
    ("losses.categorical_generalized_cross_entropy", "q"): "default from the class",
}

EMPTY = inspect.Parameter.empty
VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def public_names(module):
    """The module's ``__all__`` and every public class or function defined inside its package
    (names it merely imports from elsewhere in handkeras, such as ``lookup``, are not its API)."""
    names = set(getattr(module, "__all__", ()))
    for name in dir(module):
        value = getattr(module, name)
        if (not name.startswith("_") and callable(value)
                and str(getattr(value, "__module__", "")).startswith(module.__name__)):
            names.add(name)
    return sorted(name for name in names if not inspect.ismodule(getattr(module, name)))


def submodule(library, path):
    """``library.a.b`` for the path ``"a.b"``, the library itself for ``""``."""
    return importlib.import_module(".".join(filter(None, (library.__name__, path))))


NAMES = [".".join(filter(None, (module, name))) for module in MODULES
         for name in public_names(submodule(handkeras, module))]
IN_KERAS = [name for name in NAMES if name not in HANDKERAS_ONLY]


def resolve(library, qualified):
    module, _, name = qualified.rpartition(".")
    return getattr(submodule(library, module), name)


def signature(obj):
    """A function's signature, or a class's ``__init__`` without ``self`` (read from ``__init__``
    because Keras's Layer defines ``__new__(cls, *args, **kwargs)``, which hides it)."""
    if inspect.isclass(obj):
        init = inspect.signature(obj.__init__)
        return init.replace(parameters=list(init.parameters.values())[1:])
    return inspect.signature(obj)


def parameters(obj):
    """The named parameters of a class's constructor or a function, in order."""
    return [p for p in signature(obj).parameters.values() if p.kind not in VARIADIC]


def same_default(a, b):
    return a is b or (type(a) is type(b) and a == b)


def test_the_modules_have_public_names():
    assert len(NAMES) > 200, f"only {len(NAMES)} public names found: {NAMES}"


@pytest.mark.parametrize("qualified", NAMES)
def test_public_name_exists_in_keras(qualified):
    module, _, name = qualified.rpartition(".")
    if qualified in HANDKERAS_ONLY:
        assert not hasattr(submodule(keras, module), name), (
            f"keras.{qualified} exists now: remove it from HANDKERAS_ONLY and check its signature")
    else:
        assert hasattr(submodule(keras, module), name), (
            f"handkeras.{qualified} is public, but keras.{qualified} does not exist")


@pytest.mark.parametrize("qualified", [name for name in IN_KERAS
                                       if inspect.isclass(resolve(handkeras, name))])
def test_each_name_is_the_class_keras_gives_it(qualified):
    """An alias such as ``layers.MaxPool2D`` is the class Keras's alias is (``MaxPooling2D``), so
    configs and default layer names come out as Keras's."""
    assert resolve(handkeras, qualified).__name__ == resolve(keras, qualified).__name__


def test_allowlists_name_public_handkeras_names():
    listed = set(HANDKERAS_ONLY) | {name for name, _ in DEFAULT_DIFFERENCES}
    assert sorted(listed - set(NAMES)) == []


@pytest.mark.parametrize("qualified", IN_KERAS)
def test_signature_takes_keras_arguments(qualified):
    ours, theirs = resolve(handkeras, qualified), resolve(keras, qualified)
    our_parameters = {p.name: p for p in parameters(ours)}
    their_parameters = parameters(theirs)

    problems = []
    for p in their_parameters:
        if p.name not in our_parameters:
            problems.append(f"missing parameter `{p.name}` (Keras default {p.default!r})")
        elif not same_default(our_parameters[p.name].default, p.default):
            if (qualified, p.name) not in DEFAULT_DIFFERENCES:
                problems.append(f"`{p.name}` defaults to {our_parameters[p.name].default!r}, "
                                f"Keras's to {p.default!r}")
        elif (qualified, p.name) in DEFAULT_DIFFERENCES:
            problems.append(f"`{p.name}` has Keras's default now: remove it from "
                            "DEFAULT_DIFFERENCES")
    extra = sorted(set(our_parameters) - {p.name for p in their_parameters})
    if extra:
        problems.append(f"parameters Keras does not have: {extra}")
    assert not problems, f"handkeras.{qualified} vs keras.{qualified}:\n" + "\n".join(problems)


@pytest.mark.parametrize("qualified", IN_KERAS)
def test_keras_positional_parameters_keep_their_positions(qualified):
    ours, theirs = resolve(handkeras, qualified), resolve(keras, qualified)
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    our_order = [p.name for p in parameters(ours) if p.kind in positional]
    their_order = []
    for p in parameters(theirs):
        if p.kind not in positional:
            break
        their_order.append(p.name)
    assert our_order[:len(their_order)] == their_order


def test_add_weight_takes_keras_s_arguments_in_keras_s_positions():
    """Keras's ``add_weight(*args, shape=None, ...)`` takes ``shape``, ``initializer`` and
    ``dtype`` by position (the Keras 2 order) and everything by name, with these defaults."""
    ours = inspect.signature(handkeras.layers.Layer.add_weight).parameters
    theirs = inspect.signature(keras.layers.Layer.add_weight).parameters
    assert {name: p.default for name, p in ours.items() if name != "self"} == {
        name: p.default for name, p in theirs.items() if p.kind is p.KEYWORD_ONLY}
    positional = [name for name, p in ours.items() if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert positional == ["self", "shape", "initializer", "dtype"]
    layer, theirs_layer = handkeras.layers.Layer(), keras.layers.Layer()
    for library_layer in (layer, theirs_layer):
        library_layer.add_weight((2, 3), "ones", "float64", name="w")
        library_layer.add_weight(shape=(4,), dtype="int32", trainable=False, name="count")
    assert [(tuple(w.shape), np.dtype(w.dtype), np.asarray(w.numpy()).tolist())
            for w in layer.weights] == [
        (tuple(w.shape), np.dtype(w.dtype), np.asarray(w.numpy()).tolist())
        for w in theirs_layer.weights]


@pytest.mark.parametrize("module, base", [("losses", "MeanSquaredError"), ("metrics", "Mean"),
                                          ("optimizers", "SGD"), ("initializers", "Zeros"),
                                          ("regularizers", "L2"), ("layers", "Flatten")])
def test_deserialize_takes_custom_objects(module, base):
    functions = getattr(handkeras, module)
    custom = type("Custom", (getattr(functions, base),), {})
    config = functions.serialize(custom())
    assert type(functions.deserialize(config, custom_objects={"Custom": custom})) is custom
    with pytest.raises(ValueError, match="Custom"):
        functions.deserialize(config)


def test_activations_deserialize_takes_custom_objects():
    mine = handkeras.activations.relu
    assert handkeras.activations.deserialize("mine", custom_objects={"mine": mine}) is mine


# ----------------------------------------------------------------------------- members
LAYERS = ("`Sequential` model", "`Dense`", "`Normalization`", "`Rescaling`")
# Keras names handkeras has with another meaning, kept out of the porting guide's members table.
DIFFERENT_MEMBERS = {
    ("optimizer (`SGD`)", "update_step"): "Keras's rule takes (gradient, variable, learning_rate); "
                                          "handkeras's also receives the slots",
}
PORTING_GUIDE = Path(__file__).parents[2] / "docs" / "porting.md"


def member_objects(library):
    """The objects a script reaches, in either library: a compiled model after a step, its Dense,
    an adapted Normalization, a built Rescaling, the optimizer and a weight."""
    model = library.Sequential([library.Input((3,)), library.layers.Dense(2)])
    model.compile(optimizer=library.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    normalization = library.layers.Normalization()
    normalization.adapt(np.ones((4, 3)))
    rescaling = library.layers.Rescaling(1 / 255)
    rescaling.build((None, 3))
    return {"`Sequential` model": model, "`Dense`": model.layers[0], "`Normalization`": normalization,
            "`Rescaling`": rescaling, "optimizer (`SGD`)": model.optimizer,
            "`Variable`": model.weights[0]}


def public_members(obj):
    """The public members of an object, without those that make a Keras layer a torch module
    (torch's ``Module`` and Keras's ``TorchLayer``: ``forward``, ``parameters``, ...)."""
    def backend_defined(name):
        owner = next((cls for cls in type(obj).__mro__ if name in vars(cls)), None)
        return owner is not None and owner.__module__.startswith(
            ("torch.", "keras.src.backend.torch.layer"))

    return {name for name in dir(obj) if not name.startswith("_") and not backend_defined(name)}


def members_table():
    """The porting guide's members table: for each object, the public members it shares with
    Keras's, with Keras's meaning; the members all layers share get a row of their own."""
    ours, theirs = member_objects(handkeras), member_objects(keras)
    shared = {label: {name for name in public_members(ours[label]) & public_members(theirs[label])
                      if (label, name) not in DIFFERENT_MEMBERS}
              for label in ours}
    every_layer = set.intersection(*(shared[label] for label in LAYERS))
    rows = {"every layer (and model)": every_layer,
            **{label: names - every_layer if label in LAYERS else names
               for label, names in shared.items()}}
    return "\n".join(["| object | members with Keras's names and meaning |", "|---|---|"] + [
        f"| {label} | " + ", ".join(f"`{name}`" for name in sorted(names, key=str.lower)) + " |"
        for label, names in rows.items()])


def test_porting_guide_lists_the_members_shared_with_keras():
    table = members_table()
    assert table in PORTING_GUIDE.read_text(), f"update the members table of docs/porting.md:\n{table}"


# ----------------------------------------------------------------------------- names
# The porting guide's names table, row by row: each Keras module ("" for the top level, whose
# submodules have rows of their own and are left out of its row).
GUIDE_MODULES = ("", "layers", "activations", "losses", "metrics", "optimizers",
                 "optimizers.schedules", "initializers", "regularizers", "constraints",
                 "callbacks", "models", "saving", "utils", "config", "backend", "datasets",
                 "datasets.boston_housing", "datasets.fashion_mnist", "datasets.imdb",
                 "datasets.mnist", "datasets.reuters", "ops", "ops.image", "ops.linalg",
                 "ops.nn", "ops.numpy", "preprocessing", "preprocessing.image",
                 "preprocessing.sequence", "random")


def guide_names(module, top_level):
    """A module's names as the guide lists them: its ``__all__``, else its public callables defined
    in it; classes first, then functions, each in case-insensitive order."""
    if hasattr(module, "__all__"):
        names = set(module.__all__)
    else:
        names = {name for name in dir(module) if not name.startswith("_")
                 and callable(getattr(module, name))
                 and str(getattr(getattr(module, name), "__module__", "")).startswith(
                     module.__name__)}
    if top_level:
        names = {name for name in names if not inspect.ismodule(getattr(module, name))}
    return sorted(names, key=lambda name: (name[0].islower(), name.lower()))


def names_table():
    """The guide's table of every supported Keras name, and its count line."""
    rows, count = ["| Keras module | names handkeras has (with Keras's signatures) | "
                   "handkeras additions |", "|---|---|---|"], 0
    for path in GUIDE_MODULES:
        ours = importlib.import_module(".".join(filter(None, ("handkeras", path))))
        theirs = importlib.import_module(".".join(filter(None, ("keras", path))))
        names = guide_names(ours, top_level=not path)
        shared = [name for name in names if hasattr(theirs, name)]
        added = [name for name in names if not hasattr(theirs, name)]
        count += len(shared)
        rows.append(f"| `{'.'.join(filter(None, ('keras', path)))}` | "
                    + " | ".join(", ".join(f"`{name}`" for name in group) or "-"
                                 for group in (shared, added)) + " |")
    return "\n".join(rows) + f"\n\n{count} Keras names in all."


def test_porting_guide_lists_every_supported_keras_name():
    table = names_table()
    assert table in PORTING_GUIDE.read_text(), \
        f"update the names table of docs/porting.md:\n{table}"
