"""Every way a user installs Softmax Lab, tried as they would, away from the source tree.

One smoke for each: the editable install the tests run in, the wheel in a fresh venv,
``pip install --user`` (its own HOME and PYTHONUSERBASE) and the standalone bundle. Each
runs in an empty working folder with nothing of the checkout importable and checks what
a new user does first: ``--version``, ``train --preset best`` on real MNIST, ``predict``
a digit picture with the bundled weights, ``self-test`` (the studio opens offscreen,
draws a seven and reads it), and ``install-desktop``. The wheel is built from the sdist,
and the sdist runs tests of its own.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pytest

from app import __version__

ROOT = Path(__file__).resolve().parents[1]
#: The README's figure for the best preset, seed 0 (92.63%).
BEST_TEST_ACCURACY = 0.926

#: pip without compiling every installed module to bytecode first (half of an install's
#: time here; Python compiles what it imports, as it always does for a module without one).
PIP_QUIET = ["-q", "--no-compile"]

#: One worker builds the wheel and the bundle once and tries them all.
pytestmark = [pytest.mark.slow, pytest.mark.install, pytest.mark.xdist_group("install")]


def check(command, timeout=900, **kwargs):
    done = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                          timeout=timeout, **kwargs)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


def clean_env(**changes):
    """The environment of a user's shell: nothing that points into the checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "NUMBA_CACHE_DIR",
                        "PIP_REQUIRE_VIRTUALENV", "PYTHONUSERBASE")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.update({k: str(v) for k, v in changes.items()})
    return env


def open_folder(prefix):
    """A temporary folder that other users may read (pytest's are root-only)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    return folder


@pytest.fixture(scope="session")
def dists(tmp_path_factory):
    """The sdist, and the wheel built from it (python -m build does both, in that order)."""
    out = tmp_path_factory.mktemp("dist")
    check([sys.executable, "-m", "build", "--outdir", out, ROOT], cwd=out)
    (sdist,), (wheel,) = out.glob("*.tar.gz"), out.glob("*.whl")
    return sdist, wheel


@pytest.fixture(scope="session")
def digit_png(mnist_dir, tmp_path_factory):
    """The first MNIST test digit (a 7) as a 112x112 picture, as a user might save one."""
    import h5py
    from PIL import Image

    with h5py.File(mnist_dir / "mnist_testdata.hdf5", "r") as f:
        pixels, label = f["xdata"][0], int(np.argmax(f["ydata"][0]))
    path = open_folder("softmax-lab-digit-") / "digit.png"
    Image.fromarray((pixels.reshape(28, 28) * 255).astype(np.uint8)).resize((112, 112)).save(path)
    path.parent.chmod(0o755)
    path.chmod(0o644)
    yield path, label
    shutil.rmtree(path.parent)


def smoke(program, env, mnist_dir, digit, work, installed=True, train=True):
    """What a new user does first, each in ``work`` (an empty folder that the program's
    user may write); ``installed``: the shipped files must not come from the checkout;
    ``train``: also train, evaluate and self-test (else only what depends on where the
    files went: the version, the bundled weights and the desktop entry)."""
    work.mkdir(parents=True)
    work.chmod(0o777)
    run = lambda *args: check([*program, *args], cwd=work, env=env)  # noqa: E731
    assert run("--version").stdout.strip() == f"softmax-lab {__version__}"
    picture, label = digit
    (prediction,) = json.loads(run("predict", picture, "--json").stdout)
    assert prediction["digit"] == label
    if train:
        first_runs(run, mnist_dir, work, installed)
    desktop_home = work / "xdg-data"
    check([*program, "install-desktop"], cwd=work, env={**env, "XDG_DATA_HOME": str(desktop_home)})
    entry = (desktop_home / "applications" / "softmax-lab.desktop").read_text()
    exec_line = next(line for line in entry.splitlines() if line.startswith("Exec="))
    assert Path(exec_line.split("=", 1)[1].split()[0].strip('"')).is_file(), exec_line
    assert (desktop_home / "icons" / "hicolor" / "256x256" / "apps" / "softmax-lab.png").stat().st_size > 0


def first_runs(run, mnist_dir, work, installed):
    """Train the best preset, evaluate its file, and self-test the studio."""
    result = json.loads(run("train", "--data", mnist_dir, "--preset", "best", "--json",
                            "--quiet", "--save", work / "best.hdf5").stdout)
    assert result["test_accuracy"] >= BEST_TEST_ACCURACY
    evaluated = json.loads(run("evaluate", "--params", work / "best.hdf5", "--data", mnist_dir,
                               "--json").stdout)
    assert evaluated["accuracy"] == pytest.approx(result["test_accuracy"])
    checked = run("self-test", "--data", mnist_dir)
    assert "self-test: passed" in checked.stdout
    assert "read as 7" in checked.stdout and "60,000 train" in checked.stdout
    assert "training: best, finished, test accuracy 92." in checked.stdout
    shipped = next(line for line in checked.stdout.splitlines() if "bundled weights" in line)
    assert installed != (str(ROOT) in shipped), shipped


def test_editable_install_from_an_empty_folder(mnist_dir, digit_png, tmp_path):
    program = [Path(sys.executable).with_name("softmax-lab")]
    smoke(program, clean_env(SOFTMAX_LAB_CACHE=tmp_path / "rows"), mnist_dir, digit_png,
          tmp_path / "work", installed=False)


def test_wheel_in_a_fresh_venv(dists, mnist_dir, digit_png, tmp_path):
    _, wheel = dists
    venv = tmp_path / "venv"
    check([sys.executable, "-m", "venv", venv])
    check([venv / "bin" / "python", "-m", "pip", "install", *PIP_QUIET, wheel], env=clean_env())
    listed = check([venv / "bin" / "python", "-c",
                    "import app, compute.kernels, ui, app._resources, softmax_lab; print(app.__file__, softmax_lab.__file__)"],
                   cwd=tmp_path, env=clean_env()).stdout
    assert str(venv) in listed
    env = clean_env(SOFTMAX_LAB_CACHE=tmp_path / "rows")
    smoke([venv / "bin" / "softmax-lab"], env, mnist_dir, digit_png, tmp_path / "work")
    # The Python API without scikit-learn (the wheel alone does not bring it).
    done = check([venv / "bin" / "python", "-c", WITHOUT_SKLEARN, mnist_dir], cwd=tmp_path / "work", env=env)
    assert float(done.stdout.split()[0]) >= BEST_TEST_ACCURACY, done.stdout
    assert "pip install 'softmax-lab[sklearn]'" in done.stdout, done.stdout


WITHOUT_SKLEARN = """
import importlib.util, sys
import softmax_lab
assert importlib.util.find_spec("sklearn") is None
X_train, y_train, X_test, y_test = softmax_lab.load_dataset(sys.argv[1])
softmax_lab.train(sys.argv[1], "best", history=False).save("python.hdf5")
print(softmax_lab.load("python.hdf5").score(X_test, y_test))
try:
    from softmax_lab import SoftmaxRegression
except ImportError as error:
    print(error)
"""


def test_user_install(dists, mnist_dir, digit_png, tmp_path):
    """``pip install --user``: scripts and packages under PYTHONUSERBASE, no venv."""
    _, wheel = dists
    base = Path(getattr(sys, "_base_executable", sys.executable))
    home, userbase = tmp_path / "home", tmp_path / "userbase"
    home.mkdir()
    env = clean_env(HOME=home, PYTHONUSERBASE=userbase, PIP_BREAK_SYSTEM_PACKAGES=1,
                    SOFTMAX_LAB_CACHE=tmp_path / "rows")
    check([base, "-m", "pip", "install", *PIP_QUIET, "--user", wheel], env=env, cwd=tmp_path)
    program = userbase / "bin" / "softmax-lab"
    assert program.is_file()
    shipped = check([base, "-c", "import app._resources as r; print(list(r.__path__)[0])"],
                    cwd=tmp_path, env=env).stdout
    assert str(userbase) in shipped, shipped
    # Training from this same wheel is the venv smoke's; here, what a user install changes.
    smoke([program], env, mnist_dir, digit_png, tmp_path / "work", train=False)


def test_the_sdist_runs_its_own_tests(dists, mnist_dir, tmp_path):
    """Unpacked, the sdist installs with its test extra and passes its own tests there."""
    sdist, _ = dists
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    (source,) = tmp_path.glob("softmax_lab-*")
    tracked = check(["git", "ls-files", "tests", "scripts", ".ci", "LICENSE"], cwd=ROOT).stdout.split()
    missing = [name for name in tracked if not (source / name).exists()]
    assert not missing, f"the sdist lacks {missing}"
    venv = tmp_path / "venv"
    check([sys.executable, "-m", "venv", venv])
    check([venv / "bin" / "python", "-m", "pip", "install", *PIP_QUIET, f"{source}[test]"], env=clean_env())
    # Run from outside the unpacked tree, so that the installed package is what is tested;
    # in one process (this test already runs beside the others), and files that need no
    # kernels compiled afresh (the wheel smokes train and predict from an install).
    done = check([venv / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
                  source / "tests" / "test_params.py", source / "tests" / "test_architecture.py",
                  source / "tests" / "test_preflight.py"],
                 cwd=tmp_path, env=clean_env(SOFTMAX_LAB_DATA=mnist_dir, CI=os.environ.get("CI", "")))
    assert " passed" in done.stdout and "skipped" not in done.stdout.splitlines()[-1], done.stdout


@pytest.fixture(scope="session")
def bundle():
    """The standalone bundle, built by the repository's script into a folder that other
    users may read."""
    out = open_folder("softmax-lab-bundle-")
    check(["bash", ROOT / "scripts" / "build_bundle.sh", out], env=clean_env())
    yield out
    for path in out.rglob("*"):  # the read-only test took the write bits
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    shutil.rmtree(out)


def test_the_bundle_from_a_read_only_folder(bundle, mnist_dir, digit_png):
    """Unpacked from its tar.gz into a folder its user cannot write (as an administrator
    would install it), run from two working folders: numba's kernels are cached once,
    in the user's cache folder, and the second folder compiles nothing."""
    (archive,) = bundle.glob("softmax-lab-*.tar.gz")
    installed = open_folder("softmax-lab-opt-")
    with tarfile.open(archive) as packed:
        packed.extractall(installed, filter="tar")
    for path in [installed, *installed.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    home = open_folder("softmax-lab-home-")
    home.chmod(0o777)
    program = [installed / "softmax-lab" / "softmax-lab"]
    if os.geteuid() == 0:  # root writes anywhere: run as an ordinary user instead
        program = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *program]
    env = clean_env(HOME=home, XDG_CACHE_HOME="", XDG_DATA_HOME="", SOFTMAX_LAB_CACHE="")
    env = {k: v for k, v in env.items() if v != ""}
    try:
        smoke(program, env, mnist_dir, digit_png, home / "first-folder")
        kernels = home / ".cache" / "softmax-lab" / "numba"
        cached = sorted(p.relative_to(kernels) for p in kernels.rglob("*"))
        assert any(p.suffix == ".nbi" for p in cached), f"no kernel cache in {kernels}"
        smoke(program, env, mnist_dir, digit_png, home / "second-folder")
        assert sorted(p.relative_to(kernels) for p in kernels.rglob("*")) == cached
        assert not list(installed.rglob("__pycache__")), "the bundle wrote into its install folder"
    finally:
        for path in [installed, *installed.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | stat.S_IWUSR)
        shutil.rmtree(installed)
        shutil.rmtree(home, ignore_errors=True)
