"""``keras.utils.get_file``: a file from a URL, kept in Keras's cache (``~/.keras/datasets``),
checked against its hash and, for an archive, extracted, with Keras's rules for every path.

A download is written under a temporary name beside its target and renamed only once complete
and verified, so that neither an interrupted download nor a corrupt one leaves a file in the cache
for the next call to trust.
"""

import hashlib
import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings

from handkeras.interactive_logging import is_interactive_logging_enabled, log_text
from handkeras.utils.archives import archive_formats, extract_archive
from handkeras.utils.progbar import Progbar

_BLOCK_SIZE = 8192  # urllib's block, by which Keras's download bar advances
_HASH_ALGORITHMS = ("auto", "sha256", "md5")


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """The path of the file at the URL ``origin``, downloaded into ``cache_dir/cache_subdir``
    unless already there (and matching ``file_hash``, when given).

    ``fname`` defaults to the last part of the URL's path. ``file_hash`` is a SHA-256 (64 hex
    digits) or MD5 digest (``hash_algorithm="auto"`` tells them by length); ``md5_hash`` is the
    old name of an MD5 one. With ``extract=True`` (or ``untar=True``, a tar archive), the archive
    is extracted and the folder returned: ``fname`` without its extensions plus ``_extracted``
    for an ``fname`` with a dot, else ``fname`` itself, the archive then being kept as
    ``fname + "_archive"``. ``cache_dir`` defaults to ``$KERAS_HOME`` or ``~/.keras``; one that
    does not exist or cannot be written is replaced by ``/tmp/.keras``, as in Keras.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    if file_hash is not None and hash_algorithm not in _HASH_ALGORITHMS:
        raise ValueError(f"`hash_algorithm` must be one of {_HASH_ALGORITHMS}, received "
                         f"hash_algorithm={hash_algorithm!r}.")
    extracting = bool(extract or untar)
    if extracting:
        archive_format = archive_formats("tar" if untar else archive_format)
    provided = fname
    fname = _file_name(fname, origin)
    datadir = os.path.join(_cache_root(cache_dir), cache_subdir)
    download_target, extraction_dir = _targets(datadir, fname, bool(provided), extracting)
    os.makedirs(datadir, exist_ok=True)

    if _needs_download(download_target, file_hash, hash_algorithm, force_download):
        _download(origin, download_target, file_hash, hash_algorithm)
    if not extracting:
        return download_target
    if not extract_archive(download_target, extraction_dir, archive_format):
        warnings.warn("Could not extract archive.", stacklevel=2)
    return extraction_dir


def _keras_home():
    """Keras's folder: ``$KERAS_HOME``, else ``~/.keras`` (``/tmp/.keras`` when the home folder
    cannot be written)."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    home = os.path.expanduser("~")
    return os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")


def _cache_root(cache_dir):
    """Where the cache lives: ``cache_dir`` (by default Keras's folder, made if missing, as
    importing Keras makes it), or ``/tmp/.keras`` when that is not a writable folder."""
    if cache_dir is None:
        cache_dir = _keras_home()
        try:
            os.makedirs(os.path.expanduser(cache_dir), exist_ok=True)
        except OSError:
            pass  # not writable: the fallback below takes over
    root = os.path.expanduser(cache_dir)
    if not os.access(root, os.W_OK):
        temporary = "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()
        root = os.path.join(temporary, ".keras")
    return root


def _file_name(fname, origin):
    """``fname`` (a bare name, never a path), or the last part of the URL's path."""
    fname = os.fspath(fname) if isinstance(fname, os.PathLike) else fname
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'."
                             "Please specify the `fname` argument.")
    elif os.sep in fname:
        raise ValueError("Paths are no longer accepted as the `fname` argument. To specify the "
                         "file's parent directory, use the `cache_dir` argument. Received: "
                         f"fname={fname}")
    return fname


def _targets(datadir, fname, provided, extracting):
    """Where the download goes and, when extracting, the folder the archive is extracted to."""
    if not extracting:
        return os.path.join(datadir, fname), None
    if provided and "." in fname:
        stem = fname[:fname.index(".")]
        return os.path.join(datadir, fname), os.path.join(datadir, f"{stem}_extracted")
    return os.path.join(datadir, f"{fname}_archive"), os.path.join(datadir, fname)


def _needs_download(target, file_hash, hash_algorithm, force_download):
    """Whether to download: forced, nothing cached, or a cached file that fails the hash."""
    if force_download or not os.path.exists(target):
        return True
    if file_hash is None or _hash_matches(target, file_hash, hash_algorithm):
        return False
    _print("A local file was found, but it seems to be incomplete or outdated because the "
           f"{hash_algorithm} file hash does not match the original value of {file_hash} so we "
           "will re-download the data.")
    return True


def _hash_matches(path, file_hash, algorithm):
    """Whether the file's digest is ``file_hash``: SHA-256 when asked, or for ``"auto"`` when the
    hash has SHA-256's 64 digits; MD5 otherwise."""
    sha256 = algorithm == "sha256" or (algorithm == "auto" and len(str(file_hash)) == 64)
    digest = hashlib.sha256() if sha256 else hashlib.md5()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 16):
            digest.update(chunk)
    return digest.hexdigest() == str(file_hash)


def _download(origin, target, file_hash, hash_algorithm):
    """Fetch ``origin`` into ``target`` through a temporary file, renamed once the whole file has
    arrived and matched ``file_hash``; on any failure the temporary file is removed."""
    _print(f"Downloading data from {origin}")
    folder, name = os.path.split(target)
    handle, partial = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            _copy_url(origin, file)
        if file_hash is not None and not _hash_matches(partial, file_hash, hash_algorithm):
            raise ValueError(f"Incomplete or corrupted file detected. The {hash_algorithm} file "
                             f"hash does not match the provided value of {file_hash}.")
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _copy_url(origin, file):
    """Write what ``origin`` holds into ``file``, with Keras's progress bar; a failure to fetch
    is an OSError with Keras's message (``URL fetch failure on <origin>: <code> -- <reason>``)."""
    try:
        with urllib.request.urlopen(origin) as response:
            size = int(response.headers.get("Content-Length", -1))
            progress = _DownloadProgress(None if size < 0 else size)
            received = blocks = 0
            progress(0)
            while block := response.read(_BLOCK_SIZE):
                file.write(block)
                received += len(block)
                blocks += 1
                progress(blocks * _BLOCK_SIZE)
        if 0 <= size and received < size:
            raise urllib.error.ContentTooShortError(
                f"retrieval incomplete: got only {received} out of {size} bytes", None)
    except urllib.error.HTTPError as error:
        raise OSError(f"URL fetch failure on {origin}: {error.code} -- {error.msg}") from error
    except urllib.error.URLError as error:
        raise OSError(f"URL fetch failure on {origin}: {error.errno} -- {error.reason}") from error


class _DownloadProgress:
    """Keras's download bar: a Progbar over the file's size (None when the server does not say),
    moved to each count of bytes, finished once when the count reaches the size."""

    def __init__(self, size):
        self._bar = Progbar(size)
        self._finished = False

    def __call__(self, count):
        if self._bar.target is None or count < self._bar.target:
            self._bar.update(count)
        elif not self._finished:
            self._bar.update(self._bar.target)
            self._finished = True


def _print(message):
    """A line on stdout, as Keras prints it, or a record of the "keras" logger when interactive
    logging is disabled."""
    if is_interactive_logging_enabled():
        sys.stdout.write(message + "\n")
        sys.stdout.flush()
    else:
        log_text(message)
