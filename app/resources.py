"""Files shipped with Softmax Lab, found by one lookup in every kind of install.

``resources/`` at the top of the source tree is installed as the package
``app._resources`` (setup.py): ``importlib.resources`` finds it in an editable install,
a wheel in a venv or pipx, ``pip install --user`` and the standalone bundle alike.
"""

import sys
from importlib.resources import files
from pathlib import Path

from app import __version__

#: The folder of shipped files (a real folder in every install we make: h5py and Qt
#: open these files by path).
RESOURCES = Path(str(files("app._resources")))
#: Weights trained by ``scripts/bundle_weights.sh``, so that the canvas and ``softmax-lab
#: predict`` work before any training or download: the ``best-features`` preset on MNIST
#: (deskewed digits' gradient histograms, 99.1% test accuracy), which both use unless
#: told otherwise, and the ``best`` preset on pixels (92.6%; the course's schema and shape).
BUNDLED_BEST = RESOURCES / "weights" / "mnist-softmax-features.hdf5"
BUNDLED_PIXELS = RESOURCES / "weights" / "mnist-softmax.hdf5"
#: The application's icon: scalable, and a 256-pixel PNG for where SVG is not read.
ICON_SVG = RESOURCES / "icons" / "softmax-lab.svg"
ICON_PNG = RESOURCES / "icons" / "softmax-lab.png"


def version():
    """Softmax Lab's version (one source: ``app.__version__``, which the package
    metadata is built from)."""
    return __version__


def program():
    """The command that starts this installation of Softmax Lab: the bundle's own
    executable, else the ``softmax-lab`` script beside this interpreter, else this
    interpreter with ``-m app``."""
    if getattr(sys, "frozen", False):  # the PyInstaller bundle
        return [sys.executable]
    script = Path(sys.executable).with_name("softmax-lab")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "app"]
