"""CTC as ``keras.ops`` functions: the loss of label sequences against per-step scores, and the
greedy decoding of those scores into labels.

The loss is the one behind handkeras's ``CTC`` loss (:mod:`handkeras.ctc`), applied to each
sample's own number of steps.
"""

import numpy as np

from handkeras.ctc import ctc_loss_and_gradient
from handkeras.ops.core import convert_to_tensor
from handkeras.ops.dtypes import result_type


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """The CTC loss of each sample: ``-log`` of the probability that the softmax of ``output``
    ``(batch, steps, classes)`` over its first ``output_length`` steps spells the first
    ``target_length`` labels of ``target``, ``mask_index`` being the blank (``inf`` when no
    alignment fits)."""
    output = convert_to_tensor(output)
    output = output.astype(result_type(output.dtype, "float32"), copy=False)
    target = convert_to_tensor(target).astype(np.int64)
    target_length = convert_to_tensor(target_length).astype(np.int64).reshape(-1)
    output_length = convert_to_tensor(output_length).astype(np.int64).reshape(-1)
    if output.ndim != 3 or target.ndim != 2 or len(target) != len(output):
        raise ValueError("ctc_loss expects `target` (batch, max_label_length) and `output` "
                         f"(batch, steps, classes). Received: target.shape={target.shape}, "
                         f"output.shape={output.shape}")
    if np.any(output_length > output.shape[1]) or np.any(output_length < 1):
        raise ValueError(f"Each `output_length` must be in [1, {output.shape[1]}] (the steps of "
                         f"`output`). Received: output_length={output_length.tolist()}")
    used = np.arange(target.shape[1]) < target_length[:, None]
    if np.any(used & ((target < 0) | (target >= output.shape[2]))):
        raise ValueError(f"ctc_loss: the labels of `target` must be classes of `output`, in [0, "
                         f"{output.shape[2]}). Received labels in [{target[used].min()}, "
                         f"{target[used].max()}].")
    losses = np.empty(len(output), output.dtype)
    for steps in np.unique(output_length):
        rows = np.flatnonzero(output_length == steps)
        losses[rows] = ctc_loss_and_gradient(target[rows], target_length[rows],
                                             output[rows, :steps], mask_index)[0]
    return losses


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """The most likely class of each step of ``inputs`` ``(batch, steps, classes)``, repeats
    merged (when ``merge_repeated``) and blanks (``mask_index``) dropped, left-aligned and
    padded with -1: ``(decoded (1, batch, steps), scores (batch, 1))``, a score being minus the
    sum of the chosen step scores. Only the greedy strategy is computed."""
    if strategy == "beam_search":
        raise NotImplementedError("ctc_decode: handkeras decodes with strategy='greedy' only; "
                                  "beam search is not implemented.")
    if strategy != "greedy":
        raise ValueError(f"Invalid strategy {strategy}. Supported values are 'greedy' and "
                         "'beam_search'.")
    inputs = convert_to_tensor(inputs)
    inputs = inputs.astype(result_type(inputs.dtype, "float32"), copy=False)
    lengths = convert_to_tensor(sequence_lengths).astype(np.int64).reshape(-1, 1)
    batch, steps, classes = inputs.shape
    blank = classes - 1 if mask_index is None else mask_index
    beyond = np.arange(steps) >= lengths
    best = np.where(beyond, blank, np.argmax(inputs, axis=-1))
    scores = np.where(beyond, 0, np.max(inputs, axis=-1))
    if merge_repeated:
        repeated = np.zeros_like(beyond)
        repeated[:, 1:] = best[:, 1:] == best[:, :-1]
        best = np.where(repeated, blank, best)
    dropped = best == blank
    order = np.argsort(np.where(dropped, steps, np.arange(steps)), axis=-1, kind="stable")
    decoded = np.take_along_axis(np.where(dropped, -1, best), order, axis=-1)
    return decoded[None].astype(np.int32), -np.sum(scores, axis=1, keepdims=True)


__all__ = ["ctc_decode", "ctc_loss"]
