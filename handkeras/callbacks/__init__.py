"""Callbacks: hooks into fit, evaluate and predict."""

from handkeras.callbacks.callback import Callback
from handkeras.callbacks.callback_list import CallbackList
from handkeras.callbacks.history import History
from handkeras.callbacks.progbar_logger import ProgbarLogger

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]
