"""Atomic file replacement: a reader (or a crash) sees the old file or the new one, never a mix.

The new content is written to a temporary file in the same folder, flushed and fsync'ed, then moved
over the target with ``os.replace`` (atomic on POSIX and Windows), and the folder is fsync'ed so the
rename itself survives a power cut. A process killed at any moment leaves the previous file intact
(and at worst a stray ``.<name>.<random>.tmp`` file next to it).
"""

import contextlib
import os
import secrets


def _fsync_path(path, directory=False):
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        if directory:  # Some platforms (Windows) cannot open folders; the rename is still atomic.
            return
        raise
    try:
        os.fsync(descriptor)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def atomic_write_path(path, overwrite=True):
    """Yield a temporary path to write; when the block succeeds, it replaces ``path`` durably.

    On any error (or interruption) the temporary file is removed and ``path`` is untouched. With
    ``overwrite=False`` an existing ``path`` is a ``FileExistsError``.
    """
    path = os.path.abspath(os.fspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(21, f"Cannot save to '{path}': it is a directory", path)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(17, f"'{path}' exists and `overwrite=False`", path)
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    # Created with the usual permissions (0o666 less the umask), not mkstemp's 0o600.
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield temporary
        _fsync_path(temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_path(directory, directory=True)
