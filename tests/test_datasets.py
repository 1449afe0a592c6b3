"""Datasets: Keras's loaders, local folders first, downloads verified and atomic, clear errors.

No test touches the internet: downloads come from an HTTP server on 127.0.0.1 serving small files the
test writes.
"""

import gzip
import hashlib
import http.server
import io
import os
import threading

import numpy as np
import pytest

from handkeras.datasets import fashion_mnist, mnist


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
