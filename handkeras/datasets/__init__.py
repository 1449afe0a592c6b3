"""Datasets with Keras's loaders: ``fashion_mnist``, ``mnist``, ``imdb``, ``reuters`` and
``boston_housing``, each with ``load_data()`` (and the text ones ``get_word_index()``)."""

from handkeras.datasets import boston_housing, fashion_mnist, imdb, mnist, reuters

__all__ = ["boston_housing", "fashion_mnist", "imdb", "mnist", "reuters"]
