"""Extracting a downloaded tar or zip archive without letting it write outside its folder.

As in Keras, a member whose path leads out of the extraction folder (``../x``, ``/etc/x``), or a
link whose target does, is skipped with a warning and the others are extracted; tar members also
pass Python's ``"data"`` filter, which refuses devices and drops unsafe permission bits. A failed
extraction removes the folder, so that nothing half-extracted is left behind.
"""

import os
import shutil
import tarfile
import warnings
import zipfile

# The kinds of archive, in the order "auto" tries them, each with its detector.
_DETECTORS = {"tar": tarfile.is_tarfile, "zip": zipfile.is_zipfile}

# Python's tar extraction filters came with 3.10.12 and 3.11.4; older versions rely on the checks
# below alone.
_TAR_FILTER = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}


def archive_formats(archive_format):
    """The kinds of archive to try, in order, for Keras's ``archive_format``: ``"auto"`` (tar
    then zip), ``"tar"``, ``"zip"``, a list of them, or None (none); anything else is refused."""
    if archive_format is None:
        return []
    if archive_format == "auto":
        return list(_DETECTORS)
    kinds = [archive_format] if isinstance(archive_format, str) else list(archive_format)
    unknown = [kind for kind in kinds if kind not in _DETECTORS]
    if unknown:
        raise ValueError("`archive_format` must be 'auto', 'tar', 'zip', a list of 'tar' and "
                         f"'zip', or None, received archive_format={archive_format!r}.")
    return kinds


def extract_archive(file_path, path, archive_format="auto"):
    """Extract the archive ``file_path`` into the folder ``path`` if it is one of the kinds
    ``archive_format`` allows; True when it was, False when it is none of them."""
    for kind in archive_formats(archive_format):
        if _DETECTORS[kind](file_path):
            opener = tarfile.open if kind == "tar" else zipfile.ZipFile
            with opener(file_path) as archive:
                try:
                    _extract_safe_members(archive, path)
                except BaseException:
                    _remove(path)
                    raise
            return True
    return False


def _extract_safe_members(archive, path):
    folder = os.path.realpath(path)
    if isinstance(archive, zipfile.ZipFile):
        safe = [member for member in archive.infolist()
                if _kept(member.filename, _inside(folder, member.filename) is not None)]
        archive.extractall(path, members=safe)
    else:
        safe = [member for member in archive.getmembers()
                if _kept(member.name, _tar_member_safe(member, folder))]
        archive.extractall(path, members=safe, **_TAR_FILTER)


def _kept(name, safe):
    """``safe``, with a warning naming the member when it is not."""
    if not safe:
        warnings.warn(f"Skipping invalid path during archive extraction: '{name}'.", stacklevel=2)
    return safe


def _tar_member_safe(member, folder):
    """Whether a tar member stays in ``folder``: its own path, and for a link its target too (a
    hard link's target is named from the archive's root, a symbolic link's from its directory)."""
    destination = _inside(folder, member.name)
    if destination is None:
        return False
    if member.islnk():
        return _inside(folder, member.linkname) is not None
    if member.issym():
        return _inside(os.path.dirname(destination), member.linkname, folder) is not None
    return True


def _inside(start, relative, folder=None):
    """The real path of ``relative`` taken from ``start``, or None when it is outside ``folder``
    (by default ``start`` itself)."""
    folder = start if folder is None else folder
    resolved = os.path.realpath(os.path.join(start, relative))
    try:
        return resolved if os.path.commonpath([resolved, folder]) == folder else None
    except ValueError:  # paths on different drives
        return None


def _remove(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.remove(path)
