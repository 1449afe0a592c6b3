"""Keras's approximate quantiles, which ``Discretization.adapt`` learns its bin boundaries from.

A summary is a ``(2, n)`` float32 array: sorted values over their weights (how many data values
each stands for). Each batch is summarized by about ``1 / epsilon`` of its sorted values, the
summaries of the batches are merged and compressed back to about ``1 / epsilon`` points by
interpolating their cumulative weights, and the boundaries are the points of a final compression
to ``num_bins`` points, the last one dropped. The steps, their float32 roundings included, are
Keras 3.15.1's, so that both libraries learn the same boundaries from the same data.
"""

import numpy as np


def empty():
    """The summary of no data."""
    return np.zeros((2, 0), np.float32)


def summarize(batch, epsilon):
    """One batch's summary: every ``step``-th of its sorted values from the ``step``-th on, each
    weighing ``step``, where ``step = max(size / (1 / epsilon), 1)`` (whole when it is used as a
    stride, as it stands when used as a weight)."""
    values = np.sort(np.ravel(batch))
    step = max(values.size / (1.0 / epsilon), 1)
    kept = values[int(step - 1)::int(step)]
    return np.stack([kept, np.full_like(kept, 1) * step])


def merge(summary, other, epsilon):
    """The summary of the data of both, compressed to ``epsilon``."""
    joined = np.concatenate((summary, other), axis=1)
    return compress(joined[:, np.argsort(joined[0])], epsilon)


def compress(summary, epsilon):
    """``summary`` as the points at the cumulative-weight fractions ``epsilon, 2 epsilon, ...,
    1``, interpolated, each weighing the cumulative weight since the previous one; unchanged when
    it has fewer than ``1 / epsilon`` points."""
    if summary.shape[1] * epsilon < 1:
        return summary
    fractions = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    where = cumulative / cumulative[-1]
    values = np.interp(fractions, where, summary[0])
    cumulative = np.interp(fractions, where, cumulative)
    weights = np.diff(cumulative, prepend=0.0)
    return np.stack((values, weights)).astype(np.float32)


def bin_boundaries(summary, num_bins):
    """The ``num_bins - 1`` boundaries (fewer when the summary has fewer points) that split the
    summarized data into ``num_bins`` bins of about equal weight, as Python floats."""
    return compress(summary, 1.0 / num_bins)[0, :-1].tolist()
