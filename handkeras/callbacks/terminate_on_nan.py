"""TerminateOnNaN: stop training at the first batch whose loss is NaN or infinite."""

import math

from handkeras.callbacks.callback import Callback
from handkeras.callbacks.progbar_logger import print_msg


class TerminateOnNaN(Callback):
    """Stop ``fit`` right after a batch whose ``loss`` is NaN or inf (the running mean in the batch
    logs turns NaN/inf with it). With ``raise_error=True`` a ``RuntimeError`` is raised instead."""

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(
                f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                "Terminating training immediately."
            )
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
