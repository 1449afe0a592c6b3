"""What Keras's IMDB and Reuters loaders do to the stored word indices, vectorized.

The files hold each text as a list of word ranks (1 = the most frequent word). Keras shifts them by
``index_from``, puts ``start_char`` in front, drops texts of ``maxlen`` words or more, and replaces
the words outside ``[skip_top, num_words)`` by ``oov_char`` (or drops them when it is None). Keras
does this word by word in Python; here all texts are one flat array, and the result is split back
into the same lists of Python ints.
"""

import numpy as np


class Texts:
    """Ragged texts as one flat array of word indices and the length of each text."""

    def __init__(self, lists):
        self.lengths = np.fromiter((len(words) for words in lists), dtype=np.int64,
                                   count=len(lists))
        self.words = (np.concatenate([np.asarray(words, dtype=np.int64) for words in lists])
                      if len(lists) else np.zeros(0, np.int64))

    def index(self, start_char, index_from):
        """Shift by ``index_from`` and put ``start_char`` first (None: no start mark)."""
        self.words = self.words + index_from if index_from else self.words
        if start_char is not None:
            starts = np.concatenate([[0], np.cumsum(self.lengths)[:-1]]) if len(self.lengths) else []
            self.words = np.insert(self.words, starts, start_char)
            self.lengths = self.lengths + 1

    def keep(self, rows):
        """Keep the texts where the boolean ``rows`` is True."""
        self.words = self.words[np.repeat(rows, self.lengths)]
        self.lengths = self.lengths[rows]

    def limit_vocabulary(self, num_words, skip_top, oov_char):
        """Words outside ``[skip_top, num_words)`` become ``oov_char``, or go when it is None."""
        inside = (self.words >= skip_top) & (self.words < num_words)
        if oov_char is not None:
            self.words = np.where(inside, self.words, oov_char)
            return
        owners = np.repeat(np.arange(len(self.lengths)), self.lengths)
        self.lengths = np.bincount(owners[inside], minlength=len(self.lengths))
        self.words = self.words[inside]

    def lists(self):
        """The texts as Keras returns them: lists of Python ints."""
        return [part.tolist() for part in np.split(self.words, np.cumsum(self.lengths)[:-1])]


def process(texts, labels, num_words, skip_top, maxlen, start_char, oov_char, index_from,
            split=None):
    """Keras's processing of ``texts`` (lists of ranks) and their ``labels``:
    ``(lists of word indices, labels, split)``. ``split`` is where the test texts start (IMDB
    keeps train and test apart: each must keep a text under ``maxlen``), moved past the dropped
    texts; the vocabulary limit takes its default from all of them."""
    texts = Texts(texts)
    texts.index(start_char, index_from)
    if maxlen:
        kept = texts.lengths < maxlen  # as Keras: a text of maxlen words or more is dropped
        parts = [kept] if split is None else [kept[:split], kept[split:]]
        if not all(part.any() for part in parts):
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no "
                             "sequence was kept. Increase maxlen.")
        split = None if split is None else int(kept[:split].sum())
        texts.keep(kept)
        labels = labels[kept]
    if not num_words:
        num_words = int(texts.words.max())
    texts.limit_vocabulary(num_words, skip_top, oov_char)
    return texts.lists(), labels, split


def as_object_array(texts):
    """The texts in the array Keras returns: ``np.array(texts, dtype=object)``."""
    return np.array(texts, dtype="object")
