"""The CTC loss and its gradient, by the forward-backward recursions in log space.

Connectionist temporal classification (Graves et al., 2006) scores a label sequence ``l`` against
per-step class scores without an alignment: it sums the probability of every path over the
extended sequence ``l'`` (``l`` with a blank before, between and after its labels) that visits
``l'`` in order, staying on a state or moving one step (two, past a blank between different
labels). With ``a[t, s]`` the log probability of the paths' first ``t + 1`` steps ending on state
``s`` (the forward variable) and ``b[t, s]`` that of finishing from state ``s`` after step ``t``
(the backward variable, without step ``t``'s own emission), the loss is
``-log P = -logsumexp(a[T-1, S-1], a[T-1, S-2])`` (``S = 2 len(l) + 1`` states), and the share
of ``P`` that passes through class ``c`` at step ``t`` is
``g[t, c] = sum over the states s of class c of exp(a[t, s] + b[t, s]) / P``. Every path is on one
state at each step, so ``sum_c g[t, c] = 1``, and the gradient with respect to the logits (the
loss takes a log-softmax of them) is ``softmax(z)[t, c] - g[t, c]``. (``g`` is normalized by its
own sum over the states of each step, equal to ``P`` in exact arithmetic, so that float32's
rounding over long sequences cannot leave it summing to anything but 1.)

Every sample of the batch runs through the same recursions at once: a loop over the time steps,
none over samples. Unreachable states hold ``-inf``; sums of log probabilities use logsumexp.
An alignment that cannot exist (labels needing more steps than there are) has ``P = 0``: its loss
is ``inf`` and its gradient NaN, as torch's ``ctc_loss`` gives.
"""

import numpy as np

from handkeras import activations


def _logaddexp3(x, y, z):
    """``log(exp(x) + exp(y) + exp(z))``, element-wise, exact where every term is ``-inf``."""
    top = np.maximum(np.maximum(x, y), z)
    top = np.where(np.isfinite(top), top, 0)
    return top + np.log(np.exp(x - top) + np.exp(y - top) + np.exp(z - top))


def _extended(labels, lengths, blank):
    """The extended label sequences ``(batch, 2 * max_length + 1)`` (blank, label, blank, ...),
    where each state may skip its predecessor (a label after a blank between different labels),
    and the two final states of each sample (its last blank and its last label)."""
    batch, max_length = labels.shape
    extended = np.full((batch, 2 * max_length + 1), blank, dtype=labels.dtype)
    extended[:, 1::2] = labels
    skips = np.zeros(extended.shape, dtype=bool)
    skips[:, 2:] = extended[:, 2:] != extended[:, :-2]
    rows = np.arange(batch)
    finals = np.full(extended.shape, False)
    finals[rows, 2 * lengths] = True
    finals[rows[lengths > 0], 2 * lengths[lengths > 0] - 1] = True
    return extended, skips, finals


def ctc_loss_and_gradient(labels, lengths, logits, blank=0):
    """Per-sample CTC losses ``(batch,)`` and their gradients with respect to ``logits``.

    ``labels`` ``(batch, max_length)`` holds class indices, of which each sample uses its first
    ``lengths[i]``; ``logits`` ``(batch, steps, classes)`` are unnormalized scores; ``blank`` is the
    class meaning "no label".
    """
    batch, steps, _ = logits.shape
    log_probs = activations.log_softmax(logits, axis=-1)
    extended, skips, finals = _extended(labels, lengths, blank)
    # log_probs[i, t, extended[i, s]] for every t: the emissions of each state, (steps, batch, S)
    emissions = np.take_along_axis(log_probs, extended[:, None, :], axis=2).transpose(1, 0, 2)
    states = extended.shape[1]
    impossible = np.full((batch, states), -np.inf, dtype=logits.dtype)
    skip_from = np.where(skips, 0, -np.inf).astype(logits.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        forward = np.empty((steps, batch, states), dtype=logits.dtype)
        forward[0] = impossible
        forward[0, :, :2] = emissions[0, :, :2]
        for t in range(1, steps):
            previous = forward[t - 1]
            stay, step, jump = previous, _shifted(previous, 1), _shifted(previous, 2) + skip_from
            forward[t] = emissions[t] + _logaddexp3(stay, step, jump)
        backward = np.empty_like(forward)
        backward[-1] = np.where(finals, 0, -np.inf)
        for t in range(steps - 2, -1, -1):
            after = emissions[t + 1] + backward[t + 1]
            step, jump = _shifted(after, -1), _shifted(after + skip_from, -2)
            backward[t] = _logaddexp3(after, step, jump)
        final = np.where(finals, forward[-1], -np.inf)
        top = final.max(axis=1)
        top = np.where(np.isfinite(top), top, 0)
        log_likelihood = top + np.log(np.exp(final - top[:, None]).sum(axis=1))
        # each state's share of the likelihood (summed over the states of each class below),
        # normalized by its sum over the states of each step, the likelihood in exact arithmetic,
        # so that float32's rounding over long sequences leaves each step's shares summing to 1
        paths = forward + backward
        top = paths.max(axis=2, keepdims=True)
        top = np.where(np.isfinite(top), top, 0)
        occupancy = np.exp(paths - top)
        occupancy /= occupancy.sum(axis=2, keepdims=True)
    one_hot = np.zeros((batch, states, logits.shape[-1]), dtype=logits.dtype)
    np.put_along_axis(one_hot, extended[:, :, None], 1, axis=2)
    shares = np.matmul(occupancy.transpose(1, 0, 2), one_hot)
    return -log_likelihood, np.exp(log_probs) - shares


def _shifted(values, offset):
    """``values`` moved ``offset`` states along the last axis (right if positive), ``-inf`` where
    nothing moved in."""
    moved = np.full_like(values, -np.inf)
    if offset > 0:
        moved[:, offset:] = values[:, :-offset]
    else:
        moved[:, :offset] = values[:, -offset:]
    return moved


def minimum_steps(labels, lengths):
    """The fewest time steps an alignment of each sample's labels needs: one per label, and a
    blank between two equal neighbours."""
    used = np.arange(labels.shape[1]) < lengths[:, None]
    repeats = (labels[:, 1:] == labels[:, :-1]) & used[:, 1:]
    return lengths + repeats.sum(axis=1)
