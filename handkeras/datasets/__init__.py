"""Datasets with Keras's loaders: ``fashion_mnist.load_data()``, ``mnist.load_data()``."""

from handkeras.datasets import fashion_mnist, mnist

__all__ = ["fashion_mnist", "mnist"]
