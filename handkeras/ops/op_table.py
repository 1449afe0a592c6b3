"""How ``keras.ops`` functions are made from table rows: a Keras signature, a numpy computation
and dtype rules.

Each row becomes a real function whose ``inspect.signature`` is Keras's (names, order and
defaults), so calls bind exactly as in Keras. The tensor arguments are converted once: a Python
number takes the dtype the rule gives (it is "weak", see :mod:`handkeras.ops.dtypes`), the numpy
function computes, and the result is cast to the dtype Keras returns.
"""

import ast
import inspect

import numpy as np

from handkeras.ops.core import convert_to_tensor, default_dtype
from handkeras.ops.dtypes import WEAK_FLOAT, dtype_of, result_type

# The parameters that hold tensors: converted, and the dtype rules read their dtypes.
TENSOR_PARAMETERS = ("x", "x1", "x2", "y", "a", "array", "condition", "indices", "weights",
                     "targets", "predictions", "bins", "sorted_sequence", "values", "target",
                     "output", "data", "segment_ids", "inputs", "updates", "x_min", "x_max")
VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
# The parameters that hold a list of tensors.
TENSOR_LIST_PARAMETERS = ("xs",)


def argument_dtype(value):
    """A Python number's weak type, or the dtype Keras gives any other value."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dtype_of(value)
    return default_dtype(value)


# ----------------------------------------------------------------------------------- dtype rules
# Each rule maps the dtypes of the tensor arguments to a dtype.
def promote(dtypes):
    """Keras's promotion of the inputs (``int32 + 0.5`` is floatx)."""
    return result_type(*dtypes)


def to_float(dtypes):
    """The promotion with a Python float: integers and bools give floatx, floats stay."""
    return result_type(*dtypes, WEAK_FLOAT)


def first(dtypes):
    """The first input's dtype (a lone Python number's default type)."""
    return result_type(dtypes[0])


def boolean(dtypes):
    return "bool"


def int32(dtypes):
    return "int32"


def accumulate(dtypes):
    """Sums and products: bool and integers narrower than 32 bits give int32, others stay."""
    dtype = result_type(dtypes[0])
    return "int32" if dtype in ("bool", "int8", "int16", "uint8", "uint16") else dtype


def float32_or_float(dtypes):
    """Integers and bools give float32 whatever floatx is (Keras's ``mean``); floats stay."""
    dtype = result_type(dtypes[0])
    return dtype if dtype.startswith("float") else "float32"


def no_bool(dtypes):
    """The promotion, with bool computed as int32 (``square(True)`` is 1, an int32)."""
    dtype = result_type(*dtypes)
    return "int32" if dtype == "bool" else dtype


# ------------------------------------------------------------------------------------ signatures
def parse_signature(parameters):
    """An ``inspect.Signature`` from Keras's parameter list written as Python source, such as
    ``"x, axis=None, keepdims=False"`` (defaults are literals, read with ``ast.literal_eval``)."""
    arguments = ast.parse(f"def f({parameters}): pass").body[0].args
    kinds = inspect.Parameter
    result = []
    positional = arguments.args
    defaults = [None] * (len(positional) - len(arguments.defaults)) + arguments.defaults
    for argument, default in zip(positional, defaults):
        result.append(kinds(argument.arg, kinds.POSITIONAL_OR_KEYWORD,
                            default=kinds.empty if default is None
                            else ast.literal_eval(default)))
    if arguments.vararg:
        result.append(kinds(arguments.vararg.arg, kinds.VAR_POSITIONAL))
    for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        result.append(kinds(argument.arg, kinds.KEYWORD_ONLY,
                            default=kinds.empty if default is None
                            else ast.literal_eval(default)))
    if arguments.kwarg:
        result.append(kinds(arguments.kwarg.arg, kinds.VAR_KEYWORD))
    return inspect.Signature(result)


def _cast(result, dtype):
    """Arrays (not numpy scalars) of ``dtype`` (None: their own), in the result's structure."""
    if isinstance(result, (list, tuple)):
        return type(result)(_cast(item, dtype) for item in result)
    return np.asarray(result) if dtype is None else np.asarray(result).astype(dtype, copy=False)


def make_op(module, name, parameters, function, compute, result, doc):
    """The public function ``module.name``: binds Keras's ``parameters``, converts the tensor
    arguments to the dtype ``compute(dtypes)`` gives (None: each keeps its own), calls ``function``
    with the leading tensor arguments (all those before a ``*args``) by position and the others
    by name (numpy's names: ``axis``, ``keepdims``, ...), and casts its result to
    ``result(dtypes)`` (None: as computed). numpy's floating-point warnings are silenced: Keras's
    ops give infinities and NaN without a word."""
    signature = parse_signature(parameters)
    variadic = any(p.kind is p.VAR_POSITIONAL for p in signature.parameters.values())

    def op(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = bound.arguments
        names = [n for n in arguments if n in TENSOR_PARAMETERS and arguments[n] is not None
                 and signature.parameters[n].kind not in VARIADIC]
        lists = [n for n in arguments if n in TENSOR_LIST_PARAMETERS]
        dtypes = [argument_dtype(arguments[n]) for n in names]
        dtypes += [argument_dtype(item) for n in lists for item in arguments[n]]
        target = compute(dtypes) if compute is not None and dtypes else None
        for n in names:
            arguments[n] = convert_to_tensor(arguments[n], target)
        for n in lists:
            arguments[n] = [convert_to_tensor(item, target) for item in arguments[n]]
        positional, named, leading = [], {}, True
        for n, parameter in signature.parameters.items():
            if parameter.kind is parameter.VAR_POSITIONAL:
                positional += list(arguments[n])
                leading = False
            elif parameter.kind is parameter.VAR_KEYWORD:
                named.update(arguments[n])
            elif leading and (variadic or n in names or n in lists):
                positional.append(arguments[n])
            else:
                leading = False
                named[n] = arguments[n]
        with np.errstate(all="ignore"):  # IEEE results (log(0) = -inf) come silently, as in Keras
            values = function(*positional, **named)
        return _cast(values, None if result is None else result(dtypes))

    op.__name__ = op.__qualname__ = name
    op.__module__ = module
    op.__doc__ = doc
    op.__signature__ = signature
    return op

