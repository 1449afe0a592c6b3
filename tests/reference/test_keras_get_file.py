"""keras.utils.get_file against Keras 3.15.1's on the same ``file://`` URLs: the same returned
path (relative to each library's cache folder), the same files in the cache, the same printed
lines and warnings, and the same errors.

Where handkeras differs on purpose, the test says so: a failed fetch is an OSError (Keras raises
a bare Exception, with the same message), and a download that fails its hash is not left in the
cache (Keras leaves it there, to be replaced on the next call).
"""

import contextlib
import hashlib
import io
import os
import tarfile
import time
import warnings
import zipfile

import pytest

import handkeras

keras = pytest.importorskip("keras")

TEXT = b"a line of a text corpus\n" * 700


@pytest.fixture
def server(tmp_path):
    """The files the URLs point to: a text, a zip and a tar.gz of two folders, and archives with
    members that escape their folder."""
    folder = tmp_path / "server"
    folder.mkdir()
    (folder / "corpus.txt").write_bytes(TEXT)
    members = {"pics/cat/1.txt": b"cat", "pics/dog/2.txt": b"dog", "LICENSE": b"MIT"}
    with zipfile.ZipFile(folder / "pics.zip", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    evil = {**members, "../up.txt": b"x", "/tmp/absolute.txt": b"x", "a/../../up2.txt": b"x"}
    with zipfile.ZipFile(folder / "evil.zip", "w") as archive:
        for name, data in evil.items():
            archive.writestr(name, data)
    for name, contents, links in (("pics.tar.gz", members, ()), ("evil.tar.gz", evil, (
            ("pics/inside", "cat/1.txt"), ("pics/outside", "../../x"), ("pics/root", "/etc")))):
        with tarfile.open(folder / name, "w:gz") as archive:
            for member, data in contents.items():
                info = tarfile.TarInfo(member)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
            for member, target in links:
                info = tarfile.TarInfo(member)
                info.type, info.linkname = tarfile.SYMTYPE, target
                archive.addfile(info)
    return folder


def tree(folder):
    """``{relative path: contents}`` of the files (and ``-> target`` of the links) under folder."""
    found = {}
    for root, directories, names in os.walk(folder):
        for name in names + [d for d in directories if os.path.islink(os.path.join(root, d))]:
            path = os.path.join(root, name)
            relative = os.path.relpath(path, folder)
            found[relative] = ("-> " + os.readlink(path) if os.path.islink(path)
                               else open(path, "rb").read())
    return found


def get(library, cache, monkeypatch, *args, **kwargs):
    """What ``library.utils.get_file`` returns (relative to ``cache``) or raises, what it prints
    (on a frozen clock, so the progress bars' times agree) and warns, and the cache's files."""
    monkeypatch.setattr(time, "time", lambda: 1000.0)
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        try:
            result = "returns", os.path.relpath(
                library.utils.get_file(*args, cache_dir=str(cache), **kwargs), cache)
        except Exception as error:  # noqa: BLE001 - the comparison is the point
            result = type(error).__name__, str(error)
    monkeypatch.undo()
    return {"result": result, "stdout": out.getvalue(), "tree": tree(cache),
            "warnings": sorted(str(w.message) for w in caught
                               if not issubclass(w.category, DeprecationWarning))}


@pytest.fixture
def caches(tmp_path):
    """An empty cache folder for each library."""
    ours, theirs = tmp_path / "handkeras_cache", tmp_path / "keras_cache"
    ours.mkdir()
    theirs.mkdir()
    return ours, theirs


def both(caches, monkeypatch, *args, **kwargs):
    ours = get(handkeras, caches[0], monkeypatch, *args, **kwargs)
    theirs = get(keras, caches[1], monkeypatch, *args, **kwargs)
    return ours, theirs


CASES = {
    "origin alone": dict(),
    "fname": dict(fname="words.txt"),
    "cache_subdir": dict(fname="w.txt", cache_subdir="text/corpora"),
    "sha256": dict(file_hash=hashlib.sha256(TEXT).hexdigest()),
    "md5 by auto": dict(file_hash=hashlib.md5(TEXT).hexdigest()),
    "md5_hash": dict(md5_hash=hashlib.md5(TEXT).hexdigest()),
    "sha256 named": dict(file_hash=hashlib.sha256(TEXT).hexdigest(), hash_algorithm="sha256"),
    "not an archive": dict(extract=True),
    "force_download": dict(force_download=True),
}


@pytest.mark.parametrize("arguments", CASES.values(), ids=CASES.keys())
def test_a_download_is_keras_s(server, caches, monkeypatch, arguments):
    ours, theirs = both(caches, monkeypatch, origin=(server / "corpus.txt").as_uri(), **arguments)
    assert ours == theirs
    again = both(caches, monkeypatch, origin=(server / "corpus.txt").as_uri(), **arguments)
    assert again[0] == again[1]


ARCHIVES = {
    "zip, no fname": ("pics.zip", dict(extract=True)),
    "zip, dotted fname": ("pics.zip", dict(fname="pics.zip", extract=True)),
    "zip, bare fname": ("pics.zip", dict(fname="pictures", extract=True)),
    "tar.gz, no fname": ("pics.tar.gz", dict(extract=True)),
    "tar.gz, dotted fname": ("pics.tar.gz", dict(fname="p.v2.tar.gz", extract=True)),
    "tar.gz, untar": ("pics.tar.gz", dict(fname="pics", untar=True)),
    "zip, untar": ("pics.zip", dict(fname="pics", untar=True)),
    "tar.gz as zip": ("pics.tar.gz", dict(fname="p.tar.gz", extract=True, archive_format="zip")),
    "zip as tar or zip": ("pics.zip", dict(extract=True, archive_format=["tar", "zip"])),
    "no format": ("pics.zip", dict(extract=True, archive_format=None)),
    "zip, unsafe members": ("evil.zip", dict(fname="evil.zip", extract=True)),
    "tar.gz, unsafe members and links": ("evil.tar.gz", dict(extract=True)),
}


@pytest.mark.parametrize("name, arguments", ARCHIVES.values(), ids=ARCHIVES.keys())
def test_an_extraction_is_keras_s(server, caches, monkeypatch, name, arguments):
    ours, theirs = both(caches, monkeypatch, origin=(server / name).as_uri(), **arguments)
    assert ours == theirs
    again = both(caches, monkeypatch, origin=(server / name).as_uri(), **arguments)
    assert again[0] == again[1]


def test_a_cached_file_failing_its_hash_is_downloaded_again_as_in_keras(server, caches,
                                                                        monkeypatch):
    for cache in caches:
        (cache / "datasets").mkdir()
        (cache / "datasets" / "corpus.txt").write_bytes(b"stale")
    ours, theirs = both(caches, monkeypatch, origin=(server / "corpus.txt").as_uri(),
                        file_hash=hashlib.sha256(TEXT).hexdigest())
    assert ours == theirs
    assert ours["tree"] == {"datasets/corpus.txt": TEXT}


ERRORS = {
    "no origin": dict(fname="a.txt"),
    "no name in the URL": dict(origin="https://example.com/"),
    "a path as fname": dict(fname="sub/a.txt", origin="https://example.com/a.txt"),
    "a plain path as origin": dict(fname="a.txt", origin="/no/scheme/a.txt"),
}


@pytest.mark.parametrize("arguments", ERRORS.values(), ids=ERRORS.keys())
def test_bad_arguments_fail_as_in_keras(caches, monkeypatch, arguments):
    ours, theirs = both(caches, monkeypatch, **arguments)
    assert ours["result"] == theirs["result"]
    assert ours["result"][0] == "ValueError"


def test_a_missing_file_is_keras_s_fetch_failure_as_an_oserror(server, caches, monkeypatch):
    ours, theirs = both(caches, monkeypatch, origin=(server / "missing.txt").as_uri())
    assert (ours["result"][0], theirs["result"][0]) == ("OSError", "Exception")
    assert ours["result"][1] == theirs["result"][1]
    assert theirs["result"][1].startswith("URL fetch failure on file://")
    assert ours["tree"] == theirs["tree"] == {}


def test_a_download_failing_its_hash_raises_keras_s_error_and_is_not_kept(server, caches,
                                                                          monkeypatch):
    ours, theirs = both(caches, monkeypatch, origin=(server / "corpus.txt").as_uri(),
                        file_hash="0" * 64)
    assert ours["result"] == theirs["result"]
    assert ours["result"][0] == "ValueError"
    assert ours["stdout"] == theirs["stdout"]
    assert (ours["tree"], theirs["tree"]) == ({}, {"datasets/corpus.txt": TEXT})
