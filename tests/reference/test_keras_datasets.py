"""The IMDB, Reuters and Boston Housing loaders against Keras 3.15.1's, on the same files.

Both libraries read the same small files written here (Keras's ``get_file`` is pointed at them,
since nothing may be downloaded); for every combination of the loaders' arguments the arrays must be
Keras's: same order, same lists of Python ints, same dtypes and shapes.
"""

import itertools
import os

import numpy as np
import pytest

import handkeras

keras = pytest.importorskip("keras")
from keras.src.datasets import boston_housing as keras_boston  # noqa: E402
from keras.src.datasets import imdb as keras_imdb  # noqa: E402
from keras.src.datasets import reuters as keras_reuters  # noqa: E402


def _texts(rng, count):
    texts = np.empty(count, dtype=object)
    texts[:] = [rng.integers(1, 60, rng.integers(1, 30)).tolist() for _ in range(count)]
    return texts


@pytest.fixture
def files(tmp_path, monkeypatch):
    """The same small files for both libraries: in $HANDKERAS_DATASETS for handkeras, and returned
    by Keras's ``get_file`` for Keras."""
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "imdb.npz", x_train=_texts(rng, 40), y_train=rng.integers(0, 2, 40),
             x_test=_texts(rng, 30), y_test=rng.integers(0, 2, 30))
    np.savez(tmp_path / "reuters.npz", x=_texts(rng, 57), y=rng.integers(0, 46, 57))
    np.savez(tmp_path / "boston_housing.npz", x=rng.random((50, 13)), y=rng.random(50) * 50)
    monkeypatch.setenv("HANDKERAS_DATASETS", str(tmp_path))
    for module in (keras_imdb, keras_reuters, keras_boston):
        monkeypatch.setattr(module, "get_file",
                            lambda fname=None, origin=None, **_: str(tmp_path / os.path.basename(origin)))
    return tmp_path


def _assert_same(ours, theirs):
    for mine, reference in zip(ours[0] + ours[1], theirs[0] + theirs[1]):
        assert mine.dtype == reference.dtype and mine.shape == reference.shape
        if mine.dtype == object:
            assert [list(text) for text in mine] == [list(text) for text in reference]
            assert all(type(word) is int for text in mine for word in text)
        else:
            np.testing.assert_array_equal(mine, reference)


ARGUMENTS = [dict(zip(("num_words", "skip_top", "maxlen", "start_char", "oov_char", "index_from",
                       "seed"), values))
             for values in itertools.product((None, 20), (0, 5), (None, 25), (1, None), (2, None),
                                             (3, 0), (113, 7))]


@pytest.mark.parametrize("dataset", ["imdb", "reuters"])
def test_text_datasets_are_keras_s_for_every_argument(files, dataset):
    ours, theirs = getattr(handkeras.datasets, dataset), getattr(keras.datasets, dataset)
    for arguments in ARGUMENTS:
        _assert_same(ours.load_data(**arguments), theirs.load_data(**arguments))


def test_reuters_test_split_and_boston_housing_are_keras_s(files):
    for split in (0.0, 0.2, 0.5, 1.0):
        _assert_same(handkeras.datasets.reuters.load_data(test_split=split),
                     keras.datasets.reuters.load_data(test_split=split))
    for split, seed in itertools.product((0.0, 0.2, 0.5), (113, 1)):
        _assert_same(handkeras.datasets.boston_housing.load_data(test_split=split, seed=seed),
                     keras.datasets.boston_housing.load_data(test_split=split, seed=seed))
    assert handkeras.datasets.reuters.get_label_names() == keras.datasets.reuters.get_label_names()


def test_texts_of_one_length_give_keras_s_two_dimensional_array(files):
    np.savez(files / "reuters.npz", x=np.array([[1, 2], [3, 4], [5, 6]], dtype=object).reshape(3, 2),
             y=np.arange(3))
    ours = handkeras.datasets.reuters.load_data(test_split=0.4)
    _assert_same(ours, keras.datasets.reuters.load_data(test_split=0.4))
    assert ours[0][0].shape == (1, 3)


def test_a_maxlen_that_keeps_nothing_is_a_value_error_in_both(files):
    with pytest.raises(ValueError, match="maxlen"):
        handkeras.datasets.imdb.load_data(maxlen=1)
    with pytest.raises(ValueError, match="maxlen"):
        keras.datasets.imdb.load_data(maxlen=1)
