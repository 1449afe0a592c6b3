"""The ops of Keras's ``ops.math`` (exported at the top of ``keras.ops``): Fourier transforms,
short-time Fourier transforms, framing, the special functions, ``logsumexp``, ``top_k``,
segment reductions and pairwise distances.

Keras has no complex tensors in its API: a complex tensor is a ``(real, imag)`` pair of float
tensors, which the Fourier ops take and return. Results keep the input's float dtype (integers
give floatx where Keras accepts them).
"""

import math

import numpy as np

from handkeras.ops.core import convert_to_tensor
from handkeras.ops.dtypes import result_type
from handkeras.ops.op_table import boolean, make_op, to_float

_OPS = {}


def _op(name, parameters, function, compute, result, doc):
    _OPS[name] = make_op(__name__, name, parameters, function, compute, result, doc)


# ------------------------------------------------------------- reductions, ranks and segments
def _logsumexp(x, axis=None, keepdims=False):
    axis = tuple(axis) if isinstance(axis, list) else axis
    peak = np.max(x, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0)
    total = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return total if keepdims else np.squeeze(total, axis=axis)


_op("logsumexp", "x, axis=None, keepdims=False", _logsumexp, to_float, to_float,
    "``log(sum(exp(x)))`` over ``axis``, shifted by the maximum so that it never overflows.")
_op("rsqrt", "x", lambda x: 1 / np.sqrt(x), to_float, to_float, "Element-wise ``1 / sqrt(x)``.")
_op("erf", "x", np.vectorize(math.erf, otypes=[np.float64]), to_float, to_float,
    "Element-wise error function.")
_op("erfc", "x", np.vectorize(math.erfc, otypes=[np.float64]), to_float, to_float,
    "Element-wise complementary error function ``1 - erf(x)``, exact in the tail.")


def _top_k(x, k, sorted=True):
    order = np.argsort(-x, axis=-1, stable=True)[..., :k]
    return np.take_along_axis(x, order, axis=-1), order


def _in_top_k(targets, predictions, k):
    kth_largest = -np.partition(-predictions, k - 1, axis=-1)[..., k - 1]
    target_values = np.take_along_axis(predictions, targets.astype(np.int64)[:, None], -1)[:, 0]
    return target_values >= kth_largest


_op("top_k", "x, k, sorted=True", _top_k, None, None,
    "The ``k`` largest entries along the last axis and their (int64) indices, largest first.")
_op("in_top_k", "targets, predictions, k", _in_top_k, None, boolean,
    "Whether each target's prediction is among the ``k`` largest of its row (ties count).")
_op("logdet", "x", lambda x: np.linalg.slogdet(x)[1], to_float, to_float,
    "The log of the determinant of positive-definite matrices.")


def _segment(reduce, empty):
    """A segment reduction: ``reduce.at`` over the rows of ``data`` grouped by ``segment_ids``;
    empty segments hold ``empty``, and ids outside ``[0, num_segments)`` are dropped."""
    def segment_reduction(data, segment_ids, num_segments=None, sorted=False):
        segment_ids = segment_ids.astype(np.int64)
        if num_segments is None:
            num_segments = int(np.max(segment_ids)) + 1 if segment_ids.size else 0
        inside = (segment_ids >= 0) & (segment_ids < num_segments)
        outputs = np.full((num_segments,) + data.shape[1:], empty(data.dtype), data.dtype)
        reduce.at(outputs, segment_ids[inside], data[inside])
        return outputs
    return segment_reduction


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max


_op("segment_sum", "data, segment_ids, num_segments=None, sorted=False",
    _segment(np.add, lambda dtype: 0), None, None,
    "The sums of the rows of ``data`` that share a segment id.")
_op("segment_max", "data, segment_ids, num_segments=None, sorted=False",
    _segment(np.maximum, _lowest), None, None,
    "The maxima of the rows of ``data`` that share a segment id.")
_op("segment_min", "data, segment_ids, num_segments=None, sorted=False",
    _segment(np.minimum, _highest), None, None,
    "The minima of the rows of ``data`` that share a segment id.")
_op("segment_prod", "data, segment_ids, num_segments=None, sorted=False",
    _segment(np.multiply, lambda dtype: 1), None, None,
    "The products of the rows of ``data`` that share a segment id.")


# -------------------------------------------------------------------------- Fourier transforms
def _float_tensor(x):
    """``x`` as a tensor of Keras's float result type (integers and bools as floatx)."""
    x = convert_to_tensor(x)
    return x.astype(result_type(x.dtype, float), copy=False)


def _complex_pair(x):
    """The complex array of a ``(real, imag)`` pair, and the pair's float dtype."""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError("Input `x` should be a tuple of two tensors - real and imaginary. "
                         f"Received: x={x!r:.200}")
    real, imag = convert_to_tensor(x[0]), convert_to_tensor(x[1])
    if real.shape != imag.shape:
        raise ValueError("Input `x` should be a tuple of two tensors - real and imaginary. "
                         "Both the real and imaginary parts should have the same shape. "
                         f"Received: x[0].shape = {real.shape}, x[1].shape = {imag.shape}")
    if real.dtype.kind != "f" or imag.dtype.kind != "f":
        raise ValueError("At least one tensor in input `x` is not of type float. Received "
                         f"the dtypes {real.dtype} and {imag.dtype}.")
    dtype = result_type(real.dtype, imag.dtype)
    return real + 1j * imag, dtype


def _pair(values, dtype):
    return np.real(values).astype(dtype), np.imag(values).astype(dtype)


def fft(x):
    """The discrete Fourier transform along the last axis, of and as a ``(real, imag)`` pair."""
    values, dtype = _complex_pair(x)
    return _pair(np.fft.fft(values, axis=-1), dtype)


def fft2(x):
    """The 2-D discrete Fourier transform of the last two axes, of and as a ``(real, imag)``
    pair."""
    values, dtype = _complex_pair(x)
    return _pair(np.fft.fft2(values, axes=(-2, -1)), dtype)


def ifft2(x):
    """The inverse of :func:`fft2`."""
    values, dtype = _complex_pair(x)
    return _pair(np.fft.ifft2(values, axes=(-2, -1)), dtype)


def rfft(x, fft_length=None):
    """The Fourier transform of a real signal along the last axis (its ``fft_length // 2 + 1``
    non-negative frequencies; the signal is cut or zero-padded to ``fft_length``)."""
    x = _float_tensor(x)
    return _pair(np.fft.rfft(x, n=fft_length, axis=-1), x.dtype)


def irfft(x, fft_length=None):
    """The real signal whose :func:`rfft` is the ``(real, imag)`` pair ``x`` (of
    ``fft_length`` samples, ``2 * (bins - 1)`` by default)."""
    values, dtype = _complex_pair(x)
    return np.fft.irfft(values, n=fft_length, axis=-1).astype(dtype)


# ------------------------------------------------------------------------------- STFT, ISTFT
def _window(window, sequence_length, dtype):
    """The analysis window: periodic Hann or Hamming by name, a given one, or None."""
    if window is None:
        return None
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError('If a string is passed to `window`, it must be one of `"hann"`, '
                             f'`"hamming"`. Received: window={window}')
        alpha = 0.5 if window == "hann" else 0.54
        phase = 2 * np.pi * np.arange(sequence_length) / sequence_length
        return (alpha - (1 - alpha) * np.cos(phase)).astype(dtype)
    window = convert_to_tensor(window, dtype)
    if window.ndim != 1 or window.shape[0] != sequence_length:
        raise ValueError("The shape of `window` must be equal to [sequence_length]. "
                         f"Received: window shape={window.shape}")
    return window


def _centered(window, fft_length):
    """``window`` zero-padded on both sides to ``fft_length`` samples (one more on the right)."""
    left = (fft_length - window.shape[0]) // 2
    return np.pad(window, (left, fft_length - window.shape[0] - left))


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """The short-time Fourier transform of the last axis: ``rfft`` of each windowed frame of
    ``fft_length`` samples taken every ``sequence_stride``, shaped ``(..., frames, bins)`` as a
    ``(real, imag)`` pair. ``center`` reflect-pads the signal by ``fft_length // 2`` first."""
    x = convert_to_tensor(x)
    if x.dtype.name not in ("float32", "float64"):
        raise TypeError(f"Invalid input type. Expected `float32` or `float64`. Received: input "
                        f"type={x.dtype}")
    if fft_length < sequence_length:
        raise ValueError("`fft_length` must equal or larger than `sequence_length`. Received: "
                         f"sequence_length={sequence_length}, fft_length={fft_length}")
    window = _window(window, sequence_length, x.dtype)
    if window is None:
        window = np.ones(sequence_length, x.dtype)
    if center:
        pad = [(0, 0)] * (x.ndim - 1) + [(fft_length // 2, fft_length // 2)]
        x = np.pad(x, pad, mode="reflect")
    frames = extract_sequences(x, fft_length, sequence_stride)
    return _pair(np.fft.rfft(frames * _centered(window, fft_length), axis=-1), x.dtype)


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """The inverse of :func:`stft`: the frames' inverse ``rfft`` overlapped and added, divided by
    the overlapped squared window, as Keras computes it (the exact overlap of each sample when
    ``sequence_length == fft_length`` with ``center`` and a window; otherwise its steady-state
    value, and no division without a window), then trimmed to ``length``."""
    values, dtype = _complex_pair(x)
    window = _window(window, sequence_length, dtype)
    frames = np.fft.irfft(values, n=fft_length, axis=-1).astype(dtype)
    count = frames.shape[-2]
    expected_length = fft_length + sequence_stride * (count - 1)
    start = fft_length // 2 if center else 0
    if window is not None and sequence_length == fft_length and center:
        envelope = _overlap_add(np.broadcast_to(window ** 2, (count, fft_length)),
                                sequence_stride)
        signal = _overlap_add(frames * window, sequence_stride)
        end = start + length if length is not None else expected_length - start
        if np.any(envelope[start:end] < 1e-11):
            raise ValueError("istft: the window overlaps too little to invert the STFT (the sum "
                             "of its overlapped squares vanishes somewhere).")
        signal = signal[..., start:end] / envelope[start:end]
        if length is not None and signal.shape[-1] < length:
            pad = [(0, 0)] * (signal.ndim - 1) + [(0, length - signal.shape[-1])]
            signal = np.pad(signal, pad)
        return signal.astype(dtype)
    if window is not None:
        window = _centered(window, fft_length)
        folds = -(-fft_length // sequence_stride)
        squares = np.pad(window ** 2, (0, folds * sequence_stride - fft_length))
        steady = np.tile(squares.reshape(folds, sequence_stride).sum(axis=0), folds)
        frames = frames * (window / steady[:fft_length])
    signal = _overlap_add(frames, sequence_stride)
    end = start + length if length is not None else (-(fft_length // 2) if center
                                                      else expected_length)
    return signal[..., start:end].astype(dtype)


def _overlap_add(frames, stride):
    """Frames ``(..., count, size)`` summed at offsets ``0, stride, 2 * stride, ...``."""
    count, size = frames.shape[-2:]
    signal = np.zeros(frames.shape[:-2] + (size + stride * (count - 1),), frames.dtype)
    for i in range(count):
        signal[..., i * stride:i * stride + size] += frames[..., i, :]
    return signal


def extract_sequences(x, sequence_length, sequence_stride):
    """The frames of ``sequence_length`` samples of the last axis, one every
    ``sequence_stride``: shape ``(..., frames, sequence_length)``."""
    x = convert_to_tensor(x)
    windows = np.lib.stride_tricks.sliding_window_view(x, sequence_length, axis=-1)
    return windows[..., ::sequence_stride, :].copy()


# --------------------------------------------------------------------------- special and more
_erf = np.vectorize(math.erf, otypes=[np.float64])


def erfinv(x):
    """Element-wise inverse of the error function: Giles's single-precision approximation,
    refined by Newton's steps on ``erf`` to full double precision (±inf at ±1, NaN beyond)."""
    x = _float_tensor(x)
    target = x.astype(np.float64)
    inside = np.abs(target) < 1
    y = np.where(inside, target, 0.0)
    w = -np.log((1 - y) * (1 + y))
    central, tail = w - 2.5, np.sqrt(w) - 3.0
    p_central, p_tail = 2.81022636e-08, -0.000200214257
    for a, b in [(3.43273939e-07, 0.000100950558), (-3.5233877e-06, 0.00134934322),
                 (-4.39150654e-06, -0.00367342844), (0.00021858087, 0.00573950773),
                 (-0.00125372503, -0.0076224613), (-0.00417768164, 0.00943887047),
                 (0.246640727, 1.00167406), (1.50140941, 2.83297682)]:
        p_central, p_tail = a + p_central * central, b + p_tail * tail
    y = np.where(w < 5, p_central, p_tail) * y
    with np.errstate(all="ignore"):
        for _ in range(3):
            y = y - (_erf(y) - target) / (2 / np.sqrt(np.pi) * np.exp(-y * y))
    edge = np.where(target == 1, np.inf, np.where(target == -1, -np.inf, np.nan))
    return np.where(inside, y, edge).astype(x.dtype)


def cdist(x, y):
    """The Euclidean distances between the rows of ``x`` and of ``y`` (last axis: the
    coordinates): shape ``(..., rows of x, rows of y)``."""
    x, y = _float_tensor(x), _float_tensor(y)
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError(f"`cdist` inputs must have rank >= 2. Received: x.shape={x.shape}, "
                         f"y.shape={y.shape}")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"Last dimension of inputs to `cdist` must match. Received: "
                         f"x.shape={x.shape}, y.shape={y.shape}")
    differences = x[..., :, None, :] - y[..., None, :, :]
    return np.sqrt(np.sum(differences * differences, axis=-1)).astype(result_type(x.dtype,
                                                                                  y.dtype))


globals().update(_OPS)
__all__ = sorted([*_OPS, "cdist", "erfinv", "extract_sequences", "fft", "fft2", "ifft2", "irfft",
                  "istft", "rfft", "stft"])
