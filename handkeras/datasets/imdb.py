"""IMDB: 50,000 movie reviews labelled positive (1) or negative (0), as ``keras.datasets.imdb``.

Each review is a list of word indices, ranked by frequency in the training set (``get_word_index``
maps words to ranks), so that ``num_words`` and ``skip_top`` select a vocabulary by frequency.
"""

import numpy as np

from handkeras.datasets import _files, _npz, _shuffling, _word_sequences

#: Digests of Keras's files, as given in Keras's source (SHA-256, and MD5 for the word index).
NPZ_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1,
              oov_char=2, index_from=3, **kwargs):
    """``(x_train, y_train), (x_test, y_test)``: 25,000 reviews each, as Keras gives them.

    The reviews are object arrays of lists of word indices: ranks shifted by ``index_from``,
    ``start_char`` first; words outside ``[skip_top, num_words)`` become ``oov_char`` (dropped
    when it is None); reviews of ``maxlen`` words or more are dropped. Both sets are shuffled with
    ``seed`` as Keras shuffles them, so the same arguments give Keras's arrays. The labels are
    int64. ``path`` is the file name in $HANDKERAS_DATASETS or Keras's cache, where it is downloaded
    when absent. (Keras ignores any other keyword argument; so does this.)
    """
    file = _files.fetch("IMDB", path, NPZ_HASH, origin_name="imdb.npz")
    arrays = _npz.load_npz(file)
    rng = np.random.RandomState(seed)
    x_train, y_train = _shuffling.shuffled([arrays["x_train"], arrays["y_train"]], rng)
    x_test, y_test = _shuffling.shuffled([arrays["x_test"], arrays["y_test"]], rng)
    texts, labels, split = _word_sequences.process(
        list(x_train) + list(x_test), np.concatenate([y_train, y_test]), num_words, skip_top,
        maxlen, start_char, oov_char, index_from, split=len(x_train))
    return ((_word_sequences.as_object_array(texts[:split]), labels[:split]),
            (_word_sequences.as_object_array(texts[split:]), labels[split:]))


def get_word_index(path="imdb_word_index.json"):
    """``{word: rank}`` of the IMDB vocabulary (rank 1 is the most frequent word; in the data a
    word's index is its rank plus ``index_from``)."""
    file = _files.fetch("IMDB word index", path, WORD_INDEX_HASH,
                        origin_name="imdb_word_index.json")
    return _files.read_json(file)
