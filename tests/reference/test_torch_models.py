"""Whole-model gradients (``Sequential.compute_gradients``) against PyTorch autograd, in float64.

The seed article's network comes first: 2-4-8-2 (relu, sigmoid, sigmoid) with MSE on a batch of
three rows, where every weight gradient must carry MSE's ``2 / (N * D)``. Then models whose softmax or
sigmoid output feeds a cross-entropy, which handkeras fuses through the logits: torch computes Keras's
formula on the probabilities (clipped to ``[1e-7, 1 - 1e-7]``), equal to the fused one while no
probability comes that close to 0 or 1.
"""

import numpy as np
import pytest

import handkeras
from handkeras import layers
from parity import assert_close

torch = pytest.importorskip("torch")
F = torch.nn.functional

EPSILON = 1e-7


def model_with_random_weights(model, input_width, seed):
    model.build((None, input_width))
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape) for w in model.get_weights()])
    return model


def torch_loss_and_gradients(model, x, torch_forward, torch_loss):
    """``torch_loss(torch_forward(x, weights))`` and its gradient for each of the model's weights."""
    weights = [torch.tensor(w, requires_grad=True) for w in model.get_weights()]
    loss = torch_loss(torch_forward(torch.tensor(x), weights))
    loss.backward()
    return loss.item(), [w.grad.numpy() for w in weights]


def dense_stack(*activations):
    """Torch forward of Dense layers (kernel, bias pairs) with these activations."""
    def forward(x, weights):
        for i, activation in enumerate(activations):
            x = activation(F.linear(x, weights[2 * i].T, weights[2 * i + 1]))
        return x
    return forward


def check_model_gradients(model, x, y, torch_forward, torch_loss, sample_weight=None):
    expected_loss, expected_grads = torch_loss_and_gradients(model, x, torch_forward, torch_loss)
    loss, grads = model.compute_gradients(x, y, sample_weight=sample_weight)
    assert_close(loss, expected_loss, "loss")
    assert len(grads) == len(expected_grads) == len(model.trainable_weights)
    for grad, expected, weight in zip(grads, expected_grads, model.trainable_weights):
        assert_close(grad, expected, f"gradient of {weight.path}")


def test_seed_article_network_gradients_match_torch():
    model = handkeras.Sequential([
        layers.Dense(4, activation="relu"),
        layers.Dense(8, activation="sigmoid"),
        layers.Dense(2, activation="sigmoid"),
    ])
    model.compile(optimizer="sgd", loss="mse")
    model_with_random_weights(model, 2, seed=0)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 2))
    y = rng.uniform(size=(3, 2))
    forward = dense_stack(torch.relu, torch.sigmoid, torch.sigmoid)
    # A relu unit that is off for every row would hide part of dW1: make sure some are on.
    hidden = np.maximum(x @ model.get_weights()[0] + model.get_weights()[1], 0)
    assert (hidden > 0).any(axis=0).sum() >= 2
    check_model_gradients(model, x, y, forward, lambda p: F.mse_loss(p, torch.tensor(y)))
    assert_close(model(x), forward(torch.tensor(x), [torch.tensor(w) for w in model.get_weights()]),
                 "model output")


def keras_categorical_crossentropy(y_true, sample_weight=None):
    target = torch.tensor(y_true)

    def loss(p):
        p = torch.clamp(p / p.sum(dim=-1, keepdim=True), EPSILON, 1 - EPSILON)
        values = -(target * torch.log(p)).sum(dim=-1)
        if sample_weight is not None:
            values = values * torch.tensor(sample_weight)
        return values.mean()
    return loss


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("output", ["dense_softmax", "softmax_layer", "activation_layer"])
def test_softmax_output_with_categorical_crossentropy(output, weighted):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(7, 5))
    labels = rng.integers(0, 3, size=7)
    y = np.eye(3)[labels]
    sample_weight = rng.uniform(0.2, 2.0, size=7) if weighted else None
    top = {
        "dense_softmax": [layers.Dense(3, activation="softmax")],
        "softmax_layer": [layers.Dense(3), layers.Softmax()],
        "activation_layer": [layers.Dense(3), layers.Activation("softmax")],
    }[output]
    model = handkeras.Sequential([layers.Dense(6, activation="tanh")] + top)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    model_with_random_weights(model, 5, seed=3)
    forward = dense_stack(torch.tanh, lambda t: torch.softmax(t, dim=-1))
    check_model_gradients(model, x, y, forward, keras_categorical_crossentropy(y, sample_weight),
                          sample_weight)

    sparse = handkeras.Sequential([layers.Dense(6, activation="tanh")]
                                  + [type(layer).from_config(layer.get_config()) for layer in top])
    sparse.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model_with_random_weights(sparse, 5, seed=3)
    check_model_gradients(sparse, x, labels, forward,
                          keras_categorical_crossentropy(y, sample_weight), sample_weight)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_sigmoid_output_with_binary_crossentropy(weighted):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(6, 3))
    y = (rng.uniform(size=(6, 2)) > 0.5).astype(np.float64)
    sample_weight = rng.uniform(0.2, 2.0, size=6) if weighted else None
    model = handkeras.Sequential([layers.Dense(5, activation="relu"),
                                  layers.Dense(2, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model_with_random_weights(model, 3, seed=5)

    def keras_binary_crossentropy(p):
        p = torch.clamp(p, EPSILON, 1 - EPSILON)
        values = F.binary_cross_entropy(p, torch.tensor(y), reduction="none").mean(dim=-1)
        if sample_weight is not None:
            values = values * torch.tensor(sample_weight)
        return values.mean()

    check_model_gradients(model, x, y, dense_stack(torch.relu, torch.sigmoid),
                          keras_binary_crossentropy, sample_weight)


def test_linear_output_with_mean_absolute_error():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(5, 4))
    y = rng.normal(size=(5, 3))
    model = handkeras.Sequential([layers.Dense(6, activation="sigmoid"), layers.Dense(3)])
    model.compile(optimizer="sgd", loss="mae")
    model_with_random_weights(model, 4, seed=7)
    check_model_gradients(model, x, y, dense_stack(torch.sigmoid, lambda t: t),
                          lambda p: F.l1_loss(p, torch.tensor(y)))
