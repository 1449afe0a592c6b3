"""keras.utils.get_file: Keras's cache paths, cache reuse under a hash, atomic downloads, archive
extraction with Keras's folder names, and archives that try to write outside their folder.

No test touches the network: origins are ``file://`` URLs of files the test writes (urllib opens
them as it opens HTTP ones), and failures come from a stand-in for ``urllib.request.urlopen``.
tests/reference/test_keras_get_file.py runs Keras's own get_file on the same files.
"""

import hashlib
import io
import logging
import os
import tarfile
import urllib.error
import urllib.request
import zipfile

import pytest

import handkeras as keras

TEXT = b"the quick brown fox\n" * 1000  # 20000 bytes: three blocks of the download bar


@pytest.fixture
def cache(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    return folder


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "server" / "corpus.txt"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(TEXT)
    return path


def url(path):
    return path.as_uri()


def write_zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def write_tar_gz(path, members, links=()):
    """A gzipped tar of ``members`` (name: bytes) and symbolic ``links`` (name, target)."""
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in links:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return path


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(root, name), folder)
                  for root, _, names in os.walk(folder) for name in names)


# ----------------------------------------------------------------------------- download and cache
def test_downloads_into_cache_subdir_under_the_origin_s_name(cache, corpus, capsys):
    path = keras.utils.get_file(origin=url(corpus), cache_dir=str(cache))
    assert path == str(cache / "datasets" / "corpus.txt")
    assert open(path, "rb").read() == TEXT
    out = capsys.readouterr().out
    assert out.startswith(f"Downloading data from {url(corpus)}\n")
    assert "20000/20000" in out and out.endswith("\n")


def test_fname_and_an_absolute_cache_subdir_choose_the_place(tmp_path, cache, corpus):
    assert keras.utils.get_file("words.txt", url(corpus), cache_dir=cache,
                                cache_subdir="text") == str(cache / "text" / "words.txt")
    elsewhere = tmp_path / "elsewhere"
    assert keras.utils.get_file("w.txt", url(corpus), cache_dir=cache,
                                cache_subdir=str(elsewhere)) == str(elsewhere / "w.txt")


def test_a_cached_file_is_reused_without_downloading(cache, corpus, capsys):
    first = keras.utils.get_file(origin=url(corpus), cache_dir=cache)
    corpus.write_bytes(b"changed at the origin")
    capsys.readouterr()
    assert keras.utils.get_file(origin=url(corpus), cache_dir=cache) == first
    assert open(first, "rb").read() == TEXT
    assert capsys.readouterr().out == ""


def test_force_download_fetches_again(cache, corpus):
    first = keras.utils.get_file(origin=url(corpus), cache_dir=cache)
    corpus.write_bytes(b"new")
    assert keras.utils.get_file(origin=url(corpus), cache_dir=cache, force_download=True) == first
    assert open(first, "rb").read() == b"new"


@pytest.mark.parametrize("algorithm, digest", [("auto", hashlib.sha256), ("sha256", hashlib.sha256),
                                               ("auto", hashlib.md5), ("md5", hashlib.md5)],
                         ids=["auto-sha256", "sha256", "auto-md5", "md5"])
def test_a_matching_hash_keeps_the_cached_file(cache, corpus, capsys, algorithm, digest):
    keras.utils.get_file(origin=url(corpus), cache_dir=cache)
    corpus.write_bytes(b"changed")
    capsys.readouterr()
    path = keras.utils.get_file(origin=url(corpus), cache_dir=cache, hash_algorithm=algorithm,
                                file_hash=digest(TEXT).hexdigest())
    assert open(path, "rb").read() == TEXT
    assert "Downloading" not in capsys.readouterr().out


def test_a_cached_file_that_fails_its_hash_is_downloaded_again(cache, corpus, capsys):
    path = cache / "datasets" / "corpus.txt"
    path.parent.mkdir()
    path.write_bytes(b"truncated")
    digest = hashlib.sha256(TEXT).hexdigest()
    assert keras.utils.get_file(origin=url(corpus), cache_dir=cache, file_hash=digest) == str(path)
    assert path.read_bytes() == TEXT
    assert capsys.readouterr().out.startswith(
        "A local file was found, but it seems to be incomplete or outdated because the auto file "
        f"hash does not match the original value of {digest} so we will re-download the data.\n"
        "Downloading data from ")


def test_md5_hash_is_the_old_name_of_an_md5_file_hash(cache, corpus):
    good = hashlib.md5(TEXT).hexdigest()
    assert keras.utils.get_file(origin=url(corpus), cache_dir=cache, md5_hash=good)
    with pytest.raises(ValueError, match="The md5 file hash does not match the provided value "
                                         f"of {'0' * 32}"):
        keras.utils.get_file("other.txt", url(corpus), cache_dir=cache, md5_hash="0" * 32)


def test_a_download_that_fails_its_hash_raises_and_leaves_nothing(cache, corpus):
    wrong = hashlib.sha256(b"another file").hexdigest()
    with pytest.raises(ValueError, match="Incomplete or corrupted file detected. The auto file "
                                         f"hash does not match the provided value of {wrong}."):
        keras.utils.get_file(origin=url(corpus), cache_dir=cache, file_hash=wrong)
    assert os.listdir(cache / "datasets") == []


def test_an_unknown_hash_algorithm_is_refused_before_downloading(cache, corpus):
    with pytest.raises(ValueError, match=r"`hash_algorithm` must be one of .*'sha1'"):
        keras.utils.get_file(origin=url(corpus), cache_dir=cache, file_hash="0" * 40,
                             hash_algorithm="sha1")
    assert not (cache / "datasets").exists()


class Interrupted:
    """A stand-in for ``urlopen``'s response that delivers ``blocks`` blocks, then fails."""

    def __init__(self, blocks, error):
        self.blocks, self.error = blocks, error
        self.headers = {"Content-Length": str(10 * 8192)}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def read(self, size):
        if not self.blocks:
            raise self.error
        self.blocks -= 1
        return b"x" * size


@pytest.mark.parametrize("error", [ConnectionResetError("connection reset"), KeyboardInterrupt()],
                         ids=["connection reset", "Ctrl-C"])
def test_an_interrupted_download_leaves_nothing_in_the_cache(cache, monkeypatch, error):
    monkeypatch.setattr(urllib.request, "urlopen", lambda origin: Interrupted(3, error))
    with pytest.raises(type(error)):
        keras.utils.get_file(origin="https://example.com/big.bin", cache_dir=cache)
    assert os.listdir(cache / "datasets") == []


def test_an_interrupted_download_keeps_the_file_cached_before(cache, corpus, monkeypatch):
    path = keras.utils.get_file(origin=url(corpus), cache_dir=cache)
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda origin: Interrupted(1, ConnectionResetError("reset")))
    with pytest.raises(ConnectionResetError):
        keras.utils.get_file(origin=url(corpus), cache_dir=cache, force_download=True)
    assert os.listdir(cache / "datasets") == ["corpus.txt"]
    assert open(path, "rb").read() == TEXT


def test_a_truncated_response_is_a_fetch_failure(cache, monkeypatch):
    short = Interrupted(2, AssertionError("not read"))
    short.read = lambda size, blocks=iter([b"x" * 8192, b""]): next(blocks)
    monkeypatch.setattr(urllib.request, "urlopen", lambda origin: short)
    with pytest.raises(OSError, match="URL fetch failure on https://example.com/a.bin: None -- "
                                      "retrieval incomplete: got only 8192 out of 81920 bytes"):
        keras.utils.get_file(origin="https://example.com/a.bin", cache_dir=cache)
    assert os.listdir(cache / "datasets") == []


def test_fetch_failures_carry_keras_s_message(cache, tmp_path, monkeypatch):
    missing = tmp_path / "missing.txt"
    failure = f"URL fetch failure on {url(missing)}: None -- \\[Errno 2\\]"
    with pytest.raises(OSError, match=failure):
        keras.utils.get_file(origin=url(missing), cache_dir=cache)

    def not_found(origin):
        raise urllib.error.HTTPError(origin, 404, "Not Found", {}, None)

    monkeypatch.setattr(urllib.request, "urlopen", not_found)
    with pytest.raises(OSError, match="URL fetch failure on https://example.com/x.zip: 404 -- "
                                      "Not Found") as raised:
        keras.utils.get_file(origin="https://example.com/x.zip", cache_dir=cache)
    assert isinstance(raised.value.__cause__, urllib.error.HTTPError)
    assert os.listdir(cache / "datasets") == []


def test_bad_names_and_origins_are_refused(cache):
    with pytest.raises(ValueError, match='Please specify the "origin" argument'):
        keras.utils.get_file("a.txt", cache_dir=cache)
    with pytest.raises(ValueError, match="Can't parse the file name from the origin provided: "
                                         "'https://example.com/'"):
        keras.utils.get_file(origin="https://example.com/", cache_dir=cache)
    with pytest.raises(ValueError, match="Paths are no longer accepted as the `fname` argument"):
        keras.utils.get_file("data/a.txt", "https://example.com/a.txt", cache_dir=cache)
    assert os.listdir(cache) == []


def test_cache_dir_defaults_to_keras_home(tmp_path, corpus, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    assert keras.utils.get_file(origin=url(corpus)) == str(tmp_path / "home" / "datasets" /
                                                           "corpus.txt")


def test_a_cache_dir_that_cannot_be_written_falls_back_to_tmp(tmp_path, corpus):
    """As in Keras: a cache_dir that does not exist (or is not writable) means /tmp/.keras."""
    subdir = str(tmp_path / "absolute_subdir")  # keeps the test's file out of the real /tmp/.keras
    path = keras.utils.get_file("c.txt", url(corpus), cache_dir=str(tmp_path / "no_such_folder"),
                                cache_subdir=subdir)
    assert path == os.path.join(subdir, "c.txt")
    assert not (tmp_path / "no_such_folder").exists()


def test_messages_go_to_the_keras_logger_without_interactive_logging(cache, corpus, capsys,
                                                                     caplog):
    keras.config.disable_interactive_logging()
    try:
        with caplog.at_level(logging.INFO, logger="keras"):
            keras.utils.get_file(origin=url(corpus), cache_dir=cache)
    finally:
        keras.config.enable_interactive_logging()
    assert capsys.readouterr().out == ""
    assert caplog.messages[0] == f"Downloading data from {url(corpus)}"


# ----------------------------------------------------------------------------------- extraction
@pytest.fixture
def archives(tmp_path):
    server = tmp_path / "server"
    server.mkdir(exist_ok=True)
    members = {"flowers/rose.txt": b"rose", "flowers/tulip/1.txt": b"tulip", "README": b"read"}
    return {"zip": write_zip(server / "flowers.zip", members),
            "tar.gz": write_tar_gz(server / "flowers.tar.gz", members)}


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_extract_with_a_dotted_fname_makes_an_extracted_folder(cache, archives, kind):
    path = keras.utils.get_file(f"flowers.{kind}", url(archives[kind]), cache_dir=cache,
                                extract=True)
    assert path == str(cache / "datasets" / "flowers_extracted")
    assert files_under(path) == ["README", "flowers/rose.txt", "flowers/tulip/1.txt"]
    assert sorted(os.listdir(cache / "datasets")) == [f"flowers.{kind}", "flowers_extracted"]


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_extract_without_fname_names_the_folder_after_the_url(cache, archives, kind):
    """Keras 3.15's rule: the folder takes the URL's file name, the archive gets ``_archive``."""
    path = keras.utils.get_file(origin=url(archives[kind]), cache_dir=cache, extract=True)
    assert path == str(cache / "datasets" / f"flowers.{kind}")
    assert os.path.isdir(path)
    assert files_under(path) == ["README", "flowers/rose.txt", "flowers/tulip/1.txt"]
    assert os.path.isfile(cache / "datasets" / f"flowers.{kind}_archive")


def test_untar_with_a_bare_fname_extracts_into_that_folder(cache, archives):
    path = keras.utils.get_file("flowers", url(archives["tar.gz"]), cache_dir=cache, untar=True)
    assert path == str(cache / "datasets" / "flowers")
    assert files_under(path) == ["README", "flowers/rose.txt", "flowers/tulip/1.txt"]
    assert os.path.isfile(cache / "datasets" / "flowers_archive")


def test_extraction_runs_again_on_a_cached_archive(cache, archives):
    path = keras.utils.get_file("f.zip", url(archives["zip"]), cache_dir=cache, extract=True)
    os.remove(os.path.join(path, "README"))
    keras.utils.get_file("f.zip", url(archives["zip"]), cache_dir=cache, extract=True)
    assert "README" in files_under(path)


def test_a_file_of_another_format_is_not_extracted(cache, archives, corpus):
    with pytest.warns(UserWarning, match="Could not extract archive."):
        path = keras.utils.get_file("f.tar.gz", url(archives["tar.gz"]), cache_dir=cache,
                                    extract=True, archive_format="zip")
    assert path == str(cache / "datasets" / "f_extracted")
    assert not os.path.exists(path)
    with pytest.warns(UserWarning, match="Could not extract archive."):
        keras.utils.get_file("c.txt", url(corpus), cache_dir=cache, extract=True)


def test_an_unknown_archive_format_is_refused_before_downloading(cache, archives):
    with pytest.raises(ValueError, match="`archive_format` must be .* received "
                                         "archive_format='rar'"):
        keras.utils.get_file(origin=url(archives["zip"]), cache_dir=cache, extract=True,
                             archive_format="rar")
    assert not (cache / "datasets").exists()


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_members_escaping_the_folder_are_skipped_with_a_warning(cache, tmp_path, kind):
    members = {"ok.txt": b"ok", "../escaped.txt": b"bad", "sub/../../escaped2.txt": b"bad",
               "/tmp/absolute.txt": b"bad"}
    source = tmp_path / f"evil.{kind}"
    if kind == "zip":
        write_zip(source, members)
    else:
        write_tar_gz(source, members)
    with pytest.warns(UserWarning, match="Skipping invalid path during archive extraction") as seen:
        path = keras.utils.get_file(f"evil.{kind}", url(source), cache_dir=cache, extract=True)
    skipped = {str(warning.message).split("'")[1] for warning in seen}
    assert skipped == {"../escaped.txt", "sub/../../escaped2.txt", "/tmp/absolute.txt"}
    assert files_under(path) == ["ok.txt"]
    assert files_under(cache) == ["datasets/evil.{}".format(kind), "datasets/evil_extracted/ok.txt"]


def test_links_pointing_outside_the_folder_are_skipped(cache, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"secret")
    source = write_tar_gz(tmp_path / "links.tar.gz", {"data/a.txt": b"a"},
                          links=[("data/inside", "a.txt"), ("data/outside", "../../../secret.txt"),
                                 ("data/absolute", str(secret))])
    with pytest.warns(UserWarning) as seen:
        path = keras.utils.get_file("links.tar.gz", url(source), cache_dir=cache, extract=True)
    assert sorted(str(w.message) for w in seen) == [
        "Skipping invalid path during archive extraction: 'data/absolute'.",
        "Skipping invalid path during archive extraction: 'data/outside'."]
    assert files_under(path) == ["data/a.txt", "data/inside"]
    assert open(os.path.join(path, "data", "inside"), "rb").read() == b"a"


def test_a_failed_extraction_leaves_no_half_extracted_folder(cache, tmp_path):
    """Python's "data" filter refuses a device (here a pipe) after the first member is written:
    the extraction fails and its folder goes."""
    source = tmp_path / "pipe.tar"
    with tarfile.open(source, "w") as archive:
        info = tarfile.TarInfo("a.txt")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"a"))
        pipe = tarfile.TarInfo("pipe")
        pipe.type = tarfile.FIFOTYPE
        archive.addfile(pipe)
    with pytest.raises(tarfile.TarError, match="pipe"):
        keras.utils.get_file("pipe.tar", url(source), cache_dir=cache, extract=True)
    assert sorted(os.listdir(cache / "datasets")) == ["pipe.tar"]
