"""How an output mask weighs the loss and the metrics, as Keras's ``apply_mask`` does."""

import numpy as np


def masked_sample_weight(mask, sample_weight, reduction, dtype):
    """Sample weights with the mask folded in.

    For mean reductions, unmasked entries weigh ``total / valid`` so the mean runs over the valid
    entries only; for "sum" (metrics use it) the mask is a plain 0/1 weight.
    """
    if mask is None:
        return sample_weight
    if reduction in ("mean", "sum_over_batch_size"):
        valid = np.count_nonzero(mask)
        weight = mask.size / valid if valid else 0.0
        float_mask = np.where(mask, np.asarray(weight, dtype), np.asarray(0, dtype))
    else:
        float_mask = mask.astype(dtype)
    if sample_weight is None:
        return float_mask
    sample_weight = np.asarray(sample_weight, dtype)
    if sample_weight.ndim < float_mask.ndim:
        sample_weight = sample_weight.reshape(sample_weight.shape + (1,) * (float_mask.ndim -
                                                                            sample_weight.ndim))
    return sample_weight * float_mask
