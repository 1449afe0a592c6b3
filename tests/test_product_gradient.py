"""SGD (plain or with momentum) takes a large Dense kernel's gradient unformed and adds it in one
GEMM (``handkeras/product_gradient.py``) where this machine's GEMM gives the bits of forming it
first: the same training, to the bit."""

import numpy as np
import pytest

import handkeras as keras
from handkeras import blas, layers
from handkeras.optimizers.scaled_add import scaled_add
from handkeras.product_gradient import ProductGradient, gemm_rounds_as_formed


def factors(rows, fan_in, fan_out, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((rows, fan_in)).astype(dtype),
            rng.standard_normal((rows, fan_out)).astype(dtype),
            rng.standard_normal((fan_in, fan_out)).astype(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows, fan_in, fan_out", [
    (3, 784, 512), (32, 784, 512), (31, 256, 128), (128, 512, 512), (256, 300, 200),
    (401, 300, 200), (1024, 300, 200)])
def test_the_gemm_is_taken_exactly_where_it_gives_the_formed_updates_bits(
        dtype, rows, fan_in, fan_out):
    x, dz, kernel = factors(rows, fan_in, fan_out, dtype)
    learning_rate = dtype(0.05)  # not the scale the decision was tried with
    expected = kernel.copy()
    scaled_add(expected, -learning_rate, x.T @ dz)
    direct = kernel.copy()
    assert blas.add_product(-learning_rate, x, dz, direct)
    before = kernel.copy()
    took_gemm = ProductGradient(x, dz, np.empty_like(kernel)).add_to(kernel, -learning_rate)
    assert took_gemm == np.array_equal(direct, expected)
    np.testing.assert_array_equal(kernel, expected if took_gemm else before)


@pytest.fixture
def fresh_decisions():
    gemm_rounds_as_formed.cache_clear()
    yield
    gemm_rounds_as_formed.cache_clear()


def test_a_gemm_that_rounds_apart_is_never_taken(fresh_decisions, monkeypatch):
    """On a machine whose GEMM rounds differently (here one that lands an ulp off), every
    product is formed and the kernel is left to the formed update."""
    real = blas.gemm_add_product

    def an_ulp_off(alpha, left, right, target):
        real(alpha, left, right, target)
        np.nextafter(target, np.inf, out=target)
        return True

    monkeypatch.setattr(blas, "gemm_add_product", an_ulp_off)
    x, dz, kernel = factors(32, 784, 512, np.float32)
    before = kernel.copy()
    gradient = ProductGradient(x, dz, np.empty_like(kernel))
    assert not gradient.add_to(kernel, np.float32(-0.05))
    np.testing.assert_array_equal(kernel, before)
    np.testing.assert_allclose(gradient.formed(), x.T @ dz, rtol=1e-5, atol=1e-4)


def test_each_shape_is_tried_once(fresh_decisions, monkeypatch):
    tries = []
    real = blas.gemm_add_product
    monkeypatch.setattr(blas, "gemm_add_product", lambda *args: tries.append(1) or real(*args))
    x, dz, kernel = factors(32, 784, 512, np.float32)
    for _ in range(3):
        ProductGradient(x, dz, np.empty_like(kernel)).add_to(kernel, np.float32(-0.05))
    assert len(tries) == 1 + 3 * gemm_rounds_as_formed(32, 784, 512, np.dtype(np.float32))


def takes_gemm(rows, kernel_shape, dtype):
    return (kernel_shape[0] * kernel_shape[1] >= blas.MIN_SIZE
            and gemm_rounds_as_formed(rows, *kernel_shape, np.dtype(dtype)))


def mlp(dtype, optimizer, first=(), hidden_regularizer=None, dropout=0.2):
    """A small MLP compiled with ``optimizer()``, made in ``dtype`` (the learning rate too)."""
    keras.backend.set_floatx(dtype)
    keras.utils.set_random_seed(1)
    model = keras.Sequential([
        keras.Input((12, 25)), *first, layers.Flatten(),
        layers.Dense(256, activation="relu"), layers.Dropout(dropout),
        layers.Dense(128, activation="tanh", kernel_regularizer=hidden_regularizer),
        layers.Dense(10, activation="softmax")])
    model.compile(optimizer=optimizer(), loss="sparse_categorical_crossentropy")
    return model


def data(dtype, rows=1000):
    rng = np.random.default_rng(0)
    return rng.standard_normal((rows, 12, 25)).astype(dtype), rng.integers(0, 10, rows)


def train(make_model, dtype, batch_size, gemm_allowed, monkeypatch):
    """The weights after two epochs, and the number of updates done as one GEMM."""
    calls = []
    real = blas.add_product

    def add_product(*args):
        calls.append(args[-1].shape)
        return real(*args) if gemm_allowed else False

    model = make_model(dtype)
    with monkeypatch.context() as patch:
        patch.setattr(blas, "add_product", add_product)
        model.fit(*data(dtype), batch_size=batch_size, epochs=2, verbose=0)
    return model.get_weights(), calls


@pytest.fixture(autouse=True)
def floatx_back():
    yield
    keras.backend.set_floatx("float32")


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch_size", [32, 100, 256])
def test_fit_with_sgd_updates_large_kernels_in_one_gemm_and_trains_the_same(
        dtype, batch_size, momentum, monkeypatch):
    def make(dtype):
        return mlp(dtype, lambda: keras.optimizers.SGD(0.05, momentum=momentum))

    gemm_weights, calls = train(make, dtype, batch_size, True, monkeypatch)
    formed_weights, _ = train(make, dtype, batch_size, False, monkeypatch)
    # the 300x256 and 256x128 kernels at every step whose shape this machine's GEMM rounds as the
    # formed update; the 128x10 kernel is too small for BLAS
    batches = [batch_size] * (1000 // batch_size) + [1000 % batch_size] * (1000 % batch_size > 0)
    expected = [kernel for rows in batches for kernel in [(300, 256), (256, 128), (128, 10)]
                if takes_gemm(rows, kernel, dtype)]
    assert calls == 2 * expected
    for ours, formed in zip(gemm_weights, formed_weights):
        np.testing.assert_array_equal(ours, formed)


@pytest.mark.parametrize("case", ["nesterov", "clipnorm", "adam", "after batch normalization"])
def test_other_updates_and_layers_form_their_gradients(case, monkeypatch):
    optimizer = {"nesterov": lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
                 "clipnorm": lambda: keras.optimizers.SGD(0.05, clipnorm=1.0),
                 "adam": lambda: keras.optimizers.Adam()}.get(case, lambda: keras.optimizers.SGD())
    first = [layers.BatchNormalization()] if case == "after batch normalization" else []
    _, calls = train(lambda dtype: mlp(dtype, optimizer, first), "float32", 32, True, monkeypatch)
    assert calls == []


def test_a_regularized_kernel_is_formed_the_others_still_take_the_gemm(monkeypatch):
    def make(dtype):
        return mlp(dtype, lambda: keras.optimizers.SGD(0.05), hidden_regularizer="l2")

    _, calls = train(make, "float32", 32, True, monkeypatch)
    assert set(calls) == {(300, 256)}


def test_compute_gradients_after_fit_still_returns_the_formed_gradients():
    model = mlp("float32", lambda: keras.optimizers.SGD(0.05), dropout=0.0)
    x, y = data("float32", 64)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)  # kernels updated by products
    twin = mlp("float32", lambda: keras.optimizers.SGD(0.05), dropout=0.0)
    twin.set_weights(model.get_weights())
    _, gradients = model.compute_gradients(x[:32], y[:32])
    _, expected = twin.compute_gradients(x[:32], y[:32])
    assert len(gradients) == len(expected) == 6
    for ours, theirs in zip(gradients, expected):
        np.testing.assert_array_equal(ours, theirs)


def test_a_subclass_of_dense_with_its_own_backward_trains_with_formed_gradients(monkeypatch):
    class ScaledDense(layers.Dense):
        """A user's Dense whose backward predates ``kernel_product``."""

        def backward(self, dy, input_gradient=True):
            return super().backward(dy, input_gradient)

    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((300,)), ScaledDense(256, activation="relu"),
                              layers.Dense(128, activation="relu"), layers.Dense(10)])
    model.compile(keras.optimizers.SGD(0.05), "mse")
    calls = []
    real = blas.add_product
    monkeypatch.setattr(blas, "add_product", lambda *args: calls.append(args[-1].shape)
                        or real(*args))
    x, _ = data("float32", 64)
    model.fit(x.reshape(64, 300), np.zeros((64, 10), np.float32), batch_size=32, verbose=0)
    assert calls == []  # the Dense after it too: a subclass's backward is not known to keep x


def test_an_output_layer_fused_with_its_loss_also_takes_the_gemm(monkeypatch):
    def make(dtype):
        keras.backend.set_floatx(dtype)
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input((12, 25)), layers.Flatten(),
                                 layers.Dense(200, activation="softmax")])
        model.compile(keras.optimizers.SGD(0.05), "sparse_categorical_crossentropy")
        return model

    gemm_weights, calls = train(make, "float32", 32, True, monkeypatch)
    formed_weights, _ = train(make, "float32", 32, False, monkeypatch)
    batches = [32] * 31 + [8]
    assert calls == 2 * [(300, 200) for rows in batches if takes_gemm(rows, (300, 200), "float32")]
    for ours, formed in zip(gemm_weights, formed_weights):
        np.testing.assert_array_equal(ours, formed)
