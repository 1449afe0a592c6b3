"""Callbacks: hooks into fit, evaluate and predict, with Keras's names and behaviour."""

from handkeras.callbacks.backup_and_restore import BackupAndRestore
from handkeras.callbacks.callback import Callback
from handkeras.callbacks.callback_list import CallbackList
from handkeras.callbacks.csv_logger import CSVLogger
from handkeras.callbacks.early_stopping import EarlyStopping
from handkeras.callbacks.history import History
from handkeras.callbacks.lambda_callback import LambdaCallback
from handkeras.callbacks.learning_rate_scheduler import LearningRateScheduler
from handkeras.callbacks.model_checkpoint import ModelCheckpoint
from handkeras.callbacks.monitor_callback import MonitorCallback
from handkeras.callbacks.progbar_logger import ProgbarLogger
from handkeras.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from handkeras.callbacks.swap_ema_weights import SwapEMAWeights
from handkeras.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = ["BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
           "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "MonitorCallback",
           "ProgbarLogger", "ReduceLROnPlateau", "SwapEMAWeights", "TerminateOnNaN"]
