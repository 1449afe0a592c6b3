"""Datasets: Keras's loaders, local folders first, downloads verified and atomic, clear errors.

No test touches the internet: downloads come from an HTTP server on 127.0.0.1 serving small files the
test writes. The text datasets are stored as Keras stores them (object arrays of lists of word
ranks); what their loaders do is spelled out here by hand, and compared with Keras's own loaders in
tests/reference/test_keras_datasets.py.
"""

import gzip
import hashlib
import http.server
import io
import json
import os
import pickle
import threading

import numpy as np
import pytest

from handkeras.datasets import boston_housing, fashion_mnist, imdb, mnist, reuters


def idx_bytes(array):
    """An IDX file of unsigned bytes for ``array``."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def small_fashion(rng, n_train=6, n_test=4):
    return {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28)),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, n_train),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test),
    }


def write_fashion(folder, arrays):
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        (folder / name).write_bytes(gzip.compress(idx_bytes(array)))


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No user folder, an empty Keras cache, and no Debian folder."""
    monkeypatch.delenv("HANDKERAS_DATASETS", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", str(tmp_path / "no_debian"))
    monkeypatch.setenv("HANDKERAS_DATASETS_ORIGIN", "http://127.0.0.1:9/")  # discard port: refused
    return tmp_path


@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving ``tmp_path / "served"``; yields (folder, base url)."""
    served = tmp_path / "served"
    served.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_fashion_mnist_reads_the_user_folder_first(isolated, monkeypatch):
    rng = np.random.default_rng(0)
    arrays = small_fashion(rng)
    write_fashion(isolated / "mine", arrays)
    write_fashion(isolated / "keras_home" / "datasets" / "fashion-mnist", small_fashion(rng, 3, 2))
    monkeypatch.setenv("HANDKERAS_DATASETS", str(isolated / "mine"))

    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()

    assert x_train.dtype == y_train.dtype == x_test.dtype == y_test.dtype == np.uint8
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte.gz"])
    np.testing.assert_array_equal(x_test, arrays["t10k-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte.gz"])


def test_fashion_mnist_then_keras_cache_then_debian_folder(isolated, monkeypatch):
    rng = np.random.default_rng(1)
    debian = small_fashion(rng, 5, 3)
    write_fashion(isolated / "no_debian", debian)
    (x_train, _), _ = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, debian["train-images-idx3-ubyte.gz"])

    cached = small_fashion(rng, 2, 2)
    write_fashion(isolated / "keras_home" / "datasets" / "fashion-mnist", cached)
    (x_train, _), _ = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, cached["train-images-idx3-ubyte.gz"])


def test_fashion_mnist_downloads_into_the_keras_cache(isolated, server, monkeypatch):
    served, url = server
    arrays = small_fashion(np.random.default_rng(2))
    write_fashion(served, arrays)
    monkeypatch.setenv("HANDKERAS_DATASETS_ORIGIN", url)

    (x_train, y_train), _ = fashion_mnist.load_data()

    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte.gz"])
    cache = isolated / "keras_home" / "datasets" / "fashion-mnist"
    assert sorted(p.name for p in cache.iterdir()) == sorted(fashion_mnist.FILES)


def test_missing_files_without_network_say_where_and_how(isolated):
    with pytest.raises(OSError) as error:
        fashion_mnist.load_data()
    message = str(error.value)
    assert "train-images-idx3-ubyte.gz" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert str(isolated / "keras_home" / "datasets" / "fashion-mnist") in message
    assert "127.0.0.1:9" in message
    assert "HANDKERAS_DATASETS" in message
    assert not list((isolated / "keras_home" / "datasets" / "fashion-mnist").glob("*.part"))


@pytest.mark.parametrize("damage", ["truncate_gzip", "truncate_data", "bad_magic", "label_count"])
def test_corrupt_fashion_files_raise_instead_of_returning_wrong_arrays(isolated, monkeypatch, damage):
    arrays = small_fashion(np.random.default_rng(3))
    folder = isolated / "mine"
    write_fashion(folder, arrays)
    monkeypatch.setenv("HANDKERAS_DATASETS", str(folder))
    target = folder / "train-images-idx3-ubyte.gz"
    raw = gzip.decompress(target.read_bytes())
    if damage == "truncate_gzip":
        target.write_bytes(target.read_bytes()[:-20])
    elif damage == "truncate_data":
        target.write_bytes(gzip.compress(raw[:-1]))
    elif damage == "bad_magic":
        target.write_bytes(gzip.compress(b"\x00\x00\x09\x03" + raw[4:]))
    else:
        write_fashion(folder, {"train-labels-idx1-ubyte.gz": np.zeros(5)})
    with pytest.raises(ValueError, match="corrupt|truncated|IDX|disagree"):
        fashion_mnist.load_data()


def mnist_npz_bytes(rng):
    buffer = io.BytesIO()
    np.savez(buffer, x_train=rng.integers(0, 256, (60000, 28, 28), dtype=np.uint8),
             y_train=rng.integers(0, 10, 60000, dtype=np.uint8),
             x_test=rng.integers(0, 256, (10000, 28, 28), dtype=np.uint8),
             y_test=rng.integers(0, 10, 10000, dtype=np.uint8))
    return buffer.getvalue()


def test_mnist_downloads_verifies_sha256_and_loads(isolated, server, monkeypatch):
    served, url = server
    payload = mnist_npz_bytes(np.random.default_rng(4))
    (served / "mnist.npz").write_bytes(payload)
    monkeypatch.setenv("HANDKERAS_DATASETS_ORIGIN", url)
    monkeypatch.setattr(mnist, "SHA256", hashlib.sha256(payload).hexdigest())

    (x_train, y_train), (x_test, y_test) = mnist.load_data()

    assert x_train.shape == (60000, 28, 28) and y_test.shape == (10000,)
    assert x_train.dtype == np.uint8
    assert (isolated / "keras_home" / "datasets" / "mnist.npz").read_bytes() == payload


def test_mnist_download_with_wrong_hash_saves_nothing(isolated, server, monkeypatch):
    served, url = server
    (served / "mnist.npz").write_bytes(mnist_npz_bytes(np.random.default_rng(5)))
    monkeypatch.setenv("HANDKERAS_DATASETS_ORIGIN", url)

    with pytest.raises(OSError, match="SHA-256"):
        mnist.load_data()
    cache = isolated / "keras_home" / "datasets"
    assert not cache.exists() or not list(cache.iterdir())


def test_mnist_reads_a_local_file_and_rejects_a_corrupt_one(isolated, monkeypatch):
    folder = isolated / "mine"
    folder.mkdir()
    payload = mnist_npz_bytes(np.random.default_rng(6))
    (folder / "mnist.npz").write_bytes(payload)
    monkeypatch.setenv("HANDKERAS_DATASETS", str(folder))
    (x_train, _), _ = mnist.load_data()
    assert x_train.shape == (60000, 28, 28)

    (folder / "mnist.npz").write_bytes(payload[: len(payload) // 2])
    with pytest.raises(ValueError, match="mnist.npz"):
        mnist.load_data()


@pytest.mark.skipif(not os.path.isdir(fashion_mnist.DEBIAN_DIR),
                    reason="dataset-fashion-mnist is not installed")
def test_real_fashion_mnist_has_keras_shapes():
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert x_train.dtype == np.uint8 and set(np.unique(y_train)) == set(range(10))


# --------------------------------------------------------------- IMDB, Reuters, Boston Housing
def lists(texts):
    """The texts as lists (Keras's object array is 2-D when all texts have one length)."""
    return [list(text) for text in texts]


def ragged(*texts):
    array = np.empty(len(texts), dtype=object)
    array[:] = [list(text) for text in texts]
    return array


@pytest.fixture
def folder(isolated, monkeypatch):
    """A $HANDKERAS_DATASETS folder the loaders read from."""
    mine = isolated / "mine"
    mine.mkdir()
    monkeypatch.setenv("HANDKERAS_DATASETS", str(mine))
    return mine


def unshuffled(monkeypatch, module):
    """Make the loader's shuffle the identity, so that the expectations below read in order."""
    class InOrder:
        def __init__(self, seed):
            self.seed = seed

        def shuffle(self, order):
            pass
    monkeypatch.setattr(module.np.random, "RandomState", InOrder)


def write_imdb(folder, x_train, y_train, x_test, y_test):
    np.savez(folder / "imdb.npz", x_train=x_train, y_train=np.array(y_train),
             x_test=x_test, y_test=np.array(y_test))


def test_imdb_marks_the_start_shifts_the_ranks_and_limits_the_vocabulary(folder, monkeypatch):
    unshuffled(monkeypatch, imdb)
    write_imdb(folder, ragged([1, 2, 7], [5]), [1, 0], ragged([3, 9, 1]), [0])

    (x_train, y_train), (x_test, y_test) = imdb.load_data()
    # start_char 1, then rank + index_from 3; as in Keras, the largest index (12) is outside the
    # default vocabulary, [0, 12), and becomes oov_char 2
    assert lists(x_train) == [[1, 4, 5, 10], [1, 8]]
    assert lists(x_test) == [[1, 6, 2, 4]]
    assert y_train.tolist() == [1, 0] and y_test.tolist() == [0]
    assert x_train.dtype == object and y_train.dtype == np.int64
    assert all(type(word) is int for text in x_train for word in text)

    (x_train, _), (x_test, _) = imdb.load_data(num_words=8, skip_top=2)
    assert lists(x_train) == [[2, 4, 5, 2], [2, 2]]  # outside [2, 8): oov_char 2
    (x_train, _), _ = imdb.load_data(num_words=8, skip_top=2, oov_char=None)
    assert lists(x_train) == [[4, 5], []]  # outside: dropped
    (x_train, _), _ = imdb.load_data(start_char=None, index_from=0, num_words=100)
    assert lists(x_train) == [[1, 2, 7], [5]]


def test_imdb_drops_texts_of_maxlen_words_or_more_and_needs_one_left_in_each_set(folder, monkeypatch):
    unshuffled(monkeypatch, imdb)
    write_imdb(folder, ragged([1, 2, 7], [5]), [1, 0], ragged([3], [4, 4, 4, 4]), [0, 1])

    # with the start mark, the texts have 4, 2 and 2, 5 words
    (x_train, y_train), (x_test, y_test) = imdb.load_data(maxlen=3, num_words=100)
    assert lists(x_train) == [[1, 8]] and y_train.tolist() == [0]
    assert lists(x_test) == [[1, 6]] and y_test.tolist() == [0]
    with pytest.raises(ValueError, match="maxlen=2"):
        imdb.load_data(maxlen=2)


def test_imdb_shuffles_each_set_with_the_seed(folder):
    texts = ragged(*[[rank] for rank in range(1, 21)])
    write_imdb(folder, texts, list(range(20)), texts, list(range(20)))
    (x_train, y_train), (x_test, y_test) = imdb.load_data(seed=5, num_words=100)
    assert sorted(y_train.tolist()) == list(range(20)) and y_train.tolist() != list(range(20))
    assert [text[1] - 3 for text in x_train] == [label + 1 for label in y_train]  # pairs kept
    assert y_test.tolist() != y_train.tolist()  # the test set gets the generator's next draw
    (again, _), _ = imdb.load_data(seed=5, num_words=100)
    assert lists(again) == lists(x_train)


def test_reuters_splits_after_shuffling_and_names_its_46_topics(folder):
    texts = ragged(*[[rank, rank] for rank in range(1, 11)])
    np.savez(folder / "reuters.npz", x=texts, y=np.arange(10))
    (x_train, y_train), (x_test, y_test) = reuters.load_data(test_split=0.3, num_words=100)
    assert len(x_train) == 7 and len(x_test) == 3
    assert sorted(y_train.tolist() + y_test.tolist()) == list(range(10))
    assert lists(x_train) == [[1, label + 4, label + 4] for label in y_train]
    names = reuters.get_label_names()
    assert len(names) == 46 and names[:3] == ("cocoa", "grain", "veg-oil")
    with pytest.raises(ValueError, match="test_split"):
        reuters.load_data(test_split=1.5)


def test_boston_housing_shuffles_and_splits_its_rows(folder):
    x = np.arange(50 * 13, dtype=np.float64).reshape(50, 13)
    np.savez(folder / "boston_housing.npz", x=x, y=x[:, 0] / 13)
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data()
    assert x_train.shape == (40, 13) and x_test.shape == (10, 13) and y_test.shape == (10,)
    assert np.array_equal(np.vstack([x_train, x_test])[:, 0] / 13, np.concatenate([y_train, y_test]))
    assert sorted(y_train.tolist() + y_test.tolist()) == list(range(50))
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=1)


def test_word_indices_are_read_from_the_folder_and_downloads_check_keras_s_md5(
        folder, server, monkeypatch):
    (folder / "imdb_word_index.json").write_text(json.dumps({"the": 1, "film": 2}))
    assert imdb.get_word_index() == {"the": 1, "film": 2}

    served, url = server
    payload = json.dumps({"said": 1}).encode()
    (served / "reuters_word_index.json").write_bytes(payload)
    monkeypatch.setenv("HANDKERAS_DATASETS_ORIGIN", url)
    with pytest.raises(OSError, match="MD5"):
        reuters.get_word_index()  # the served file is not Keras's
    monkeypatch.setattr(reuters, "WORD_INDEX_HASH", hashlib.md5(payload).hexdigest())
    assert reuters.get_word_index() == {"said": 1}


class Payload:
    """What a tampered file could hold instead of word lists."""

    def __reduce__(self):
        return (print, ("this must never run",))


def test_a_text_file_holding_anything_but_arrays_and_lists_is_refused_unrun(folder, capsys):
    bad = np.empty(1, dtype=object)
    bad[0] = Payload()
    np.savez(folder / "reuters.npz", x=bad, y=np.zeros(1, np.int64))
    with pytest.raises(ValueError, match="reuters.npz.*builtins.print"):
        reuters.load_data()
    assert "must never run" not in capsys.readouterr().out
    assert pickle.loads(pickle.dumps(Payload())) is None  # the payload would run if unpickled


def test_damaged_files_name_themselves(folder):
    (folder / "imdb.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="imdb.npz"):
        imdb.load_data()
    (folder / "boston_housing.npz").write_bytes(b"")
    with pytest.raises(ValueError, match="boston_housing.npz"):
        boston_housing.load_data()
    (folder / "imdb_word_index.json").write_text("{not json")
    with pytest.raises(ValueError, match="imdb_word_index.json"):
        imdb.get_word_index()


def test_absent_text_files_without_network_say_where_and_how(isolated):
    with pytest.raises(OSError) as error:
        imdb.load_data()
    assert "imdb.npz" in str(error.value) and "HANDKERAS_DATASETS" in str(error.value)
