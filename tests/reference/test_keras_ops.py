"""``handkeras.ops`` against ``keras.ops`` (torch backend): every op on the same small inputs of
several dtypes (float32, float64, int32, bool, Python numbers) must return the same values and
exactly the same dtypes, under floatx float32 and float64.

Values match to rtol 1e-6 in float32 (numpy and torch round differently) and 1e-12 in float64.
The reference conftest gives Keras its TensorFlow backend's promotion table (float64 stays
float64), the rule handkeras follows. A case on which Keras itself raises is not compared.
"""

import numpy as np
import pytest

import handkeras

keras = pytest.importorskip("keras")

FLOATS = np.array([[-1.5, 0.25, 2.0], [0.5, -0.75, 3.0]])
INTS = np.array([[-2, 0, 3], [1, 4, -1]])
BOOLS = np.array([[True, False, True], [False, True, True]])
# Inputs inside the domains of the ops that have one: (floats, ints).
DOMAINS = {"any": (FLOATS, INTS), "unit": (np.array([[0.1, 0.5, 0.9], [0.3, 0.7, 0.2]]),
                                           np.array([[0, 1, 0], [1, 1, 0]])),
           "positive": (np.array([[0.5, 1.5, 2.0], [3.0, 0.25, 1.0]]),
                        np.array([[1, 2, 3], [4, 5, 6]])),
           "at_least_one": (np.array([[1.5, 2.0, 3.0], [1.25, 4.0, 1.0]]),
                            np.array([[1, 2, 3], [4, 5, 6]]))}
DTYPES = ("float32", "float64", "int32", "bool")


def tensor(dtype, domain="any"):
    floats, ints = DOMAINS[domain]
    if dtype == "bool":
        return BOOLS.copy()
    return (floats if dtype.startswith("float") else ints).astype(dtype)


def unary(domain="any", dtypes=DTYPES):
    """``x`` alone, of each dtype, and a Python number."""
    return [((tensor(d, domain),), {}) for d in dtypes] + [
        ((tensor("float64", domain).tolist(),), {}), ((2 if domain != "unit" else 0.5,), {})]


BINARY_DTYPES = [("float32", "float32"), ("float64", "float64"), ("int32", "int32"),
                 ("bool", "bool"), ("int32", "float32"), ("float32", "float64"),
                 ("int32", "bool"), ("int8", "uint8")]


def binary(domain="any", scalars=(2, 0.5)):
    """Pairs of tensors of mixed dtypes, and tensors with weak Python numbers."""
    cases = [((tensor(a, domain), tensor(b, domain)[::-1]), {}) for a, b in BINARY_DTYPES]
    for dtype in ("float32", "float64", "int32", "bool"):
        cases += [((tensor(dtype, domain), scalar), {}) for scalar in scalars]
    return cases + [((scalars[0], scalars[-1]), {})]


def reduction(dtypes=DTYPES, **extra):
    """``x`` of each dtype over every axis, some axes, and with keepdims."""
    axes = [{}, {"axis": 0}, {"axis": -1}, {"axis": (0, 1)}, {"axis": 1, "keepdims": True}]
    return [((tensor(d),), {**axis, **extra}) for d in dtypes for axis in axes]


def each_dtype(*args, dtypes=DTYPES, **kwargs):
    """``x`` of each dtype followed by ``args``."""
    return [((tensor(d),) + args, kwargs) for d in dtypes]


def matrices(make):
    return [((make(a), make(b)), {}) for a, b in
            [("float32", "float32"), ("float64", "float64"), ("int32", "int32"),
             ("int32", "float32"), ("bool", "bool")]]


def square(dtype):
    return np.arange(9).reshape(3, 3).astype(dtype)


def vector(dtype):
    return np.array([1, 2, 3]).astype(dtype)


FLOAT_UNARY = {"sqrt": "positive", "exp": "any", "exp2": "any", "expm1": "any", "log": "positive",
               "log2": "positive", "log10": "positive", "log1p": "positive", "sin": "any",
               "cos": "any", "tan": "any", "arcsin": "unit", "arccos": "unit", "arctan": "any",
               "sinh": "any", "cosh": "any", "tanh": "any", "arcsinh": "any",
               "arccosh": "at_least_one", "arctanh": "unit", "deg2rad": "any", "rad2deg": "any",
               "cbrt": "any", "reciprocal": "positive", "sinc": "any", "i0": "any",
               "ceil": "any", "floor": "any", "rsqrt": "positive", "erf": "any", "erfc": "any",
               "abs": "any", "absolute": "any", "negative": "any", "sign": "any", "trunc": "any",
               "conj": "any", "conjugate": "any", "real": "any", "copy": "any", "fabs": "any",
               "square": "any", "nan_to_num": "any", "logical_not": "any", "isnan": "any",
               "isinf": "any", "isfinite": "any", "isneginf": "any", "isposinf": "any",
               "isreal": "any", "signbit": "any", "ravel": "any", "fliplr": "any",
               "flipud": "any", "size": "any", "ndim": "any"}
ACTIVATIONS = ("relu", "relu6", "sigmoid", "softplus", "softsign", "silu", "log_sigmoid",
               "hard_sigmoid", "hard_silu", "hard_tanh", "selu", "sparse_plus", "sparse_sigmoid",
               "tanh_shrink", "swish", "hard_swish", "elu", "celu", "leaky_relu", "gelu", "glu",
               "softmax", "log_softmax", "sparsemax", "squareplus", "soft_shrink",
               "hard_shrink")
BINARY = {"divide": "positive", "true_divide": "positive", "arctan2": "any", "hypot": "any",
          "logaddexp": "any", "logaddexp2": "any", "add": "any", "subtract": "any",
          "multiply": "any", "maximum": "any", "minimum": "any", "fmax": "any", "fmin": "any",
          "power": "positive", "mod": "positive", "fmod": "positive",
          "floor_divide": "positive", "heaviside": "any", "nextafter": "any",
          "divide_no_nan": "any", "equal": "any", "not_equal": "any", "greater": "any",
          "greater_equal": "any", "less": "any", "less_equal": "any", "logical_and": "any",
          "logical_or": "any", "logical_xor": "any", "isclose": "any", "allclose": "any",
          "gcd": "positive", "lcm": "positive", "ldexp": "positive", "bitwise_and": "positive",
          "bitwise_or": "positive", "bitwise_xor": "positive", "left_shift": "positive",
          "right_shift": "positive", "bitwise_left_shift": "positive",
          "bitwise_right_shift": "positive"}
REDUCTIONS = ("sum", "max", "min", "amax", "amin", "all", "any", "ptp", "nansum", "nanmax",
              "nanmin", "nanprod", "mean", "median", "std", "var", "nanmean", "nanmedian",
              "nanstd", "nanvar", "prod", "logsumexp")
INTEGER_ONLY = {"gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor", "left_shift",
                "right_shift", "bitwise_left_shift", "bitwise_right_shift"}

CASES = {
    **{name: unary(domain) for name, domain in FLOAT_UNARY.items()},
    **{name: unary() for name in ACTIVATIONS if name != "glu"},
    "glu": [((tensor(d).T,), {}) for d in ("float32", "float64")] + each_dtype(
        axis=0, dtypes=("float32", "float64")),
    **{name: binary(domain) for name, domain in BINARY.items() if name not in INTEGER_ONLY},
    **{name: [((tensor(a, "positive"), tensor(b, "positive")), {}) for a, b in
              [("int32", "int32"), ("int8", "uint8"), ("bool", "bool")]]
       + [((tensor("int32", "positive"), 2), {})] for name in INTEGER_ONLY},
    **{name: reduction() for name in REDUCTIONS},
    "nonzero": unary()[:-1],
    "bitwise_not": unary(dtypes=("int32", "bool"))[:2],
    "bitwise_invert": unary(dtypes=("int32", "bool"))[:2],
    "argmax": reduction(dtypes=("float32", "int32"))[:3],
    "argmin": reduction(dtypes=("float32", "int32"))[:3],
    "nanargmax": reduction(dtypes=("float32", "int32"))[:3],
    "nanargmin": reduction(dtypes=("float32", "int32"))[:3],
    "count_nonzero": each_dtype() + each_dtype(axis=0),
    "average": each_dtype() + each_dtype(axis=1),
    "round": each_dtype() + each_dtype(decimals=1, dtypes=("float64",)),
    "clip": each_dtype(-1, 2) + each_dtype(-0.5, 1.5),
    "reshape": each_dtype((3, 2)) + each_dtype((-1,)),
    "transpose": each_dtype() + each_dtype((1, 0)),
    "expand_dims": each_dtype(0) + each_dtype(-1),
    "squeeze": [((tensor(d)[:1],), {}) for d in DTYPES] + [((tensor(d)[:1],), {"axis": 0})
                                                          for d in DTYPES],
    "flip": each_dtype() + each_dtype(axis=1),
    "rot90": each_dtype() + each_dtype(k=3),
    "moveaxis": each_dtype(0, 1),
    "swapaxes": each_dtype(0, 1),
    "broadcast_to": each_dtype((4, 2, 3)),
    "tile": each_dtype((2, 1)),
    "repeat": each_dtype(2) + each_dtype(2, axis=1),
    "roll": each_dtype(1) + each_dtype(-1, axis=1),
    "pad": each_dtype(((1, 0), (0, 2))) + each_dtype(((1, 1), (2, 0)), constant_values=7,
                                                     dtypes=("float32", "int32")),
    "tril": each_dtype() + each_dtype(k=1),
    "triu": each_dtype() + each_dtype(k=-1),
    "diag": [((square(d),), {}) for d in DTYPES] + [((vector(d),), {"k": 1}) for d in DTYPES],
    "diagflat": [((vector(d),), {}) for d in DTYPES],
    "diagonal": [((square(d),), {}) for d in DTYPES] + [((square(d),), {"offset": 1})
                                                        for d in DTYPES],
    "trace": [((square(d),), {}) for d in DTYPES],
    "concatenate": [(([tensor(a), tensor(b)],), {}) for a, b in BINARY_DTYPES]
    + [(([tensor("float32"), tensor("float32")],), {"axis": 1})],
    "stack": [(([tensor(d), tensor(d)],), {}) for d in DTYPES]
    + [(([tensor("int32"), tensor("int32")],), {"axis": -1})],
    "hstack": [(([tensor(a), tensor(b)],), {}) for a, b in BINARY_DTYPES],
    "vstack": [(([tensor(a), tensor(b)],), {}) for a, b in BINARY_DTYPES],
    "dstack": [(([tensor(a), tensor(b)],), {}) for a, b in BINARY_DTYPES],
    "append": [((tensor(a), tensor(b)), {}) for a, b in BINARY_DTYPES]
    + [((tensor("float32"), tensor("float32")), {"axis": 0})],
    "split": each_dtype(3, axis=1) + each_dtype([1], axis=0),
    "array_split": each_dtype(2, axis=1),
    "hsplit": each_dtype(3),
    "vsplit": each_dtype(2),
    "take": each_dtype(np.array([0, 2, 5])) + each_dtype(np.array([2, 0]), axis=1),
    "take_along_axis": each_dtype(np.array([[0, 2, 1], [1, 1, 0]]), axis=1),
    "sort": each_dtype() + each_dtype(axis=0),
    "argsort": each_dtype() + each_dtype(axis=0),
    "searchsorted": [((np.array([1, 2, 4]).astype(d), np.array([0, 2, 3]).astype(d)), {})
                     for d in ("float32", "int32")]
    + [((np.array([1., 2., 4.]), np.array([2., 5.])), {"side": "right"})],
    "digitize": [((np.array([0.2, 1.5, 3.]).astype(d), np.array([0., 1., 2.]).astype(d)), {})
                 for d in ("float32", "float64")],
    "diff": each_dtype(dtypes=("float32", "float64", "int32"))
    + each_dtype(n=2, axis=0, dtypes=("float64",)),
    "cumsum": each_dtype() + each_dtype(axis=1),
    "cumprod": each_dtype() + each_dtype(axis=0),
    "where": [((BOOLS, tensor(a), tensor(b)), {}) for a, b in BINARY_DTYPES]
    + [((BOOLS, tensor("float32"), 0.5), {}), ((BOOLS, tensor("int32"), 2), {})],
    "matmul": matrices(square),
    "dot": matrices(square) + matrices(vector),
    "tensordot": [((square(a), square(b)), {"axes": 1}) for a, b in
                  [("float32", "float32"), ("float64", "float64"), ("int32", "float32")]],
    "inner": matrices(vector),
    "outer": matrices(vector),
    "vdot": matrices(vector),
    "kron": matrices(vector),
    "cross": matrices(vector),
    "isin": [((tensor(a), np.array([0, 1, 3]).astype(b)), {}) for a, b in
             [("float32", "float32"), ("int32", "int32"), ("int32", "float32")]],
    "zeros": [(((2, 3),), {}), (((2,),), {"dtype": "int32"})],
    "ones": [(((2, 3),), {}), (((2,),), {"dtype": "bool"})],
    "zeros_like": each_dtype() + each_dtype(dtype="float64"),
    "ones_like": each_dtype() + each_dtype(dtype="int32"),
    "full": [(((2, 2), 3), {}), (((2,), 1.5), {}), (((2,), True), {}),
             (((2,), 3), {"dtype": "float64"})],
    "full_like": each_dtype(2) + each_dtype(0.5) + each_dtype(3, dtype="float32"),
    "eye": [((3,), {}), ((2, 3), {"k": 1}), ((2,), {"dtype": "int32"})],
    "identity": [((3,), {}), ((2,), {"dtype": "float64"})],
    "tri": [((3,), {}), ((2, 3), {"k": 1, "dtype": "int32"})],
    "arange": [((5,), {}), ((1, 7, 2), {}), ((0.0, 1.0, 0.25), {}), ((1, 4.5), {}),
               ((4,), {"dtype": "float64"})],
    "linspace": [((0, 1, 5), {}), ((0.0, 2.0, 4), {"endpoint": False}),
                 ((0, 10, 3), {"dtype": "int32"})],
    "logspace": [((0, 2, 3), {}), ((0.0, 1.0, 4), {"base": 2})],
    "geomspace": [((1, 100, 3), {}), ((1.0, 8.0, 4), {"dtype": "float64"})],
    "array": [(([1, 2],), {}), (([1.5, 2],), {}), ((FLOATS,), {}),
              (([1, 2],), {"dtype": "float64"})],
    "convert_to_tensor": [((v,), {}) for v in ([1, 2], [1.5, 2], [True, 3], 3, 2.5, True,
                                               FLOATS, INTS.astype("int64"), BOOLS, [],
                                               np.float64(1.5), [np.float64(1.5), 2],
                                               np.int64(3), [[1, 2], [3, 4.5]])]
    + [(([1, 2],), {"dtype": "float64"}), ((2.5,), {"dtype": "int32"})],
    "cast": each_dtype("float64") + each_dtype("int32") + each_dtype("bool") + [((2.7, "int32"),
                                                                                  {})],
    "saturate_cast": [((np.array([-300., 0.5, 300.]), "uint8"), {}),
                      ((np.array([-300, 7, 300]), "int8"), {})],
    "one_hot": [((np.array([0, 2, 1]), 3), {}), ((np.array([[1, -1]]), 3), {"axis": 1}),
                ((np.array([0, 1]), 2), {"dtype": "int32"})],
    "multi_hot": [((np.array([[0, 2], [1, 1]]),), {"num_classes": 3})],
    "top_k": [((tensor(d), 2), {}) for d in ("float32", "float64", "int32")],
    "in_top_k": [((np.array([2, 0]), tensor(d), k), {}) for d in ("float32", "float64")
                 for k in (1, 2)],
    "normalize": each_dtype(dtypes=("float32", "float64", "int32")) + each_dtype(
        axis=0, order=1, dtypes=("float64",)),
    "threshold": each_dtype(0.3, -1.0, dtypes=("float32", "float64")),
}


# Integers to negative powers: Keras (torch) truncates toward zero, where numpy raises.
CASES_POWER = CASES["power"] + [((np.array([2, 1, -1, -1, 3], "int32"),
                                  np.array([-1, -3, -1, -2, 2], "int32")), {}),
                                ((np.array([2, 1, -1], "int32"), -1), {})]
SPD = np.array([[2.0, 1.0], [1.0, 3.0]])
PROBABILITIES = np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]])
ONE_HOT = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])

# Ops whose inputs are not a lone tensor or a pair of them.
CASES.update({
    "power": CASES_POWER,
    "norm": each_dtype(dtypes=("float32", "float64", "int32")) + [
        ((tensor("float64"),), kwargs) for kwargs in
        ({"axis": 1}, {"ord": 1, "axis": 0}, {"ord": "fro"}, {"axis": [0, 1], "keepdims": True},
         {"ord": np.inf, "axis": -1})],
    "det": [((SPD.astype(d),), {}) for d in ("float32", "float64")],
    "inv": [((SPD.astype(d),), {}) for d in ("float32", "float64")],
    "logdet": [((SPD.astype(d),), {}) for d in ("float32", "float64")],
    "solve": [((SPD.astype(d), np.array([[1.0], [2.0]]).astype(d)), {})
              for d in ("float32", "float64")],
    "moments": [((tensor(d), axes), {"keepdims": k}) for d in ("float32", "float64")
                for axes in ([0], [0, 1], (1,)) for k in (False, True)],
    "psnr": [((tensor(d), tensor(d)[::-1], 3.0), {}) for d in ("float32", "float64")],
    "segment_sum": [((tensor(d), np.array([1, 1])), {}) for d in ("float32", "float64", "int32")]
    + [((np.array([1., 2., 3., 4.]), np.array([0, 2, 0, 1])), {"num_segments": 4})],
    "segment_max": [((np.array([[1., 5.], [3., 2.], [0., 0.]]).astype(d), np.array([0, 0, 1])),
                     {}) for d in ("float32", "float64", "int32")],
    "slice": each_dtype((0, 1), (2, 2)) + each_dtype([1, 0], [1, 3]),
    "slice_update": [((tensor(d), (0, 1), tensor(d)[:1, :2]), {}) for d in DTYPES],
    "scatter": [((np.array([[0, 1], [1, 2], [0, 1]]), np.array([1., 2., 3.]).astype(d), (2, 3)),
                 {}) for d in ("float32", "float64", "int32")]
    + [((np.array([[1]]), np.array([[1., 2.]]), (3, 2)), {})],
    "scatter_update": [((tensor(d), np.array([[0, 1], [1, 2]]), tensor(d)[0, :2]), {"reduction": r})
                       for d in ("float32", "float64", "int32") for r in (None, "add", "max",
                                                                           "min", "mul")],
    "binary_crossentropy": [((ONE_HOT.astype(d), PROBABILITIES.astype(d)), {"from_logits": f})
                            for d in ("float32", "float64") for f in (False, True)],
    "categorical_crossentropy": [
        ((ONE_HOT.astype(d), PROBABILITIES.astype(d)), {"from_logits": f})
        for d in ("float32", "float64") for f in (False, True)]
    + [((ONE_HOT.T, PROBABILITIES.T), {"axis": 0})],
    "sparse_categorical_crossentropy": [
        ((np.array([1, 0]), PROBABILITIES.astype(d)), {"from_logits": f})
        for d in ("float32", "float64") for f in (False, True)]
    + [((np.array([[1], [0]]), PROBABILITIES), {})],
    "einsum": [(("ij,jk->ik", square(a), square(b)), {}) for a, b in
               [("float32", "float32"), ("float64", "float64"), ("int32", "int32"),
                ("int32", "float32")]] + [(("ii", square("float64")), {})],
    "unravel_index": [((np.array([1, 5]), (2, 3)), {})],
    "argpartition": each_dtype(1, dtypes=("int32",)),
    "nan_to_num": [((np.array([np.nan, np.inf, -np.inf, 1.0]).astype(d),), kwargs)
                   for d in ("float32", "float64") for kwargs in ({}, {"nan": 2.0})],
    "dsplit": [((np.arange(8).reshape(1, 2, 4).astype(d), 2), {}) for d in DTYPES],
    "nancumsum": each_dtype() + each_dtype(axis=1, dtype="float64"),
    "nancumprod": each_dtype() + each_dtype(axis=0),
    **{name: [((tensor(d), q), kwargs) for d in DTYPES for q, kwargs in
              [(0.5, {}), (np.array([0.25, 0.75]), {"axis": 1}), (0.3, {"method": "lower"})]]
       for name in ("quantile", "nanquantile")},
    **{name: [((tensor(d), q), kwargs) for d in DTYPES for q, kwargs in
              [(50, {}), (np.array([25.0, 75.0]), {"axis": 1})]]
       for name in ("percentile", "nanpercentile")},
    "select": [(([BOOLS, ~BOOLS], [tensor(a), tensor(b)]), {}) for a, b in
               [("float32", "float32"), ("int32", "int32"), ("float64", "float64")]],
    "meshgrid": [((vector(d), vector(d)[:2]), {}) for d in DTYPES]
    + [((vector("float32"), vector("float32")), {"indexing": "ij"})],
    "bincount": [((np.array([0, 1, 1, 3]).astype("int32"),), {}),
                 ((np.array([0, 1, 1, 3]),), {"weights": np.array([0.5, 1., 2., 3.]),
                                                "minlength": 5})],
    "vander": [((vector(d),), {}) for d in ("float32", "float64", "int32")]
    + [((vector("float64"),), {"N": 2, "increasing": True})],
    "trapezoid": each_dtype() + each_dtype(dx=0.5, axis=0),
    "corrcoef": [((np.array([[1., 2., 4.], [3., 1., 2.]]).astype(d),), {})
                 for d in ("float32", "float64", "int32")],
    "correlate": [((vector(d), vector(d)[:2]), {"mode": m}) for d in ("float32", "float64")
                  for m in ("valid", "full", "same")],
    "angle": unary(dtypes=("float32", "float64", "int32")),
    "get_item": each_dtype(1) + each_dtype((slice(None), 0)),
    "slogdet": [((np.array([[2., 1.], [1., 3.]]).astype(d),), {}) for d in ("float32", "float64")],
    **{name: [((5,), {}), ((1,), {})] for name in ("bartlett", "blackman", "hamming", "hanning")},
    "kaiser": [((5, 0.5), {}), ((4, 14.0), {})],
})

# keras.ops.linalg: symmetric positive definite, tall, and triangular matrices, one and stacked.
SPD3 = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
TALL = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
RIGHT = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 2.0]])
FACTOR = np.linalg.cholesky(SPD3)
FLOAT_TYPES = ("float32", "float64")
FILL_MODES_OF_OPS = ("constant", "nearest", "wrap", "mirror", "reflect")
CASES.update({
    "cholesky": [((SPD3.astype(d),), {"upper": u}) for d in FLOAT_TYPES for u in (False, True)]
    + [((np.stack([SPD3, 2 * SPD3]),), {})],
    "cholesky_inverse": [((FACTOR.astype(d),), {}) for d in FLOAT_TYPES]
    + [((FACTOR.T,), {"upper": True})],
    "eig": [((SPD3,), {}), ((np.array([[0.0, -1.0], [1.0, 0.0]]),), {}),
            ((np.array([[2.0, 1.0], [0.0, 3.0]], "float32"),), {})],
    "eigh": [((SPD3.astype(d),), {}) for d in FLOAT_TYPES],
    "lu_factor": [((m.astype(d),), {}) for d in FLOAT_TYPES
                  for m in (SPD3[::-1], TALL, TALL.T, np.stack([SPD3, SPD3[::-1]]))],
    "qr": [((TALL.astype(d),), {"mode": m}) for d in FLOAT_TYPES for m in ("reduced", "complete")],
    "svd": [((TALL.astype(d),), kwargs) for d in FLOAT_TYPES for kwargs in
            ({}, {"full_matrices": False}, {"compute_uv": False})],
    # float64 only: torch's float32 least squares (QR with column pivoting) is 1e-5 off here.
    "lstsq": [((TALL, RIGHT[:, 1]), {}), ((TALL, RIGHT), {"rcond": 1e-3})],
    "matrix_rank": [((m.astype(d),), {}) for d in FLOAT_TYPES for m in (TALL, np.ones((3, 3)))]
    + [((TALL,), {"tol": 0.5})],
    "pinv": [((TALL.astype(d),), {}) for d in FLOAT_TYPES] + [((TALL,), {"rcond": 0.5})],
    "solve_triangular": [((np.tril(SPD3).astype(d), RIGHT.astype(d)), {"lower": True})
                         for d in FLOAT_TYPES]
    + [((SPD3, RIGHT[:, 0]), {}), ((np.stack([SPD3, 2 * SPD3]), np.stack([RIGHT, RIGHT])), {})],
})


# Signals (Keras's complex tensors are (real, imag) pairs), counting, normalizations, blocks.
SIGNAL = np.array([0.5, 2.0, -1.0, 3.0, 0.25, 1.5, -2.0, 1.0, 0.0, 2.5, -0.5, 1.25])
PAIR = (np.array([[1.0, 2.0, 3.0, 4.0], [0.5, -1.0, 2.0, 0.0]]),
        np.array([[0.0, 1.0, -1.0, 0.5], [2.0, 0.0, 1.0, -3.0]]))
SPECTRUM = (PAIR[0][:, :3], PAIR[1][:, :3])
REPEATS = np.array([3, 1, 2, 1, 3, 3])
IMAGES = np.arange(32.0).reshape(2, 2, 2, 4)
CHANNELS_FIRST = {"data_format": "channels_first"}
CHANNELS_LAST = {"data_format": "channels_last"}
# Convolutions and pooling over 1, 2 and 3 spatial axes; kernels (*size, channels, filters).
SEQUENCES, GRIDS, VOLUMES = (np.random.default_rng(6).normal(size=shape) for shape in
                             ((2, 7, 4), (2, 6, 7, 4), (1, 5, 4, 6, 2)))
SEQUENCE_KERNEL, GRID_KERNEL, VOLUME_KERNEL, DEPTHWISE, POINTWISE = (
    np.random.default_rng(7).normal(size=shape) for shape in
    ((3, 4, 5), (3, 2, 4, 6), (2, 3, 2, 2, 3), (3, 3, 4, 2), (1, 1, 8, 5)))
# CTC: labels (blank 0) and per-step scores of 3 samples, 6 steps, 4 classes.
LABELS = np.array([[1, 2, 0], [3, 3, 0], [1, 0, 0]])
STEP_SCORES = np.random.default_rng(8).normal(size=(3, 6, 4))
STEP_SCORES[0, :, 2] += 1  # repeats to merge
# Attention: 4 query heads over 2 key/value heads (grouped), 4 queries, 5 keys.
QUERY, KEY, VALUE = (np.random.default_rng(3).normal(size=shape)
                     for shape in ((2, 4, 4, 3), (2, 5, 2, 3), (2, 5, 2, 3)))
ATTENDED = np.random.default_rng(4).random((2, 4, 4, 5)) > 0.3
CASES.update({
    **{name: [((tuple(p.astype(d) for p in PAIR),), {}) for d in FLOAT_TYPES]
       for name in ("fft", "fft2", "ifft2")},
    "rfft": [((SIGNAL.astype(d),), {}) for d in DTYPES[:3]]
    + [((PAIR[0],), {"fft_length": n}) for n in (3, 6)],
    "irfft": [((tuple(p.astype(d) for p in SPECTRUM),), {}) for d in FLOAT_TYPES]
    + [((SPECTRUM,), {"fft_length": n}) for n in (3, 5)],
    "stft": [((SIGNAL.astype(d), 4, 2, 4), {}) for d in FLOAT_TYPES]
    + [((np.stack([SIGNAL, -SIGNAL]), 4, 3, 8), {"window": w, "center": c})
       for w in ("hamming", None, np.linspace(0.1, 1.0, 4)) for c in (True, False)],
    "istft": [((tuple(p.astype(d) for p in PAIR), 6, 2, 6), {}) for d in FLOAT_TYPES]
    + [((PAIR, 6, 3, 6), {"length": 7}), ((PAIR, 4, 2, 6), {}),
       ((PAIR, 6, 2, 6), {"window": None}), ((PAIR, 6, 2, 6), {"center": False}),
       ((PAIR, 4, 2, 6), {"window": "hamming", "center": False, "length": 6})],
    "extract_sequences": [((SIGNAL.astype(d), 4, 3), {}) for d in DTYPES[:3]]
    + [((SIGNAL.reshape(2, 6), 2, 2), {})],
    "erfinv": [((np.array([0.1, -0.5, 0.9, 0.999, -0.99999, 0.0, 1.0, -1.0]).astype(d),), {})
               for d in FLOAT_TYPES] + [((np.array([0, 1], "int32"),), {})],
    "cdist": [((tensor(a), tensor(b)[::-1]), {}) for a, b in
              [("float32", "float32"), ("float64", "float64"), ("int32", "int32")]]
    + [((np.ones((2, 3, 2)), np.zeros((2, 1, 2))), {})],
    "unique": [((REPEATS.astype(d),), {}) for d in ("float32", "float64", "int32")]
    + [((REPEATS,), {"return_index": True, "return_inverse": True, "return_counts": True}),
       ((np.array([[1, 2], [1, 2], [0, 5]]),), {"axis": 0, "return_inverse": True}),
       ((REPEATS.reshape(2, 3),), {"return_inverse": True, "return_counts": True}),
       ((REPEATS,), {"size": 5, "fill_value": -1, "return_counts": True}),
       ((REPEATS,), {"size": 2, "return_counts": True})],
    "histogram": [((SIGNAL.astype(d),), {}) for d in FLOAT_TYPES]
    + [((SIGNAL,), {"bins": 3, "range": (-1.0, 2.0)}), ((SIGNAL,), {"bins": 0})],
    "view": [((np.array([1.0, 2.0], "float32"), "int32"), {}),
             ((np.array([1.0, -2.0]), "uint8"), {}), ((np.array([1, 2], "int32"),), {})],
    "segment_min": [((np.array([[1., 5.], [3., 2.], [0., 0.]]).astype(d), np.array([0, 0, 2])),
                     {}) for d in ("float32", "float64")]
    + [((np.array([4, 2, 3, 1], "int32"), np.array([1, 1, 0, 0])), {})],
    "segment_prod": [((np.array([[1., 5.], [3., 2.], [2., 0.5]]).astype(d), np.array([0, 0, 2])),
                      {}) for d in ("float32", "float64", "int32")]
    + [((np.array([1., 2., 3., 4.]), np.array([0, 2, 0, -1])), {"num_segments": 3})],
    "batch_normalization": [((tensor(d), np.array([1., 2., 3.]), np.array([1., 4., 9.]), -1), {})
                            for d in FLOAT_TYPES]
    + [((tensor("float64"), np.array([1., 2.]), np.array([1., 4.]), 0),
        {"offset": np.array([1., 1.]), "scale": np.array([2., 3.]), "epsilon": 0.1})],
    "layer_normalization": [((tensor(d),), {}) for d in FLOAT_TYPES]
    + [((tensor("float64"),), {"gamma": np.array([1., 2., 3.]), "beta": np.array([0., 1., 0.]),
                               "epsilon": 0.1}),
       ((IMAGES,), {"axis": [1, 2]}),
       ((IMAGES,), {"axis": (2, 3), "gamma": np.ones((2, 4)) * 2}),
       ((tensor("float64"),), {"rms_scaling": True, "gamma": np.array([1., 2., 3.])})],
    "rms_normalization": [((tensor(d),), {}) for d in FLOAT_TYPES]
    + [((tensor("float64"),), {"scale": np.array([1., 2., 3.]), "epsilon": 0.5}),
       ((IMAGES,), {"axis": (1, 2)})],
    "depth_to_space": [((IMAGES.astype(d), 2), {}) for d in ("float32", "int32")]
    + [((IMAGES, 2), {"data_format": "channels_first"})],
    "dot_product_attention": [((QUERY.astype(d), KEY.astype(d), VALUE.astype(d)), {})
                              for d in FLOAT_TYPES]
    + [((QUERY, KEY, VALUE), kwargs) for kwargs in
       ({"scale": 0.3}, {"mask": ATTENDED}, {"bias": ATTENDED * 2.5 - 1},
        {"mask": np.zeros((4, 5), bool)})]
    + [((QUERY, KEY[:, :4], VALUE[:, :4]), {"is_causal": True}),
       ((QUERY, KEY[:, :4], VALUE[:, :4]), {"is_causal": True, "mask": ATTENDED[..., :4]}),
       ((QUERY, KEY[:, :, :1], VALUE[:, :, :1]), {})],
    "conv": [((SEQUENCES.astype(d), SEQUENCE_KERNEL.astype(d)), {}) for d in FLOAT_TYPES]
    + [((SEQUENCES, SEQUENCE_KERNEL), {"padding": "same", "strides": 2}),
       ((GRIDS, GRID_KERNEL), {"strides": (2, 3), "padding": "same"}),
       ((GRIDS, GRID_KERNEL), {"dilation_rate": 2}),
       ((GRIDS, GRID_KERNEL[:2, :2, :2]), {"padding": "same"}),  # two groups
       ((VOLUMES, VOLUME_KERNEL), {"padding": "same", "strides": 2}),
       ((GRIDS.transpose(0, 3, 1, 2), GRID_KERNEL), {"padding": "same", **CHANNELS_FIRST})],
    "conv_transpose": [((SEQUENCES.astype(d), SEQUENCE_KERNEL.transpose(0, 2, 1).astype(d)),
                        {"strides": s}) for d in FLOAT_TYPES for s in (1, 2)]
    + [((GRIDS, GRID_KERNEL.transpose(0, 1, 3, 2)), kwargs) for kwargs in
       ({"strides": (2, 3), "padding": "same"}, {"strides": 2, "output_padding": 1},
        {"strides": 3, "padding": "same", "output_padding": 2}, {"dilation_rate": 2})]
    + [((SEQUENCES, SEQUENCE_KERNEL.transpose(0, 2, 1)), {"strides": 2, "padding": "same"}),
       ((VOLUMES, VOLUME_KERNEL.transpose(0, 1, 2, 4, 3)), {"strides": 2, "padding": "same"}),
       ((GRIDS.transpose(0, 3, 1, 2), GRID_KERNEL.transpose(0, 1, 3, 2)),
        {"strides": 2, **CHANNELS_FIRST})],
    "depthwise_conv": [((GRIDS.astype(d), DEPTHWISE.astype(d)), {}) for d in FLOAT_TYPES]
    + [((GRIDS, DEPTHWISE), {"padding": "same", "strides": 2})],
    "separable_conv": [((GRIDS, DEPTHWISE, POINTWISE), {"padding": p}) for p in ("valid", "same")],
    "max_pool": [((SEQUENCES.astype(d), 2), {}) for d in FLOAT_TYPES]
    + [((GRIDS, 3), {"strides": 2, "padding": "same"}),
       ((GRIDS, (2, 3)), {"strides": 1, "padding": "same"}), ((VOLUMES, 2), {"padding": "same"}),
       ((GRIDS.transpose(0, 3, 1, 2), 2), CHANNELS_FIRST)],
    # "same" padding split evenly only: where it is not, Keras's torch backend repeats the edge
    # into the mean (see tests/test_ops.py).
    "average_pool": [((SEQUENCES.astype(d), 2), {}) for d in FLOAT_TYPES]
    + [((GRIDS, 3), {"strides": 1, "padding": "same"}), ((GRIDS, (2, 2)), {"strides": (2, 1)}),
       ((VOLUMES, 3), {"strides": 1, "padding": "same"})],
    "ctc_loss": [((LABELS, STEP_SCORES.astype(d), np.array([2, 2, 1]), np.array([6, 5, 3])), {})
                 for d in FLOAT_TYPES]
    + [((LABELS, STEP_SCORES, np.array([3, 3, 1]), np.array([2, 6, 3])), {}),  # one impossible
       ((np.array([[1, 2, 0], [0, 0, 2], [1, 1, 1]]), STEP_SCORES, np.array([3, 3, 3]),
         np.array([6, 6, 6])), {"mask_index": 3})],
    "ctc_decode": [((STEP_SCORES.astype(d), np.array([6, 4, 5])), kwargs) for d in FLOAT_TYPES
                   for kwargs in ({}, {"merge_repeated": False}, {"mask_index": 3},
                                  {"mask_index": None})],
    **{name: [((SEQUENCES, 3), {}), ((GRIDS, (4, 3)), {}), ((GRIDS, (8, 9)), {}),
              ((VOLUMES, 2), {}), ((GRIDS.astype("float32"), (2, 5)), {}),
              ((GRIDS.transpose(0, 3, 1, 2), (4, 3)), CHANNELS_FIRST)]
       for name in ("adaptive_average_pool", "adaptive_max_pool")},
    "space_to_depth": [((IMAGES.astype(d), 2), {}) for d in ("float32", "int32")]
    + [((IMAGES.transpose(0, 3, 1, 2), 2), {"data_format": "channels_first"})],
})


# keras.ops.image: batches and single images, channels last and first, floats and uint8.
PICTURES = np.random.default_rng(0).random((2, 5, 6, 3))
BYTES = (PICTURES * 255).astype("uint8")
TRANSFORMS = np.array([[0.9, -0.2, 1.3, 0.25, 1.1, -0.7, 0, 0], [1, 0, 0.5, 0, 1, -1.5, 0, 0]])
POINTS = np.array([[0.5, 2.2, -1.0, 4.7, 2.5], [1.5, 0.0, 3.3, 6.2, 7.5]])
IMAGE_CASES = {
    "rgb_to_grayscale": [((PICTURES.astype(d),), {}) for d in FLOAT_TYPES]
    + [((BYTES,), {}), ((PICTURES[0],), {}), ((PICTURES.transpose(0, 3, 1, 2),), CHANNELS_FIRST)],
    **{name: [((PICTURES.astype(d),), {}) for d in FLOAT_TYPES]
       + [((PICTURES[0],), {}), ((PICTURES.transpose(0, 3, 1, 2),), CHANNELS_FIRST)]
       for name in ("rgb_to_hsv", "hsv_to_rgb")},
    "resize": [((PICTURES.astype(d), (3, 4)), {}) for d in FLOAT_TYPES]
    + [((PICTURES, size), {"interpolation": i}) for size in ((7, 9), (3, 2))
       for i in ("nearest", "bicubic")]
    + [((PICTURES, (2, 3)), {"antialias": True, "interpolation": i})
       for i in ("bilinear", "bicubic")]
    + [((PICTURES, (4, 4)), {"crop_to_aspect_ratio": True}),
       ((PICTURES, (4, 4)), {"pad_to_aspect_ratio": True, "fill_value": 0.5}),
       ((BYTES, (4, 7)), {}), ((PICTURES[0], (3, 3)), {}),
       ((PICTURES.transpose(0, 3, 1, 2), (3, 4)), CHANNELS_FIRST)],
    "affine_transform": [((PICTURES.astype(d), TRANSFORMS.astype(d)), {"fill_mode": m})
                         for d in FLOAT_TYPES for m in FILL_MODES_OF_OPS]
    + [((PICTURES, TRANSFORMS), {"interpolation": "nearest"}),
       ((PICTURES, TRANSFORMS), {"fill_value": 0.5}), ((BYTES, TRANSFORMS), {}),
       ((PICTURES[0], TRANSFORMS[0]), {}),
       ((PICTURES.transpose(0, 3, 1, 2), TRANSFORMS), CHANNELS_FIRST)],
    "map_coordinates": [((PICTURES[0, :, :, 0].astype(d), POINTS), {"order": o, "fill_mode": m})
                        for d in FLOAT_TYPES for o in (0, 1) for m in FILL_MODES_OF_OPS]
    + [((BYTES[0, :, :, 0], POINTS), {"order": 1, "fill_value": 3}),
       ((PICTURES[0], np.stack([POINTS[0], POINTS[1], np.array([0, 1, 2, 1, 0])])),
        {"order": 1})],
    "pad_images": [((PICTURES, 1, 2), {"target_height": 8, "target_width": 9}),
                   ((PICTURES[0],), {"top_padding": 1, "bottom_padding": 0, "left_padding": 2,
                                     "right_padding": 1}),
                   ((PICTURES.transpose(0, 3, 1, 2),), {"bottom_padding": 2, "target_height": 9,
                                                        "right_padding": 1, "target_width": 7,
                                                        **CHANNELS_FIRST})],
    "crop_images": [((PICTURES, 1, 2), {"target_height": 3, "target_width": 3}),
                    ((PICTURES[0],), {"bottom_cropping": 1, "target_height": 2,
                                      "left_cropping": 1, "right_cropping": 1}),
                    ((PICTURES.transpose(0, 3, 1, 2),), {"top_cropping": 1, "bottom_cropping": 2,
                                                         "target_width": 4, "right_cropping": 0,
                                                         **CHANNELS_FIRST})],
    "extract_patches": [((PICTURES.astype(d), 2), {}) for d in FLOAT_TYPES]
    + [((PICTURES, (2, 3)), {"strides": (1, 2), "padding": "same"}),
       ((PICTURES, (2, 2)), {"dilation_rate": 2}), ((PICTURES[0], 3), {"strides": 1,
                                                                       "padding": "same"}),
       ((PICTURES.transpose(0, 3, 1, 2), 2), CHANNELS_FIRST)],
    # data_format named: Keras's torch backend reads gaussian_blur's None as channels first.
    "gaussian_blur": [((PICTURES.astype(d),), CHANNELS_LAST) for d in FLOAT_TYPES]
    + [((PICTURES, (5, 5), (1.5, 0.7)), CHANNELS_LAST), ((PICTURES, (4, 4)), CHANNELS_LAST),
       ((PICTURES[0], (3, 3), (2.0, 2.0)), CHANNELS_LAST),
       ((PICTURES.transpose(0, 3, 1, 2),), CHANNELS_FIRST)],
    "sobel_edges": [((PICTURES.astype(d),), {}) for d in FLOAT_TYPES]
    + [((PICTURES.transpose(0, 3, 1, 2),), CHANNELS_FIRST)],
}


@pytest.mark.parametrize("name", sorted(IMAGE_CASES))
def test_image_op_matches_keras(name):
    ours, theirs = getattr(handkeras.ops.image, name), getattr(keras.ops.image, name)
    for args, kwargs in IMAGE_CASES[name]:
        where = f"ops.image.{name}{args!r:.100} {kwargs}"
        assert_same(ours(*args, **kwargs), to_numpy(theirs(*args, **kwargs)), where)


def test_every_image_op_has_reference_cases():
    assert sorted(set(handkeras.ops.image.__all__) - set(IMAGE_CASES)) == []


# Control flow and functional ops: each case is a call written once for both libraries' ops
# (Keras's torch backend maps only over torch tensors, so the mapped inputs are converted first).
STEPS = np.arange(6.0).reshape(3, 2)
BLOCKS = np.random.default_rng(10).normal(size=(2, 3, 6, 7))
UNFOLDINGS = [{"kernel_size": 2}, {"kernel_size": (2, 3), "stride": 2},
              {"kernel_size": 3, "padding": 1, "dilation": 2},
              {"kernel_size": (3, 2), "padding": (1, 0), "stride": (1, 2)}]
FUNCTIONAL = {
    "cond": [lambda ops: ops.cond(True, lambda: ops.add(STEPS, 1), lambda: STEPS),
             lambda ops: ops.cond(np.array(False), lambda: STEPS, lambda: (ops.sum(STEPS), 3))],
    "switch": [lambda ops: ops.switch(index, [lambda x: ops.add(x, 1), lambda x: x * 10],
                                      np.array([1, 2], "int32")) for index in (0, 1, 5, -3)],
    "while_loop": [lambda ops: ops.while_loop(lambda i: i < 10, lambda i: i + 3, 0),
                   lambda ops: ops.while_loop(lambda i, x: i < 10, lambda i, x: (i + 3, x * 2),
                                              [0, np.array([1.0, 2.0])]),
                   lambda ops: ops.while_loop(lambda i: i < 10, lambda i: i + 3, 0,
                                              maximum_iterations=2)],
    "fori_loop": [lambda ops: ops.fori_loop(0, 5, lambda i, x: ops.add(x, i), STEPS),
                  lambda ops: ops.fori_loop(2, 4, lambda i, x: (x[0] * i, x[1]), (1.5, 2))],
    "scan": [lambda ops: ops.scan(lambda c, x: (c + x, c * x), np.zeros(2), STEPS),
             lambda ops: ops.scan(lambda c, x: (c + x, c), np.zeros(2), STEPS, reverse=True),
             lambda ops: ops.scan(lambda c, x: (c + 1, None), 0, length=3),
             lambda ops: ops.scan(lambda c, x: ((c[0] + x["a"], c[1]), x["b"] - c[0]),
                                  (np.zeros(2), 1.0), {"a": STEPS, "b": STEPS * 2})],
    "map": [lambda ops: ops.map(ops.sum, STEPS),
            lambda ops: ops.map(lambda x: (x, ops.multiply(x, 2)), STEPS),
            lambda ops: ops.map(lambda x: x[0] * x[1], (STEPS, STEPS + 1))],
    "vectorized_map": [
        lambda ops: ops.vectorized_map(lambda x: ops.sum(x * 2), ops.convert_to_tensor(STEPS)),
        lambda ops: ops.vectorized_map(lambda x: x[0] + x[1], (ops.convert_to_tensor(STEPS),
                                                               ops.convert_to_tensor(STEPS)))],
    # Keras's torch backend computes this op in float32 whatever the input (values only).
    "associative_scan": [
        lambda ops: ops.associative_scan(lambda a, b: a + b, np.arange(1.0, 8.0)),
        lambda ops: ops.associative_scan(lambda a, b: a * b, np.arange(1.0, 6.0), reverse=True),
        lambda ops: ops.associative_scan(lambda a, b: ops.maximum(a, b),
                                         np.array([[3.0, 1.0, 4.0], [1.0, 5.0, 9.0]]), axis=1),
        lambda ops: ops.associative_scan(lambda a, b: (a[0] + b[0], a[1] * b[1]),
                                         (np.arange(4.0), np.arange(1.0, 5.0)))],
    "vectorize": [lambda ops: ops.vectorize(lambda a, b: a * 2 + b)(np.array([1, 2]), 3),
                  lambda ops: ops.vectorize(lambda a: ops.sum(a), signature="(n)->()")(STEPS)],
    # PyTorch's im2col and col2im, which Keras's torch backend calls on torch tensors only.
    "unfold": [lambda ops, kwargs=kwargs: ops.unfold(ops.convert_to_tensor(BLOCKS), **kwargs)
               for kwargs in UNFOLDINGS],
    "fold": [lambda ops, kwargs=kwargs: ops.fold(
        ops.unfold(ops.convert_to_tensor(BLOCKS), **kwargs), (6, 7), **kwargs)
        for kwargs in UNFOLDINGS],
    "custom_gradient": [lambda ops: ops.custom_gradient(
        lambda x: (ops.log1p(ops.exp(x)), lambda upstream: upstream))(np.array([1.0, -2.0]))],
}


@pytest.mark.parametrize("name", sorted(FUNCTIONAL))
def test_functional_op_matches_keras(name):
    for i, call in enumerate(FUNCTIONAL[name]):
        ours, theirs = call(handkeras.ops), to_numpy(call(keras.ops))
        assert_same(to_numpy_structure(ours), theirs, f"ops.{name} case {i}",
                    check_dtype=name != "associative_scan")


def to_numpy_structure(value):
    """handkeras's result with tuples and dicts as lists, the way ``to_numpy`` gives Keras's."""
    if isinstance(value, dict):
        return [to_numpy_structure(value[key]) for key in sorted(value)]
    if isinstance(value, (list, tuple)):
        return [to_numpy_structure(item) for item in value]
    return value


def to_numpy(value):
    """A result as nested lists of numpy arrays (Keras's tuples, torch's named tuples and dicts,
    in the order of their sorted keys, too)."""
    if isinstance(value, dict):
        return [to_numpy(value[key]) for key in sorted(value)]
    if isinstance(value, (list, tuple)):
        return [to_numpy(item) for item in value]
    return keras.ops.convert_to_numpy(value)


def assert_same(ours, theirs, where, check_dtype=True):
    if isinstance(ours, tuple) and isinstance(theirs, np.ndarray):
        # nonzero: numpy's tuple of index arrays, one per axis; Keras's torch backend stacks them.
        ours = np.stack(ours) if ours else np.zeros((0,), theirs.dtype)
    if isinstance(theirs, list):
        assert isinstance(ours, (list, tuple)) and len(ours) == len(theirs), where
        for i, (mine, expected) in enumerate(zip(ours, theirs)):
            assert_same(mine, expected, f"{where}[{i}]", check_dtype)
        return
    if isinstance(ours, (int, float, bool)) and not isinstance(ours, np.ndarray):
        assert type(ours) is type(theirs.item() if hasattr(theirs, "item") else theirs), where
        assert ours == theirs, where
        return
    ours = np.asarray(ours) if isinstance(ours, np.generic) else ours
    assert isinstance(ours, np.ndarray), f"{where}: {type(ours)} is not a numpy array"
    if check_dtype:
        assert ours.dtype == theirs.dtype, f"{where}: dtype {ours.dtype}, Keras's {theirs.dtype}"
    assert ours.shape == theirs.shape, f"{where}: shape {ours.shape}, Keras's {theirs.shape}"
    rtol = 1e-12 if check_dtype and ours.dtype == np.float64 else 1e-6
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol, equal_nan=True, err_msg=where)


def dtype_is_defined(args, floatx):
    """Whether Keras's result dtype is its rule, not its torch backend's accident: always under
    floatx float32; under float64 only for float64 inputs, since there Keras's torch backend gives
    integers torch's default float32 in some ops (``arccos``) and floatx float64 in others."""
    return floatx == "float32" or any(getattr(a, "dtype", None) == np.float64 for a in args)


@pytest.fixture(params=["float32", "float64"])
def floatx(request):
    keras.config.set_floatx(request.param)
    handkeras.config.set_floatx(request.param)
    return request.param


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_matches_keras(name, floatx):
    ours, theirs = getattr(handkeras.ops, name), getattr(keras.ops, name)
    compared = 0
    for args, kwargs in CASES[name]:
        where = f"ops.{name}{args!r:.150} {kwargs} under floatx {floatx}"
        try:
            expected = to_numpy(theirs(*args, **kwargs))
        except Exception:  # noqa: BLE001  (Keras refuses the case: nothing to compare)
            continue
        compared += 1
        assert_same(ours(*args, **kwargs), expected, where, dtype_is_defined(args, floatx))
    assert compared, f"Keras refused every case of ops.{name}"


def test_every_op_has_reference_cases():
    # Keras refuses numpy arrays in unstack and stop_gradient, empty's values are undefined, and
    # the rest are compared on every call above: tests/test_ops.py checks these.
    missing = sorted(set(handkeras.ops.__all__) - set(CASES)
                     - {"convert_to_numpy", "is_tensor", "shape", "dtype", "empty", "empty_like",
                        "unstack", "stop_gradient"} - set(FUNCTIONAL))
    assert missing == []
