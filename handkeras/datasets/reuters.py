"""Reuters: 11,228 newswires labelled over 46 topics, as ``keras.datasets.reuters``.

Each newswire is a list of word indices, ranked by frequency (``get_word_index`` maps words to
ranks); ``get_label_names`` names the topics.
"""

import numpy as np

from handkeras.datasets import _files, _npz, _shuffling, _word_sequences

#: Digests of Keras's files, as given in Keras's source (SHA-256, and MD5 for the word index).
NPZ_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"

_LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi",
    "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei",
    "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """``(x_train, y_train), (x_test, y_test)``, as Keras gives them.

    All newswires are shuffled with ``seed`` as Keras shuffles them, processed as IMDB's reviews
    are (``index_from``, ``start_char``, ``maxlen``, ``num_words``, ``skip_top``, ``oov_char``),
    then the first ``1 - test_split`` of them are the training set. The topics are int64, 0 to 45.
    """
    if not 0 <= test_split <= 1:
        raise ValueError(f"`test_split` must be a fraction between 0 and 1, received {test_split!r}.")
    file = _files.fetch("Reuters", path, NPZ_HASH, origin_name="reuters.npz")
    arrays = _npz.load_npz(file)
    texts, labels = _shuffling.shuffled([arrays["x"], arrays["y"]], np.random.RandomState(seed))
    texts, labels, _ = _word_sequences.process(list(texts), labels, num_words, skip_top, maxlen,
                                               start_char, oov_char, index_from)
    split = int(len(texts) * (1 - test_split))
    return ((_word_sequences.as_object_array(texts[:split]), np.array(labels[:split])),
            (_word_sequences.as_object_array(texts[split:]), np.array(labels[split:])))


def get_word_index(path="reuters_word_index.json"):
    """``{word: rank}`` of the Reuters vocabulary (in the data a word's index is its rank plus
    ``index_from``)."""
    file = _files.fetch("Reuters word index", path, WORD_INDEX_HASH,
                        origin_name="reuters_word_index.json")
    return _files.read_json(file)


def get_label_names():
    """The 46 topic names, indexed by label."""
    return _LABEL_NAMES
