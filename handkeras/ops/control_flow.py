"""Keras's control-flow and functional ops (``cond``, ``scan``, ``while_loop``, ...), run eagerly.

On numpy there is no graph to build: a condition is a Python truth value and a loop is a Python
loop. What these ops add is Keras's conventions: the loop variables and scanned inputs become
tensors of Keras's dtypes, nested inputs (lists, tuples, dicts) keep their structure, and each
per-step result is stacked along a new first axis.
"""

import functools

import numpy as np

from handkeras.ops.core import convert_to_tensor


# ------------------------------------------------------------------------- nested structures
def _is_nested(value):
    return isinstance(value, (list, tuple, dict))


def _leaves(structure):
    """The tensors of a nested structure, depth first (a dict's values in the order of its
    sorted keys, as Keras flattens them)."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in _leaves(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _leaves(item)]
    return [structure]


def _pack_as(structure, leaves):
    """``leaves`` put back into the shape of ``structure`` (the inverse of :func:`_leaves`)."""
    remaining = iter(leaves)

    def rebuild(node):
        if isinstance(node, dict):
            values = {key: rebuild(node[key]) for key in sorted(node)}
            return {key: values[key] for key in node}
        if isinstance(node, (list, tuple)):
            items = [rebuild(item) for item in node]
            return type(node)(*items) if hasattr(node, "_fields") else type(node)(items)
        return next(remaining)

    return rebuild(structure)


def _stack_steps(steps):
    """Per-step results of one structure stacked, leaf by leaf, along a new first axis."""
    columns = zip(*(_leaves(step) for step in steps))
    return _pack_as(steps[0], [np.stack([np.asarray(v) for v in column]) for column in columns])


def _check_callable(f, name):
    if not callable(f):
        raise TypeError(f"`{name}` should be a callable. Received: {name}={f!r}")


# -------------------------------------------------------------------------------- branches
def cond(pred, true_fn, false_fn):
    """``true_fn()`` when ``pred`` holds, else ``false_fn()``."""
    return true_fn() if pred else false_fn()


def switch(index, branches, *operands):
    """``branches[index](*operands)``, with ``index`` clipped into the range of ``branches``."""
    if not branches:
        raise ValueError("`branches` must hold at least one function. Received: branches=[]")
    index = int(np.clip(convert_to_tensor(index, "int32"), 0, len(branches) - 1))
    return branches[index](*operands)


# ----------------------------------------------------------------------------------- loops
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` holds (at most
    ``maximum_iterations`` times). The variables become tensors first; a tuple or list of them
    comes back as a tuple, a single one as itself."""
    several = isinstance(loop_vars, (list, tuple))
    loop_vars = tuple(_pack_as(item, [convert_to_tensor(v) for v in _leaves(item)])
                      for item in (loop_vars if several else (loop_vars,)))
    iterations = 0
    while cond(*loop_vars) and (maximum_iterations is None or iterations < maximum_iterations):
        loop_vars = body(*loop_vars)
        loop_vars = tuple(loop_vars) if isinstance(loop_vars, (list, tuple)) else (loop_vars,)
        iterations += 1
    return loop_vars if several else loop_vars[0]


def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for ``i`` from ``lower`` to ``upper - 1``, from ``init_val``."""
    value = init_val
    for i in range(lower, upper):
        value = body_fun(i, value)
    return value


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """``carry, y = f(carry, x)`` over the slices ``x`` of ``xs`` along its first axis (backwards
    if ``reverse``), from ``carry = init``: the last carry and the ``y``s stacked. Without
    ``xs``, ``length`` steps with ``x = None``; a step returning ``y = None`` stacks a list of
    zeros, one shaped like each tensor of the carry, as Keras does (``unroll`` is for compiled
    backends and changes nothing)."""
    _check_callable(f, "f")
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"`unroll` must be an positive integer or boolean. Received: "
                         f"unroll={unroll}")
    if xs is None and length is None:
        raise ValueError("Got no `xs` to scan over and `length` not provided.")
    inputs = [] if xs is None else [convert_to_tensor(leaf) for leaf in _leaves(xs)]
    steps = int(length) if length is not None else inputs[0].shape[0]
    init_leaves = [convert_to_tensor(leaf) for leaf in _leaves(init)]
    carry = _pack_as(init, init_leaves) if _is_nested(init) else init_leaves[0]
    no_output = [np.zeros_like(leaf) for leaf in init_leaves]
    outputs = []
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    for i in order:
        x = None
        if inputs:
            x = _pack_as(xs, [leaf[i] for leaf in inputs]) if _is_nested(xs) else inputs[0][i]
        carry, y = f(carry, x)
        outputs.append(no_output if y is None else y)
    if reverse:
        outputs.reverse()
    return carry, _stack_steps(outputs)


def map(f, xs):  # noqa: A001  (Keras's name)
    """``f`` applied to each slice of ``xs`` along its first axis, the results stacked."""
    return scan(lambda carry, x: ((), f(x)), (), xs)[1]


def vectorized_map(function, elements):
    """``function`` of each slice of ``elements`` (a tensor or a structure of them) along their
    first axis, the results stacked: what Keras vectorizes, numpy computes slice by slice."""
    return map(function, elements)


def associative_scan(f, elems, reverse=False, axis=0):
    """The running combination of ``elems`` along ``axis`` by the associative ``f``: entry ``i``
    is ``f(... f(e[0], e[1]) ..., e[i])`` (from the end if ``reverse``). ``f`` is called on
    whole blocks of entries (``f(a, b)`` with ``a`` before ``b``), in log2(n) rounds."""
    _check_callable(f, "f")
    leaves = [convert_to_tensor(leaf) for leaf in _leaves(elems)]
    sizes = [leaf.shape[axis] for leaf in leaves]
    if len(set(sizes)) > 1:
        raise ValueError("Array inputs to associative_scan must have the same first dimension. "
                         f"(saw: {[leaf.shape for leaf in leaves]})")
    if reverse:
        leaves = [np.flip(leaf, axis) for leaf in leaves]
    take = functools.partial(_take_along, axis=axis)
    offset, size = 1, sizes[0]
    while offset < size:  # each entry combined with the running result `offset` entries back
        earlier = _pack_as(elems, [take(leaf, 0, size - offset) for leaf in leaves])
        later = _pack_as(elems, [take(leaf, offset, size) for leaf in leaves])
        combined = _leaves(f(earlier, later))
        leaves = [np.concatenate([take(leaf, 0, offset), np.asarray(new, leaf.dtype)], axis)
                  for leaf, new in zip(leaves, combined)]
        offset *= 2
    if reverse:
        leaves = [np.flip(leaf, axis) for leaf in leaves]
    return _pack_as(elems, leaves)


def _take_along(x, start, stop, axis):
    index = [slice(None)] * x.ndim
    index[axis] = slice(start, stop)
    return x[tuple(index)]


# -------------------------------------------------------------------------------- gradients
def custom_gradient(f):
    """Decorator for ``f(*args)`` returning ``(output, grad_fn)``: the decorated function returns
    ``output``. handkeras's ops record no gradient, so ``grad_fn`` is never called."""
    @functools.wraps(f)
    def forward(*args, **kwargs):
        output, _ = f(*args, **kwargs)
        return output
    return forward


__all__ = ["associative_scan", "cond", "custom_gradient", "fori_loop", "map", "scan", "switch",
           "vectorized_map", "while_loop"]
