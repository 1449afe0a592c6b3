"""BackupAndRestore: resume a killed training run from its last backup."""

import json
import numbers
import os
import re
import shutil

from handkeras.callbacks.callback import Callback

METADATA_FILE = "training_metadata.json"
_CHECKPOINT = re.compile(r"checkpoint-\d+\.weights\.h5\Z")


def _write_json_atomically(path, content):
    """Replace ``path`` with ``content`` in one step: readers see the old file or the new one."""
    temporary = f"{path}.tmp"
    with open(temporary, "w") as file:
        json.dump(content, file)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


class BackupAndRestore(Callback):
    """Back up the weights, the optimizer state and the epoch counter into ``backup_dir``, and
    resume from there when ``fit`` is called again after an interruption.

    A backup is written at each epoch end (``save_freq="epoch"``) or every ``save_freq`` batches.
    When the same ``fit`` call runs again, training resumes at the first epoch not completed, from
    the backed-up weights and optimizer state; with ``save_freq="epoch"`` and ``shuffle=False`` it
    ends with the weights an uninterrupted run would have. (A batch-level backup resumes mid-epoch
    weights at the start of that epoch, as Keras does.) ``double_checkpoint`` keeps the previous
    backup too, used when the latest cannot be read. ``delete_checkpoint`` removes ``backup_dir``
    when training ends normally.

    Each backup is a new ``checkpoint-N.weights.h5`` (``model.save_weights``, optimizer state
    included) committed by atomically replacing ``training_metadata.json``, which names it together
    with its epoch; a run killed while writing a backup therefore resumes from the previous one.
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or
                                     not isinstance(save_freq, numbers.Integral) or save_freq <= 0):
            raise ValueError(
                "Invalid value for argument `save_freq`. "
                f"Received: save_freq={save_freq!r}. Expected either 'epoch' or a positive integer."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._metadata_path = os.path.join(self.backup_dir, METADATA_FILE)
        self._count = 0
        self._latest = None
        self._current_epoch = 0
        self._batches_since_saving = 0

    # ----------------------------------------------------------------------------- restore
    def on_train_begin(self, logs=None):
        if os.path.exists(self.backup_dir) and not os.path.isdir(self.backup_dir):
            # Otherwise the first backup would fail, after a whole epoch of training.
            raise NotADirectoryError(
                "BackupAndRestore: `backup_dir` must be a directory or a path where one can be "
                f"created, received {self.backup_dir!r}, an existing file."
            )
        self._count, self._latest, self._current_epoch = 0, None, 0
        self._batches_since_saving = 0
        if not os.path.exists(self._metadata_path):
            return
        with open(self._metadata_path) as file:
            metadata = json.load(file)
        candidates = [metadata["latest"]] + ([metadata["previous"]] if metadata["previous"] else [])
        for index, checkpoint in enumerate(candidates):
            try:
                self._load(checkpoint)
                break
            except OSError:
                if index == len(candidates) - 1:
                    raise
        self._count, self._latest = metadata["count"], checkpoint
        self._current_epoch = checkpoint["epoch"]
        self.model._initial_epoch = checkpoint["epoch"]

    def _load(self, checkpoint):
        if self.model.optimizer is not None:
            # The optimizer's slots must exist for its state to be loaded into them.
            self.model.optimizer.build(self.model.trainable_weights)
        self.model.load_weights(os.path.join(self.backup_dir, checkpoint["weights"]))

    # ----------------------------------------------------------------------------- back up
    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_saving += 1
        if self._batches_since_saving >= self.save_freq:
            self._batches_since_saving = 0
            self._save(batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        if self.save_freq == "epoch":
            self._save(0)

    def _save(self, batch):
        """Write a new checkpoint, commit it in the metadata, then drop the ones no longer named."""
        os.makedirs(self.backup_dir, exist_ok=True)
        self._count += 1
        name = f"checkpoint-{self._count}.weights.h5"
        self.model.save_weights(os.path.join(self.backup_dir, name), overwrite=True)
        latest = {"epoch": self._current_epoch, "batch": batch, "weights": name}
        previous = self._latest if self.double_checkpoint else None
        _write_json_atomically(self._metadata_path,
                               {"count": self._count, "latest": latest, "previous": previous})
        self._latest = latest
        keep = {name} | ({previous["weights"]} if previous else set())
        for file_name in os.listdir(self.backup_dir):
            if _CHECKPOINT.match(file_name) and file_name not in keep:
                os.remove(os.path.join(self.backup_dir, file_name))

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
