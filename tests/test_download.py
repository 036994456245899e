"""Downloading MNIST from a local HTTP server on 127.0.0.1 that serves ../shared/data/idx,
and misbehaves on request: corrupt bytes, cut transfers, 404s, stalls."""

import functools
import http.server
import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from compute.storage import data, datasets, download
from compute.storage.download import DownloadCancelled, DownloadError
from compute.engine.training import Training
from compute.settings import Settings


@functools.cache
def gzip_bomb(size):
    """A gzip file of ``size`` zero bytes (about a thousandth of that, compressed)."""
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    return b"".join(packer.compress(block) for _ in range(size >> 20)) + packer.flush()


class Server:
    """A loopback HTTP server; ``behaviour[name]`` picks how a file is served."""

    def __init__(self, folder):
        self.files = {p.name: p.read_bytes() for p in (folder / "idx").glob("*.gz")}
        self.bomb = gzip_bomb(1 << 30)
        self.behaviour = {}
        self.requests = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                server.requests.append(name)
                how = server.behaviour.get(name, "ok")
                if self.path.startswith("/malformed/"):  # not HTTP at all
                    self.wfile.write(b"HTTP/1.1 two hundred OK\r\nnonsense\r\n\r\n")
                    self.close_connection = True
                    return
                if how == "bomb":  # a gzip that expands to 1 GB of zeros
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(server.bomb)))
                    self.end_headers()
                    self.wfile.write(server.bomb)
                    return
                body = server.files.get(name)
                if body is None or how == "404":
                    self.send_error(404)
                    return
                if how == "corrupt":
                    body = body[:1000] + bytes([body[1000] ^ 0xFF]) + body[1001:]
                if how == "endless":  # no length said, and more bytes than any MNIST file
                    self.send_response(200)
                    self.end_headers()
                    try:
                        for _ in range(4000):
                            self.wfile.write(bytes(1 << 16))
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # the client stopped reading: that is the test
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if how == "stall":
                    time.sleep(3)
                if how == "hang":  # silent far longer than a user waits for Cancel
                    time.sleep(20)
                try:
                    if how == "trickle":  # a byte at a time: never silent for long
                        for byte in body[:400]:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(0.05)
                        return
                    if how == "truncate":
                        self.wfile.write(body[: len(body) // 2])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout or a cancel): that is the test

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/mnist/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(mnist_dir):
    served = Server(mnist_dir)
    yield served
    served.close()


def listing(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_verifies_converts_and_trains(server, tmp_path):
    seen = []
    folder, fetched = download.download(tmp_path / "cache", server.url, progress=seen.append)
    assert fetched and folder == tmp_path / "cache"
    assert seen[-1].done == seen[-1].total > 11_000_000  # "11 MB"
    assert all(a.done <= b.done for a, b in zip(seen, seen[1:]))
    assert data.TRAIN_HDF5 in listing(folder) and data.TEST_HDF5 in listing(folder)
    assert not [n for n in listing(folder) if n.endswith(".part")]
    pair = data.load_folder(folder)
    assert pair.describe() == "60,000 train / 10,000 test, K=10 classes, d=784 features"
    last = Training(pair, Settings(batch_size=100, learning_rate=0.5, epochs=1, eval_every=60000)).run()
    assert last.test_accuracy > 0.9

    server.requests.clear()
    _, fetched_again = download.download(folder, server.url)
    assert not fetched_again and server.requests == []  # the cache is valid: nothing fetched


@pytest.mark.slow
@pytest.mark.parametrize("how,words", [
    ("corrupt", "checksum mismatch"),
    ("truncate", "transfer cut short"),
    ("404", "HTTP 404"),
    ("stall", "no answer within 1 s"),
    ("endless", "more than 7,905,552 bytes: not this file"),
    ("trickle", "not done within 3 s"),
])
def test_failures_name_the_file_and_leave_the_cache_clean(server, tmp_path, how, words, monkeypatch):
    monkeypatch.setattr(download, "DEADLINE_TIMEOUTS", 3)  # a whole transfer: 3 x the 1 s timeout
    cache = tmp_path / "cache"
    server.behaviour["t10k-images-idx3-ubyte.gz"] = how
    with pytest.raises(DownloadError) as caught:
        download.download(cache, server.url, timeout=1)
    message = str(caught.value)
    assert message.startswith("t10k-images-idx3-ubyte.gz: could not be downloaded")
    assert words in message and "\n" not in message
    # the files that verified before stay; nothing partial, no HDF5 from a half set
    assert listing(cache) == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]


@pytest.mark.slow
def test_a_good_file_is_never_replaced_by_a_bad_one(server, tmp_path):
    cache = tmp_path / "cache"
    download.download(cache, server.url)
    (cache / data.TRAIN_HDF5).unlink()  # force a new download of what is missing
    before = (cache / "t10k-labels-idx1-ubyte.gz").read_bytes()
    (cache / "t10k-labels-idx1-ubyte.gz").write_bytes(b"damaged")
    server.behaviour["t10k-labels-idx1-ubyte.gz"] = "corrupt"
    with pytest.raises(DownloadError):
        download.download(cache, server.url)
    assert (cache / "train-images-idx3-ubyte.gz").is_file()  # good files untouched
    server.behaviour.clear()
    download.download(cache, server.url)
    assert (cache / "t10k-labels-idx1-ubyte.gz").read_bytes() == before


def test_cancel_midway_changes_nothing(server, tmp_path):
    cache = tmp_path / "cache"
    state = {"calls": 0}

    def cancel_after_a_few_chunks():
        state["calls"] += 1
        return state["calls"] > 5

    with pytest.raises(DownloadCancelled, match="nothing was changed"):
        download.download(cache, server.url, cancelled=cancel_after_a_few_chunks)
    assert listing(cache) == []


def test_offline_says_how_to_get_the_files(tmp_path):
    with pytest.raises(DownloadError, match="train-images-idx3-ubyte.gz: could not be downloaded "
                                            r"\(cannot connect"):
        download.download(tmp_path / "cache", "http://127.0.0.1:9/", timeout=2)
    done = subprocess.run([sys.executable, "-m", "app", "download", "--to", str(tmp_path / "cache"),
                           "--mirror", "http://127.0.0.1:9/", "--timeout", "2"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    error = done.stderr.strip().splitlines()[-1]  # after what is left of the progress bar
    assert error.startswith("softmax-lab: error: train-images-idx3-ubyte.gz: could not be downloaded")
    assert "cannot connect" in error and "then pass --data DIR" in error
    # It names the files and an address to get them from with a browser.
    assert "t10k-labels-idx1-ubyte.gz from https://" in error and datasets.MNIST.mirrors[0] in error


@pytest.mark.slow
def test_download_command_and_environment_mirror(server, tmp_path):
    cache = tmp_path / "cache"
    done = subprocess.run([sys.executable, "-m", "app", "download", "--to", str(cache)],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "SOFTMAX_LAB_MIRROR": server.url})
    assert done.returncode == 0, done.stderr
    assert "downloaded, verified and converted" in done.stdout
    again = subprocess.run([sys.executable, "-m", "app", "download", "--to", str(cache),
                            "--mirror", server.url], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "nothing to download" in again.stdout
    server.behaviour["train-labels-idx1-ubyte.gz"] = "404"
    failed = subprocess.run([sys.executable, "-m", "app", "download", "--to", str(tmp_path / "other"),
                             "--mirror", server.url], capture_output=True, text=True, timeout=600)
    assert failed.returncode == 2 and "HTTP 404" in failed.stderr and "Traceback" not in failed.stderr
    trained = subprocess.run([sys.executable, "-m", "app", "train", "--data", str(cache), "--json",
                              "--quiet", "--eval-every", "60000"],
                             capture_output=True, text=True, timeout=600)
    assert json.loads(trained.stdout)["test_accuracy"] > 0.85


@pytest.mark.slow
def test_gui_empty_state_download_completes_and_leaves_the_window_ready(
        qtbot, server, tmp_path, monkeypatch, no_qt_leaks):
    from PySide6.QtCore import QSettings

    from app.gui import build_window

    monkeypatch.setenv("SOFTMAX_LAB_MIRROR", server.url)
    monkeypatch.setenv("SOFTMAX_LAB_DATA", str(tmp_path / "nothing"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # the user data folder
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = build_window(store=store)
    window.show()
    assert window.pages.currentWidget() is window.empty
    progress = []
    window.controller.downloadProgress.connect(progress.append)
    with qtbot.waitSignal(window.controller.dataChanged, timeout=120_000):
        window.empty.download_button.click()
        assert window.download_dialog is not None and window.download_dialog.isVisible()
        assert window.findChild(type(window.download_dialog), "downloadDialog") is window.download_dialog
    assert progress and progress[-1].done == progress[-1].total
    assert window.download_dialog is None
    assert window.pages.currentWidget() is not window.empty
    assert window.start_button.isEnabled()
    assert (tmp_path / "xdg" / "softmax-lab" / "mnist" / data.TRAIN_HDF5).is_file()
    window.close()


def test_gui_download_failure_is_a_message(qtbot, server, tmp_path, monkeypatch, no_qt_leaks):
    from PySide6.QtCore import QSettings

    from app.gui import build_window

    server.behaviour["train-images-idx3-ubyte.gz"] = "404"
    monkeypatch.setenv("SOFTMAX_LAB_MIRROR", server.url)
    monkeypatch.setenv("SOFTMAX_LAB_DATA", str(tmp_path / "nothing"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # the user data folder
    window = build_window(store=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window.show()
    with qtbot.waitSignal(window.controller.downloadFailed, timeout=60_000):
        window.download_data()
    assert "HTTP 404" in window.last_message and window.download_dialog is None
    assert window.pages.currentWidget() is window.empty
    window.close()


@pytest.mark.slow
def test_only_verified_bytes_reach_the_data_folder(server, tmp_path, mnist_dir):
    import shutil

    folder = tmp_path / "cache"
    folder.mkdir()
    for path in (mnist_dir / "idx").glob("*.gz"):
        shutil.copy(path, folder / path.name)
    # A well-formed raw labels file, all zeros, lying beside its verified .gz ...
    (folder / "train-labels-idx1-ubyte").write_bytes(
        bytes([0, 0, 8, 1]) + (60000).to_bytes(4, "big") + bytes(60000))
    # ... and converted-looking HDF5 files that this module did not write.
    for name in (data.TRAIN_HDF5, data.TEST_HDF5):
        data.write_course_hdf5(folder / name, np.zeros((20, 784), np.uint8), np.arange(20) % 2, 2)
    assert not download.cache_is_valid(folder)
    download.download(folder, server.url, timeout=5)
    assert download.cache_is_valid(folder)
    pair = data.load_folder(folder)
    assert pair.train.n_samples == 60000 and pair.n_classes == 10
    np.testing.assert_array_equal(np.bincount(pair.train.labels)[:3], [5923, 6742, 5958])


# Fashion-MNIST: its files are not on this machine, so the loopback server has only
# MNIST's. Served as Fashion-MNIST they must fail its checksums; the path that succeeds is
# tested with the Fashion-MNIST source given MNIST's checksums (the real bytes, verified,
# into Fashion-MNIST's own folder, with its class names).


def test_fashion_mnist_refuses_files_that_are_not_it(server, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # the user data folder
    with pytest.raises(DownloadError) as caught:
        download.download(mirror=server.url, source=datasets.FASHION_MNIST)
    message = str(caught.value)
    assert message == ("train-images-idx3-ubyte.gz: could not be downloaded (checksum mismatch "
                       "(the file is corrupt or not Fashion-MNIST))")
    assert listing(tmp_path / "xdg" / "softmax-lab" / "fashion-mnist") == []  # nothing unverified kept
    assert not (tmp_path / "xdg" / "softmax-lab" / "mnist").exists()
    assert caught.value.by_hand.startswith("Get train-images-idx3-ubyte.gz, ")
    assert datasets.FASHION_MNIST.mirrors[0] in caught.value.by_hand
    done = subprocess.run([sys.executable, "-m", "app", "download", "--dataset", "fashion-mnist",
                           "--to", str(tmp_path / "cli"), "--mirror", server.url],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    error = done.stderr.strip().splitlines()[-1]
    assert "not Fashion-MNIST" in error and datasets.FASHION_MNIST.mirrors[0] in error


@pytest.mark.slow
def test_a_second_data_set_gets_its_own_folder_and_class_names(server, tmp_path, monkeypatch):
    import dataclasses

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # the user data folder
    source = dataclasses.replace(datasets.FASHION_MNIST, files=datasets.MNIST.files)
    server.behaviour["t10k-labels-idx1-ubyte.gz"] = "corrupt"
    with pytest.raises(DownloadError, match="checksum mismatch"):
        download.download(mirror=server.url, source=source)
    server.behaviour.clear()
    folder, fetched = download.download(mirror=server.url, source=source)
    assert fetched and folder == tmp_path / "xdg" / "softmax-lab" / "fashion-mnist"
    assert (folder / data.CLASSES_TXT).read_text().splitlines()[0] == "T-shirt/top"
    pair = data.load_folder(folder)
    assert pair.class_names == datasets.FASHION_MNIST.class_names
    assert download.cache_is_valid(folder, source)
    assert not download.cache_is_valid(folder, datasets.FASHION_MNIST)  # not its real bytes
    # Without its class names the cache is incomplete: they come back, nothing is fetched.
    (folder / data.CLASSES_TXT).unlink()
    server.requests.clear()
    download.download(mirror=server.url, source=source)
    assert server.requests == [] and data.load_folder(folder).class_names[-1] == "Ankle boot"
    assert not (tmp_path / "xdg" / "softmax-lab" / "mnist").exists()  # MNIST's folder is another one


def test_gui_offers_both_data_sets(qtbot, server, tmp_path, monkeypatch, no_qt_leaks):
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QPushButton

    from app.gui import build_window

    monkeypatch.setenv("SOFTMAX_LAB_MIRROR", server.url)
    monkeypatch.setenv("SOFTMAX_LAB_DATA", str(tmp_path / "nothing"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # the user data folder
    window = build_window(store=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window.show()
    assert window.findChild(QAction, "downloadAction").text().startswith("&Download MNIST (11 MB)")
    fashion = window.findChild(QAction, "downloadFashionAction")
    assert fashion.text() == "Download &Fashion-MNIST (30 MB)…"
    assert window.findChild(QPushButton, "emptyDownloadFashionButton").isVisible()
    with qtbot.waitSignal(window.controller.downloadFailed, timeout=60_000):
        fashion.trigger()
        assert window.download_dialog.windowTitle() == "Download Fashion-MNIST"
    assert "not Fashion-MNIST" in window.last_message
    assert datasets.FASHION_MNIST.mirrors[0] in window.last_message
    assert window.pages.currentWidget() is window.empty
    window.close()


def test_cancel_during_a_silent_transfer_acts_at_once(server, tmp_path):
    server.behaviour["train-images-idx3-ubyte.gz"] = "hang"
    started = time.monotonic()
    threading.Timer(0.5, lambda: stop.set()).start()
    stop = threading.Event()
    with pytest.raises(DownloadCancelled):
        download.download(tmp_path / "cache", server.url, cancelled=stop.is_set, timeout=60)
    # It did not wait for the server's 20 s of silence (nor the 60 s timeout).
    assert time.monotonic() - started < 10
    assert not [n for n in listing(tmp_path / "cache") if n.endswith(".part")]


def test_a_gzip_bomb_is_never_inflated_past_the_file_it_claims_to_be(server, tmp_path):
    bomb = tmp_path / "bomb.gz"
    bomb.write_bytes(server.bomb)
    megabytes = []
    assert download.sha256_of_idx(bomb, datasets.RAW_SIZES["train-images-idx3-ubyte"],
                                  cancelled=lambda: megabytes.append(1) and False) is None
    assert len(megabytes) <= 46  # stopped at the 47 MB the real file has, not 1,024
    server.behaviour["train-images-idx3-ubyte.gz"] = "bomb"
    with pytest.raises(DownloadError, match="checksum mismatch"):
        download.download(tmp_path / "cache", server.url)


def test_a_malformed_reply_is_one_mirror_failing_and_the_next_is_tried(server, tmp_path):
    from dataclasses import replace

    base = server.url.removesuffix("mnist/")
    source = replace(datasets.MNIST, mirrors=(base + "malformed/", server.url))
    folder, fetched = download.download(tmp_path / "cache", source=source)
    assert fetched and data.TRAIN_HDF5 in listing(folder)
    only_bad = replace(datasets.MNIST, mirrors=(base + "malformed/",))
    with pytest.raises(DownloadError, match="a malformed reply"):
        download.download(tmp_path / "other", source=only_bad)


@pytest.mark.slow
def test_two_downloads_into_one_folder_never_share_a_file(server, tmp_path):
    server.behaviour["train-images-idx3-ubyte.gz"] = "stall"
    first = {}
    thread = threading.Thread(target=lambda: first.update(result=download.download(tmp_path / "cache", server.url)))
    thread.start()
    while not server.requests:
        time.sleep(0.01)
    with pytest.raises(DownloadError, match="another download into this folder is running"):
        download.download(tmp_path / "cache", server.url)
    thread.join(60)
    assert first["result"][1] is True
    assert data.load_folder(tmp_path / "cache").train.n_samples == 60_000


def test_cancel_while_verifying_is_a_cancel_not_a_bad_file(server, tmp_path):
    bomb = tmp_path / "bomb.gz"
    bomb.write_bytes(server.bomb)
    with pytest.raises(DownloadCancelled):
        download.sha256_of_idx(bomb, datasets.RAW_SIZES["train-images-idx3-ubyte"], cancelled=lambda: True)
