"""Models: Sequential, ``clone_model``, ``model_from_json``, and ``load_model`` / ``save_model``
(from ``handkeras.saving``)."""

from handkeras.models.cloning import clone_model
from handkeras.models.sequential import Sequential
from handkeras.saving.saving_api import load_model, model_from_json, save_model

__all__ = ["Sequential", "clone_model", "load_model", "model_from_json", "save_model"]
