"""``handkeras.ops``: Keras's array functions on numpy arrays, with Keras's promotion rules.

(tests/reference/test_keras_ops.py compares every op with Keras itself.)
"""

import inspect
import warnings
from pathlib import Path

import numpy as np
import pytest

import handkeras
from handkeras import ops
from handkeras.ops.dtypes import result_type


@pytest.mark.parametrize("dtypes, expected", [
    (("int32", float), "float32"),       # a Python float is weak, and gives floatx
    (("int8", int), "int8"),             # a Python int takes the array's integer type
    (("float16", float), "float16"),
    (("float64", float), "float64"),     # float64 stays float64
    (("int8", "uint8"), "int16"),        # signed and unsigned: the signed type holding both
    (("uint8", "uint16"), "uint16"),
    (("int64", "uint64"), "float32"),    # no integer holds both: floatx
    (("int64", "float16"), "float16"),   # an integer never widens a float
    (("float16", "float32"), "float32"),
    (("bool", "bool"), "bool"),
    (("bool", int), "int32"),
    (("bool", float), "float32"),
    ((int, float), "float32"),
    ((int,), "int32"),
    ((), "float32"),
    ((None,), "float32"),
    ((np.dtype("float64"), np.dtype("float64")), "float64"),  # equal to `float`, yet not weak
    ((np.dtype("int64"), np.dtype("int8")), "int64"),         # equal to "int", yet not weak
])
def test_result_type_follows_keras_s_table(dtypes, expected):
    assert result_type(*dtypes) == expected


def test_python_floats_follow_floatx():
    handkeras.config.set_floatx("float64")
    try:
        assert result_type("int32", float) == "float64"
        assert ops.add(np.arange(3, dtype="int32"), 0.5).dtype == np.float64
        assert ops.convert_to_tensor(1.5).dtype == np.float64
    finally:
        handkeras.config.set_floatx("float32")


def test_ops_return_keras_s_dtypes_not_numpy_s():
    ints = np.arange(4, dtype="int32")
    assert ops.add(ints, 0.5).dtype == np.float32          # numpy: float64
    assert ops.mean(ints).dtype == np.float32             # numpy: float64
    assert ops.sum(np.ones(3, bool)).dtype == np.int32     # numpy: int64
    assert ops.multiply(np.ones(2, "int8"), 3).dtype == np.int8
    assert ops.add(np.ones(2, "int8"), np.ones(2, "uint8")).dtype == np.int16
    assert ops.argmax(np.ones((2, 3)), axis=-1).dtype == np.int32
    assert ops.convert_to_tensor([1, 2.5]).dtype == np.float32
    assert ops.convert_to_tensor([1, 2]).dtype == np.int32
    assert ops.convert_to_tensor(2**40).dtype == np.int64
    assert ops.convert_to_tensor(np.float64(1.5)).dtype == np.float32   # a Python float
    assert ops.convert_to_tensor([np.float64(1.5)]).dtype == np.float64  # an item's own dtype
    assert ops.convert_to_tensor([]).dtype == np.float32
    assert ops.sqrt(np.array(4.0)).dtype == np.float64
    assert ops.sqrt(np.float64(4.0)).dtype == np.float32  # a Python float subclass, as in Keras


def test_results_are_numpy_arrays_even_for_full_reductions():
    total = ops.sum(np.ones((2, 2), "float32"))
    assert isinstance(total, np.ndarray) and total.shape == () and total == 4
    assert ops.is_tensor(total) and not ops.is_tensor([1.0])


def test_unknown_dtype_names_are_clear_value_errors():
    with pytest.raises(ValueError, match="^Invalid dtype: float33$"):  # Keras's words
        ops.cast(np.ones(2), "float33")
    with pytest.raises(ValueError, match="Invalid dtype"):
        ops.zeros((2,), dtype="complex64")
    with pytest.raises(ValueError, match="Invalid dtype"):
        result_type("int32", "str")


def test_dtype_names_are_read_as_keras_utils_reads_them(float64):
    """The Python type ``float`` names float32 whatever floatx is, as in Keras."""
    assert ops.zeros((2,), dtype=float).dtype == np.float32
    assert ops.cast(np.ones(2, np.int32), float).dtype == np.float32


def test_signatures_are_keras_s_and_bind_like_functions():
    assert str(inspect.signature(ops.sum)) == "(x, axis=None, keepdims=False)"
    assert str(inspect.signature(ops.gelu)) == "(x, approximate=True)"  # not the activation's
    assert ops.sum.__name__ == "sum" and ops.sum.__doc__
    with pytest.raises(TypeError):
        ops.sum(np.ones(2), axes=0)
    with pytest.raises(TypeError):
        ops.add(np.ones(2))


def test_sparse_and_ragged_tensors_are_refused():
    with pytest.raises(ValueError, match="sparse=True"):
        ops.convert_to_tensor([1.0], sparse=True)
    with pytest.raises(ValueError, match="ragged=True"):
        ops.convert_to_tensor([1.0], ragged=True)
    with pytest.raises(ValueError, match="sparse=True"):
        ops.one_hot([0], 2, sparse=True)


def test_one_hot_names_an_index_past_num_classes():
    with pytest.raises(ValueError, match="num_classes`=3.*index 3"):
        ops.one_hot(np.array([0, 3]), 3)
    assert ops.one_hot(np.array([-1, 1]), 2).tolist() == [[0, 0], [0, 1]]


def test_core_conversions():
    x = np.arange(6.0).reshape(2, 3)
    copy = ops.convert_to_numpy(x)
    copy[0, 0] = 7
    assert x[0, 0] == 0
    assert ops.shape(x) == (2, 3) and all(type(n) is int for n in ops.shape(x))
    assert ops.shape([[1], [2]]) == (2, 1)
    assert ops.shape(handkeras.Input((4,))) == (None, 4)
    assert ops.dtype(x) == "float64" and ops.dtype(3) == "int32" and ops.dtype(True) == "bool"
    assert ops.ndim(x) == 2 and ops.size(x) == 6
    assert ops.stop_gradient(x) is x
    assert [row.tolist() for row in ops.unstack(x, axis=1)] == [[0, 3], [1, 4], [2, 5]]
    with pytest.raises(ValueError, match="`num` must equal"):
        ops.unstack(x, num=3)
    assert ops.saturate_cast(np.array([-300.0, 5.5, 300.0]), "uint8").tolist() == [0, 5, 255]


def test_broadcast_results_can_be_written():
    grid = ops.broadcast_to(np.arange(3), (2, 3))
    grid[0, 0] = 7
    assert grid.tolist() == [[7, 1, 2], [0, 1, 2]]


def test_where_and_nonzero_give_index_tuples():
    rows, cols = ops.nonzero(np.array([[0, 2], [3, 0]]))
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0] and rows.dtype == np.int32
    (indices,) = ops.where(np.array([False, True, True]))
    assert indices.tolist() == [1, 2]
    assert ops.where(np.array([True, False]), np.ones(2, "int32"), 0.5).dtype == np.float32


def test_post_processing_predictions_as_in_keras_scripts():
    model = handkeras.Sequential([handkeras.Input((4,)),
                                  handkeras.layers.Dense(3, activation="softmax")])
    probabilities = model.predict(np.ones((5, 4), "float32"), verbose=0)
    labels = ops.argmax(probabilities, axis=-1)
    assert labels.shape == (5,) and labels.dtype == np.int32
    values, indices = ops.top_k(probabilities, 2)
    assert indices[:, 0].tolist() == labels.tolist()
    assert ops.all(ops.in_top_k(labels, probabilities, 1))
    np.testing.assert_allclose(ops.sum(ops.softmax(probabilities), axis=-1), 1, rtol=1e-6)


def test_activations_are_computed_without_overflow():
    assert ops.sigmoid(np.array([-1000.0, 1000.0], "float32")).tolist() == [0.0, 1.0]
    assert np.isfinite(ops.logsumexp(np.array([1000.0, 1000.0]))).all()
    assert ops.relu(np.array([-2, 3], "int32")).dtype == np.int32


def test_the_docs_list_every_op():
    """docs/ops.md's table of what exists names every public op."""
    text = (Path(__file__).parents[1] / "docs" / "ops.md").read_text()
    table = text[text.index("## What exists"):text.index("**Not there**")]
    names = [*ops.__all__, *ops.image.__all__, *ops.linalg.__all__]
    assert sorted(name for name in names if f"`{name}`" not in table) == []


def test_infinities_and_nan_come_without_warnings_as_in_keras():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ops.log(np.float32(0)) == -np.inf
        assert ops.divide(np.array([1.0, 0.0]), 0.0)[0] == np.inf
        assert np.isnan(ops.arccosh(np.array(0.5)))


# ------------------------------------------------------------------ control flow and functional
def test_loops_run_eagerly_with_keras_s_conventions():
    assert ops.cond(np.array(True), lambda: "yes", lambda: "no") == "yes"
    assert ops.switch(7, [lambda x: x + 1, lambda x: x * 10], 2) == 20  # index clipped
    count = ops.while_loop(lambda i: i < 10, lambda i: i + 3, 0)
    assert count == 12 and count.dtype == np.int32  # the loop variables became tensors
    pair = ops.while_loop(lambda i, x: i < 2, lambda i, x: [i + 1, x * 2], [0, 1.5])
    assert isinstance(pair, tuple) and pair[1] == 6.0
    assert ops.fori_loop(0, 4, lambda i, total: total + i, 0) == 6


def test_scan_stacks_each_step_and_keeps_structures():
    carry, ys = ops.scan(lambda c, x: (c + x, c), np.zeros(2), np.arange(6.0).reshape(3, 2))
    assert carry.tolist() == [6.0, 9.0] and ys.tolist() == [[0, 0], [0, 1], [2, 4]]
    carry, ys = ops.scan(lambda c, x: ({"n": c["n"] + 1}, None), {"n": 0}, length=3)
    # A step's y of None stacks a list of zeros, one per tensor of the carry, as in Keras.
    assert carry["n"] == 3 and [y.tolist() for y in ys] == [[0, 0, 0]]
    assert ops.map(lambda x: (x, -x), np.arange(3))[1].tolist() == [0, -1, -2]
    assert ops.vectorized_map(lambda x: x[0] * x[1], (np.arange(3), np.arange(3))).tolist() == \
        [0, 1, 4]


def test_scan_refuses_what_keras_refuses():
    with pytest.raises(TypeError, match="`f` should be a callable"):
        ops.scan(None, 0, np.ones(2))
    with pytest.raises(ValueError, match="`length` not provided"):
        ops.scan(lambda c, x: (c, x), 0)
    with pytest.raises(ValueError, match="`unroll` must be"):
        ops.scan(lambda c, x: (c, x), 0, np.ones(2), unroll=0)
    with pytest.raises(ValueError, match="at least one function"):
        ops.switch(0, [], 1)


def test_associative_scan_is_a_running_combination_in_the_input_s_dtype():
    running = ops.associative_scan(lambda a, b: a + b, np.arange(1, 10, dtype="int32"))
    assert running.tolist() == np.cumsum(np.arange(1, 10)).tolist()
    assert running.dtype == np.int32  # Keras's torch backend gives float32 here
    suffix = ops.associative_scan(np.maximum, np.array([[1, 5, 2, 4]]), reverse=True, axis=1)
    assert suffix.tolist() == [[5, 5, 4, 4]]
    with pytest.raises(ValueError, match="same first dimension"):
        ops.associative_scan(lambda a, b: a, (np.ones(2), np.ones(3)))


def test_custom_gradient_gives_the_forward_value():
    @ops.custom_gradient
    def clipped_identity(x):
        return x, lambda upstream: np.clip(upstream, -1, 1)

    assert clipped_identity(np.array([3.0])).tolist() == [3.0]
    assert clipped_identity.__name__ == "clipped_identity"


# ------------------------------------------------------------------------------------- linalg
def test_linalg_namespace_and_top_level_names_are_the_same_functions():
    from handkeras.ops import linalg
    assert linalg.svd is ops.svd and linalg.det is ops.det and ops.linalg is linalg
    assert str(inspect.signature(ops.qr)) == "(x, mode='reduced')"


def test_decompositions_rebuild_their_matrix():
    spd = np.array([[4.0, 1.0], [1.0, 3.0]], "float32")
    lower = ops.cholesky(spd)
    assert lower.dtype == np.float32 and lower[0, 1] == 0
    np.testing.assert_allclose(lower @ lower.T, spd, rtol=1e-6)
    np.testing.assert_allclose(ops.cholesky_inverse(lower) @ spd, np.eye(2), atol=1e-6)
    x = np.array([[1.0, 2.0, 0.0], [3.0, 1.0, 1.0], [0.0, 5.0, 2.0]])
    lu, pivots = ops.lu_factor(x)
    assert pivots.dtype == np.int32 and pivots.tolist() == [1, 2, 2]
    rows = np.arange(3)
    for i, p in enumerate(pivots):
        rows[[i, p]] = rows[[p, i]]
    np.testing.assert_allclose((np.tril(lu, -1) + np.eye(3)) @ np.triu(lu), x[rows], atol=1e-12)
    u, s, vh = ops.svd(x)
    np.testing.assert_allclose(u @ np.diag(s) @ vh, x, atol=1e-12)
    values, vectors = ops.eig(x.astype("float32"))
    assert values.dtype == np.complex64 and vectors.dtype == np.complex64
    assert ops.matrix_rank(np.ones((3, 3))).tolist() == 1


def test_solvers():
    a = np.array([[2.0, 0.0], [1.0, 4.0]])
    b = np.array([2.0, 9.0])
    assert ops.solve_triangular(a, b, lower=True).tolist() == [1.0, 2.0]
    # Only the named triangle is read.
    assert ops.solve_triangular(a + np.triu(np.ones((2, 2)), 1), b, lower=True).tolist() == \
        [1.0, 2.0]
    tall = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]], "float32")
    exact = np.array([0.5, -1.0], "float32")
    solution = ops.lstsq(tall, tall @ exact)
    assert solution.dtype == np.float32
    np.testing.assert_allclose(solution, exact, rtol=1e-5)
    np.testing.assert_allclose(ops.pinv(tall) @ tall, np.eye(2), atol=1e-5)


def test_linalg_refuses_inputs_that_are_not_matrices():
    with pytest.raises(ValueError, match="rank >= 2. Received input with shape \\(3,\\)"):
        ops.cholesky(np.ones(3))
    with pytest.raises(ValueError, match="Expected a square matrix.*\\(2, 3\\)"):
        ops.eigh(np.ones((2, 3)))
    with pytest.raises(ValueError, match="Cholesky decomposition failed"):
        ops.cholesky(-np.eye(2))
    with pytest.raises(ValueError, match="Received: mode=full"):
        ops.qr(np.eye(2), mode="full")
    with pytest.raises(ValueError, match="Incompatible shapes.*b.shape=\\(3,\\)"):
        ops.solve_triangular(np.eye(2), np.ones(3))
    with pytest.raises(ValueError, match="a.shape=\\(3,\\)"):
        ops.lstsq(np.ones(3), np.ones(3))


# ------------------------------------------------------------- signals, counting, normalizing
def test_fourier_ops_take_and_give_real_and_imaginary_pairs():
    signal = np.array([1.0, 2.0, 3.0, 4.0], "float32")
    real, imag = ops.fft((signal, np.zeros(4, "float32")))
    assert real.dtype == imag.dtype == np.float32
    assert real.tolist() == [10, -2, -2, -2] and imag.tolist() == [0, 2, 0, -2]
    np.testing.assert_allclose(ops.irfft(ops.rfft(signal)), signal, rtol=1e-6)
    with pytest.raises(ValueError, match="tuple of two tensors"):
        ops.fft(signal)
    with pytest.raises(ValueError, match="not of type float"):
        ops.fft((np.ones(2, "int32"), np.ones(2, "int32")))


def test_stft_and_istft_invert_each_other():
    signal = np.sin(np.arange(64) / 3.0)
    spectrum = ops.stft(signal, 16, 4, 16)
    assert spectrum[0].shape == (17, 9)  # (frames, fft_length // 2 + 1)
    np.testing.assert_allclose(ops.istft(spectrum, 16, 4, 16, length=64), signal, atol=1e-12)
    with pytest.raises(TypeError, match="Expected `float32` or `float64`"):
        ops.stft(np.ones(8, "int32"), 4, 2, 4)
    with pytest.raises(ValueError, match="must be one of"):
        ops.stft(signal, 16, 4, 16, window="blackman")
    with pytest.raises(ValueError, match="`fft_length` must equal or larger"):
        ops.stft(signal, 16, 4, 8)


def test_erfinv_inverts_erf_to_double_precision():
    x = np.array([-0.999999, -0.3, 0.0, 0.5, 0.9999])
    np.testing.assert_allclose(ops.erf(ops.erfinv(x)), x, rtol=1e-14, atol=1e-16)
    assert ops.erfinv(np.array([1.0, -1.0])).tolist() == [np.inf, -np.inf]
    assert np.isnan(ops.erfinv(np.array([1.5]))).all()


def test_unique_and_histogram():
    values, first, inverse, counts = ops.unique(np.array([3, 1, 3, 2]), return_index=True,
                                                return_inverse=True, return_counts=True)
    assert values.tolist() == [1, 2, 3] and first.tolist() == [1, 3, 0]
    assert inverse.tolist() == [2, 0, 2, 1] and counts.tolist() == [1, 1, 2]
    assert ops.unique(np.array([3, 1]), size=4, fill_value=9).tolist() == [1, 3, 9, 9]
    counts, edges = ops.histogram(np.array([0.0, 0.5, 1.0, 4.0], "float32"), bins=2)
    assert counts.tolist() == [3, 1] and counts.dtype == np.float32 and edges.tolist() == [0, 2, 4]
    with pytest.raises(TypeError, match="`bins` must be of type `int`"):
        ops.histogram(np.ones(3), bins=2.0)
    with pytest.raises(ValueError, match="`range` must be a tuple"):
        ops.histogram(np.ones(3), range=[0, 1])


def test_segment_min_and_prod_leave_empty_segments_at_their_identity():
    data, ids = np.array([4.0, 2.0, 3.0]), np.array([0, 0, 2])
    assert ops.segment_min(data, ids).tolist() == [2.0, np.inf, 3.0]
    assert ops.segment_prod(data, ids).tolist() == [8.0, 1.0, 3.0]
    assert ops.segment_min(np.array([5], "int32"), np.array([1])).tolist() == [2**31 - 1, 5]


def test_normalizations_compute_in_float32_at_least_and_keep_the_dtype():
    x = np.array([[1.0, 2.0, 6.0]], "float16")
    normalized = ops.layer_normalization(x, epsilon=0.0)
    assert normalized.dtype == np.float16
    np.testing.assert_allclose(normalized.astype(float), (x - 3) / np.sqrt(14 / 3), rtol=1e-3)
    np.testing.assert_allclose(ops.rms_normalization(np.array([3.0, 4.0]), epsilon=0.0),
                               [3 / np.sqrt(12.5), 4 / np.sqrt(12.5)])
    out = ops.batch_normalization(np.ones((2, 2), "float32"), [0.0, 1.0], [4.0, 1.0], axis=0,
                                  epsilon=0.0)
    assert out.tolist() == [[0.5, 0.5], [0.0, 0.0]] and out.dtype == np.float32


def test_depth_and_space_blocks_are_inverse():
    images = np.arange(2 * 4 * 6 * 8).reshape(2, 4, 6, 8)
    assert ops.depth_to_space(images, 2).shape == (2, 8, 12, 2)
    assert (ops.depth_to_space(ops.space_to_depth(images, 2), 2) == images).all()
    channels_first = images.transpose(0, 3, 1, 2)
    assert (ops.space_to_depth(ops.depth_to_space(channels_first, 2, "channels_first"), 2,
                               "channels_first") == channels_first).all()
    with pytest.raises(ValueError, match="multiple of block_size"):
        ops.depth_to_space(np.ones((1, 2, 2, 3)), 2)
    with pytest.raises(ValueError, match="4-D tensor"):
        ops.space_to_depth(np.ones((2, 2, 3)), 2)


def test_extract_sequences_cdist_view_and_vectorize():
    assert ops.extract_sequences(np.arange(7), 3, 2).tolist() == [[0, 1, 2], [2, 3, 4],
                                                                  [4, 5, 6]]
    assert ops.cdist([[0, 0]], [[3, 4], [0, 1]]).tolist() == [[5.0, 1.0]]
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.cdist(np.ones(2), np.ones((1, 2)))
    assert ops.view(np.array([1.0], "float32"), "int32").tolist() == [1065353216]
    doubled = ops.vectorize(lambda a, b: a * b)(np.arange(3), 2)
    assert isinstance(doubled, np.ndarray) and doubled.tolist() == [0, 2, 4]


# -------------------------------------------------------------------------------------- image
def test_image_ops_compute_what_the_image_layers_compute():
    images = np.random.default_rng(1).random((2, 6, 8, 3)).astype("float32")
    resizing = handkeras.layers.Resizing(3, 5, interpolation="bicubic", antialias=True)
    np.testing.assert_array_equal(
        ops.image.resize(images, (3, 5), interpolation="bicubic", antialias=True),
        resizing(images))
    shift = np.array([1, 0, 2, 0, 1, -1, 0, 0], "float32")  # reads 2 columns right, 1 row up
    moved = ops.image.affine_transform(images, shift, interpolation="nearest")
    np.testing.assert_array_equal(moved[:, 1:, :6], images[:, :5, 2:])
    assert (moved[:, 0] == 0).all() and (moved[:, :, 6:] == 0).all()


def test_image_ops_keep_integer_images_integers():
    pixels = np.array([[[0], [255]], [[100], [50]]], "uint8")
    assert ops.image.resize(pixels, (1, 1)).tolist() == [[[101]]]  # 101.25, rounded
    assert ops.image.resize(pixels, (1, 1)).dtype == np.uint8
    gray = ops.image.rgb_to_grayscale(np.full((1, 1, 3), 200, "uint8"))
    assert gray.dtype == np.uint8 and gray.tolist() == [[[199]]]  # 199.98, truncated
    halfway = ops.image.map_coordinates(np.array([10, 21], "int32"), [np.array([0.5])], 1)
    assert halfway.tolist() == [16] and halfway.dtype == np.int32  # 15.5 to even


def test_colour_conversions_invert_each_other():
    rgb = np.random.default_rng(2).random((4, 4, 3))
    np.testing.assert_allclose(ops.image.hsv_to_rgb(ops.image.rgb_to_hsv(rgb)), rgb, atol=1e-12)
    with pytest.raises(ValueError, match="expected float dtype"):
        ops.image.rgb_to_hsv(np.ones((2, 2, 3), "uint8"))


def test_pads_crops_and_patches():
    image = np.arange(16.0).reshape(4, 4, 1)
    padded = ops.image.pad_images(image, top_padding=1, left_padding=2, target_height=6,
                                  target_width=7)
    assert padded.shape == (6, 7, 1) and padded[1, 2, 0] == 0 and padded[2, 3, 0] == 5
    cropped = ops.image.crop_images(image, top_cropping=1, bottom_cropping=1, left_cropping=2,
                                    target_width=2)
    assert cropped[..., 0].tolist() == [[6, 7], [10, 11]]
    patches = ops.image.extract_patches(image, 2)
    assert patches.shape == (2, 2, 4) and patches[1, 0].tolist() == [8, 9, 12, 13]


def test_image_ops_refuse_bad_arguments_with_keras_s_messages():
    image = np.ones((4, 4, 3))
    with pytest.raises(ValueError, match="Must specify exactly two of top_padding"):
        ops.image.pad_images(image, top_padding=1, bottom_padding=1, target_height=6,
                             left_padding=0, right_padding=0)
    with pytest.raises(ValueError, match="target_height must be >= 0"):
        ops.image.crop_images(image, top_cropping=3, bottom_cropping=2, left_cropping=0,
                              right_cropping=0)
    with pytest.raises(ValueError, match="Invalid images rank"):
        ops.image.resize(np.ones((4, 4)), (2, 2))
    with pytest.raises(ValueError, match="Lanczos"):
        ops.image.resize(image, (2, 2), interpolation="lanczos3")
    with pytest.raises(ValueError, match="fill_mode"):
        ops.image.affine_transform(image, np.eye(3).ravel()[:8], fill_mode="edge")
    with pytest.raises(ValueError, match="projective terms"):
        ops.image.affine_transform(image, [1, 0, 0, 0, 1, 0, 0.1, 0])
    with pytest.raises(NotImplementedError, match="order<=1"):
        ops.image.map_coordinates(np.ones(3), [np.array([0.5])], 3)
    with pytest.raises(ValueError, match="data_format"):
        ops.image.rgb_to_grayscale(image, data_format="nhwc")


def test_dot_product_attention_weighs_values_by_softmax_scores():
    rng = np.random.default_rng(5)
    query, key, value = (rng.normal(size=(1, 3, 2, 4)) for _ in range(3))
    out = ops.dot_product_attention(query, key, value, is_causal=True)
    np.testing.assert_allclose(out[:, 0], value[:, 0], rtol=1e-12)  # the first sees itself only
    scores = np.einsum("bthd,bshd->bhts", query, key) / 2  # 1 / sqrt(head_dim)
    weights = np.exp(scores) / np.exp(scores).sum(-1, keepdims=True)
    np.testing.assert_allclose(ops.dot_product_attention(query, key, value),
                               np.einsum("bhts,bshd->bthd", weights, value), rtol=1e-12)
    with pytest.raises(ValueError, match="only supports 4D inputs"):
        ops.dot_product_attention(query[0], key[0], value[0])
    with pytest.raises(ValueError, match="Only one of `bias` and `mask`"):
        ops.dot_product_attention(query, key, value, bias=np.zeros(3), mask=np.ones(3, bool))
    with pytest.raises(ValueError, match="flash_attention"):
        ops.dot_product_attention(query, key, value, flash_attention=True)


# --------------------------------------------------------------------- convolutions, pooling
def test_conv_and_pooling_ops_agree_with_the_layers():
    images = np.random.default_rng(8).normal(size=(2, 6, 5, 3)).astype("float32")
    layer = handkeras.layers.Conv2D(4, 3, strides=2, padding="same", use_bias=False)
    expected = layer(images)
    np.testing.assert_allclose(ops.conv(images, layer.kernel.numpy(), 2, "same"), expected,
                               rtol=1e-5, atol=1e-6)
    # "same" padding split unevenly (1 after, 0 before): the mean is over the image's own
    # elements, as the AveragePooling2D layer and TensorFlow take it (Keras's torch backend
    # repeats the edge into the mean instead).
    np.testing.assert_allclose(ops.average_pool(images, 3, 2, "same"),
                               handkeras.layers.AveragePooling2D(3, 2, "same")(images),
                               rtol=1e-6)
    np.testing.assert_array_equal(ops.max_pool(images, 2),
                                  handkeras.layers.MaxPooling2D(2)(images))


def test_depthwise_channels_come_channel_by_channel():
    x = np.arange(2.0).reshape(1, 1, 1, 2)  # channels 0 and 1
    kernel = np.array([[[[1.0, 10.0], [100.0, 1000.0]]]])  # (1, 1, channels, multiplier)
    assert ops.depthwise_conv(x, kernel).ravel().tolist() == [0, 0, 100, 1000]


def test_conv_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="must be divisible by kernel input channels"):
        ops.conv(np.ones((1, 4, 4, 3)), np.ones((2, 2, 2, 1)))
    with pytest.raises(ValueError, match="ndim=3, 4, or 5"):
        ops.conv(np.ones((4, 3)), np.ones((2, 3, 1)))
    with pytest.raises(ValueError, match="larger than the padded input"):
        ops.max_pool(np.ones((1, 2, 2, 1)), 3)
    with pytest.raises(ValueError, match="`padding` must be 'valid' or 'same'"):
        ops.average_pool(np.ones((1, 4, 4, 1)), 2, padding="full")
    with pytest.raises(ValueError, match="`strides` argument"):
        ops.conv(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)), strides=(1, 0))


# ------------------------------------------------------------------------------------------ CTC
def test_ctc_loss_is_the_ctc_loss_on_each_sample_s_own_steps():
    scores = np.random.default_rng(9).normal(size=(2, 5, 3))
    labels = np.array([[1, 2], [2, 0]])
    losses = ops.ctc_loss(labels, scores, np.array([2, 1]), np.array([5, 3]))
    expected = handkeras.losses.CTC(reduction=None)(labels[1:, :1], scores[1:, :3])
    np.testing.assert_allclose(losses[1], expected[0], rtol=1e-6)  # the loss gives float32
    assert ops.ctc_loss(labels, scores, np.array([2, 1]), np.array([1, 3]))[0] == np.inf
    with pytest.raises(ValueError, match="labels of `target` must be classes"):
        ops.ctc_loss(labels + 2, scores, np.array([2, 1]), np.array([5, 3]))


def test_ctc_decode_merges_repeats_and_drops_blanks():
    steps = np.eye(3)[[1, 1, 0, 1, 2, 2, 0]][None]  # 1 1 _ 1 2 2 _
    decoded, scores = ops.ctc_decode(steps, [7])
    assert decoded.dtype == np.int32 and decoded.tolist() == [[[1, 1, 2, -1, -1, -1, -1]]]
    assert scores.tolist() == [[-7.0]]
    assert ops.ctc_decode(steps, [7], merge_repeated=False)[0].tolist() == \
        [[[1, 1, 1, 2, 2, -1, -1]]]
    assert ops.ctc_decode(steps, [2])[0].tolist() == [[[1, -1, -1, -1, -1, -1, -1]]]
    with pytest.raises(NotImplementedError, match="greedy"):
        ops.ctc_decode(steps, [7], strategy="beam_search")


def test_keras_s_namespaces_hold_the_same_functions():
    from handkeras.ops import nn
    from handkeras.ops import numpy as knp
    assert nn.relu is ops.relu and nn.conv is ops.conv and nn.ctc_decode is ops.ctc_decode
    assert knp.sum is ops.sum and knp.unique is ops.unique and not hasattr(knp, "relu")
    assert not hasattr(nn, "sum") and not hasattr(ops, "resize")  # image ops: ops.image only


def test_adaptive_pooling_and_unfold_fold():
    grid = np.arange(1.0, 17.0).reshape(1, 4, 4, 1)
    assert ops.adaptive_average_pool(grid, 2)[0, :, :, 0].tolist() == [[3.5, 5.5], [11.5, 13.5]]
    assert ops.adaptive_max_pool(grid, (1, 2))[0, :, :, 0].tolist() == [[14.0, 16.0]]
    images = np.arange(2 * 2 * 4 * 4.0).reshape(2, 2, 4, 4)  # channels first
    blocks = ops.unfold(images, 2, stride=2)
    assert blocks.shape == (2, 8, 4) and blocks[0, :4, 0].tolist() == [0, 1, 4, 5]
    np.testing.assert_array_equal(ops.fold(blocks, (4, 4), 2, stride=2), images)
    overlapping = ops.fold(ops.unfold(np.ones((1, 1, 3, 3)), 2), (3, 3), 2)
    assert overlapping[0, 0].tolist() == [[1, 2, 1], [2, 4, 2], [1, 2, 1]]  # overlaps add up
    with pytest.raises(ValueError, match="Input must be a 4D tensor"):
        ops.unfold(np.ones((2, 4, 4)), 2)
    with pytest.raises(ValueError, match="fold expects blocks"):
        ops.fold(blocks, (6, 6), 2, stride=2)


def test_gaussian_blur_and_sobel_edges():
    impulse = np.zeros((5, 5, 1))
    impulse[2, 2] = 1
    blurred = ops.image.gaussian_blur(impulse, (3, 3), (1.0, 1.0))[..., 0]
    assert np.isclose(blurred.sum(), 1) and blurred[2, 2] == blurred.max()
    np.testing.assert_allclose(blurred, blurred.T, rtol=1e-15)  # channels last, not first
    ramp = np.tile(np.arange(5.0), (5, 1))[None, :, :, None]  # grows along the width
    vertical, horizontal = np.moveaxis(ops.image.sobel_edges(ramp)[0, 1:-1, 1:-1, 0], -1, 0)
    assert (vertical == 0).all() and (horizontal == 8).all()


def test_layer_normalization_keeps_keras_s_deprecated_rms_scaling():
    x = np.array([[1.0, 2.0, 6.0]])
    with pytest.warns(UserWarning, match="rms_scaling=True"):
        scaled = ops.layer_normalization(x, rms_scaling=True, epsilon=0.0)
    np.testing.assert_allclose(scaled, x / np.std(x))  # not centred, as in Keras
    with pytest.raises(TypeError, match="unexpected arguments"):
        ops.layer_normalization(x, center=True)


def test_conv_transpose_agrees_with_the_layer():
    images = np.random.default_rng(11).normal(size=(2, 4, 5, 3)).astype("float32")
    layer = handkeras.layers.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1,
                                             use_bias=False)
    expected = layer(images)
    assert expected.shape == (2, 8, 10, 2)
    np.testing.assert_allclose(ops.conv_transpose(images, layer.kernel.numpy(), 2, "same", 1),
                               expected, rtol=1e-5, atol=1e-6)
