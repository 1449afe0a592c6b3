"""Atomic file replacement: a reader (or a crash) sees the old file or the new one, never a mix.

The new content is written to a temporary file in the same folder, flushed and fsync'ed, then moved
over the target with ``os.replace`` (atomic on POSIX and Windows), and the folder is fsync'ed so the
rename itself survives a power cut. A process killed at any moment leaves the previous file intact
(and at worst a stray ``.<name>.<random>.tmp`` file next to it).

The write goes where the user would expect of a plain write: through a symbolic link to the file it
points to, with the permissions the file already had.
"""

import contextlib
import os
import secrets
import stat

# The temporary name adds 18 characters to the file's; file names have at most 255.
_NAME_MAX = 255
_ADDED = len(".." + "0" * 12 + ".tmp")


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
    given = os.fspath(path)
    path = os.path.realpath(given)  # through symbolic links: the file they point to is replaced
    if os.path.isdir(path):
        raise IsADirectoryError(21, f"Cannot save to '{given}': it is a directory", given)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(17, f"'{given}' exists and `overwrite=False`", given)
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    stem = os.path.basename(path)[:_NAME_MAX - _ADDED]
    temporary = os.path.join(directory, f".{stem}.{secrets.token_hex(6)}.tmp")
    _create(temporary, given)
    try:
        yield temporary
        _keep_mode(path, temporary)
        _fsync_path(temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_path(directory, directory=True)


def _create(temporary, given):
    """Create the empty temporary file with the usual permissions (0o666 less the umask, not
    mkstemp's 0o600); a failure names the path the user gave, not the temporary one."""
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        raise type(error)(error.errno, f"Cannot save to '{given}': {error.strerror}",
                          given) from error
    try:
        os.close(descriptor)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _keep_mode(path, temporary):
    """Give the new file the permission bits of the one it replaces, if any."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return
    os.chmod(temporary, mode)
