"""The comparison every reference test makes: float64 values equal to rtol 1e-9."""

import numpy as np

RTOL = 1e-9
# Only absorbs round-off around exact zeros (a softmax vjp that cancels to ~1e-17, say).
ATOL = 1e-12


def assert_close(actual, expected, err_msg=""):
    """``actual`` has ``expected``'s shape and equals it to ``RTOL``."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{err_msg}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=err_msg)
