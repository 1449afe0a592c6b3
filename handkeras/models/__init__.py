"""Models: Sequential (and, with the saving module, load_model)."""

from handkeras.models.sequential import Sequential

Model = Sequential

__all__ = ["Sequential"]
