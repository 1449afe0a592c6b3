"""The two baselines every ratio refers to: a hand-written numpy training loop, and the matmuls alone.

The loop is what a careful person writes by hand, and nothing else: per step it gathers the batch
through the epoch's permutation, runs Dense + ReLU forward, computes the softmax cross-entropy loss
value, backpropagates and updates the weights in place with plain SGD, all in float32.

The bound runs only the matrix multiplications of the same steps (forward, weight gradients and
input gradients except the first layer's), on preallocated arrays with ``out=``: no framework can
train a dense network faster than its matmuls.
"""

import numpy as np


def init_weights(units, seed=0):
    """Glorot-uniform kernels and zero biases, float32, as a list of ``(kernel, bias)``.

    The kernels start on 64-byte boundaries, as handkeras's and PyTorch's do: OpenBLAS multiplies
    aligned matrices up to a quarter faster, and the baseline must not depend on where numpy
    happens to put them (it aligns to 16 bytes only).
    """
    from handkeras import aligned
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(units[:-1], units[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        kernel = aligned.copy(rng.uniform(-limit, limit, (fan_in, fan_out)), np.float32)
        weights.append((kernel, np.zeros(fan_out, dtype=np.float32)))
    return weights


def train_epoch(weights, x, y, batch_size, learning_rate, rng):
    """One epoch of the hand-written loop over ``x``, ``y``; returns the last batch's loss."""
    lr = np.float32(learning_rate)
    order = rng.permutation(len(x))
    loss = None
    for start in range(0, len(x), batch_size):
        index = order[start:start + batch_size]
        xb, yb = x[index], y[index]
        n = len(xb)
        # forward: Dense + ReLU, then the output Dense's logits
        activations = [xb]
        for kernel, bias in weights[:-1]:
            h = activations[-1] @ kernel
            h += bias
            np.maximum(h, 0, out=h)
            activations.append(h)
        kernel, bias = weights[-1]
        logits = activations[-1] @ kernel
        logits += bias
        # softmax cross-entropy: the loss value, and its gradient at the logits
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        loss = -np.log(probs[rows, yb]).mean()
        probs[rows, yb] -= 1
        probs /= np.float32(n)
        # backward, with the SGD update of each layer once its input gradient is taken
        dz = probs
        for layer in range(len(weights) - 1, -1, -1):
            kernel, bias = weights[layer]
            a = activations[layer]
            grad_kernel = a.T @ dz
            grad_bias = dz.sum(axis=0)
            if layer:
                dz = dz @ kernel.T
                dz *= a > 0
            kernel -= lr * grad_kernel
            bias -= lr * grad_bias
    return loss


class MatmulBound:
    """The matrix products of training steps (or of inference with ``training=False``) for dense
    layers of widths ``units`` at ``batch_size`` rows, on arrays allocated once, each starting on a
    64-byte boundary (OpenBLAS is fastest there, so the bound is one)."""

    def __init__(self, units, batch_size, training=True, seed=0):
        from handkeras import aligned
        rng = np.random.default_rng(seed)
        self.training = training
        self.kernels = [aligned.copy(rng.standard_normal((i, o), dtype=np.float32) * np.float32(0.05))
                        for i, o in zip(units[:-1], units[1:])]
        self.acts = [aligned.copy(rng.standard_normal((batch_size, u), dtype=np.float32))
                     for u in units]
        if training:
            self.grads = [aligned.empty(k.shape, k.dtype) for k in self.kernels]
            self.deltas = [aligned.copy(rng.standard_normal((batch_size, u), dtype=np.float32))
                           for u in units]

    def step(self, n):
        """The products of one step on ``n`` rows (``n`` up to the batch size)."""
        acts = self.acts
        for i, kernel in enumerate(self.kernels):
            np.matmul(acts[i][:n], kernel, out=acts[i + 1][:n])
        if self.training:
            deltas = self.deltas
            for i in range(len(self.kernels) - 1, -1, -1):
                np.matmul(acts[i][:n].T, deltas[i + 1][:n], out=self.grads[i])
                if i:
                    np.matmul(deltas[i + 1][:n], self.kernels[i].T, out=deltas[i][:n])

    def epoch(self, rows, batch_size):
        """The steps of one epoch of ``rows`` rows (the last step takes the remainder)."""
        for start in range(0, rows, batch_size):
            self.step(min(batch_size, rows - start))

    def forward_over(self, x, batch_size):
        """The forward products of inference over the rows of ``x`` itself, batch by batch: the
        first product reads each batch from memory, as predict must, where ``epoch`` multiplies
        one synthetic batch that stays in the cache."""
        acts = self.acts
        for start in range(0, len(x), batch_size):
            rows = x[start:start + batch_size]
            n = len(rows)
            np.matmul(rows, self.kernels[0], out=acts[1][:n])
            for i in range(1, len(self.kernels)):
                np.matmul(acts[i][:n], self.kernels[i], out=acts[i + 1][:n])
