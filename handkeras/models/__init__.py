"""Models: Sequential, and ``load_model`` / ``save_model`` (from ``handkeras.saving``)."""

from handkeras.models.sequential import Sequential
from handkeras.saving.saving_api import load_model, save_model

__all__ = ["Sequential", "load_model", "save_model"]
