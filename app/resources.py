"""Files shipped with Softmax Lab: ``resources/`` at the top of the source tree, or, after
a non-editable install, ``<prefix>/share/softmax-lab`` (pyproject's data-files)."""

import sys
from pathlib import Path

_SOURCE = Path(__file__).resolve().parent.parent / "resources"
_INSTALLED = Path(sys.prefix) / "share" / "softmax-lab"
RESOURCES = _SOURCE if _SOURCE.is_dir() else _INSTALLED
#: Weights trained by ``scripts/bundle_weights.sh`` (the ``best`` preset on MNIST), so
#: that the canvas and ``softmax-lab predict`` work before any training or download.
BUNDLED_WEIGHTS = RESOURCES / "weights" / "mnist-softmax.hdf5"
#: The application's icon: scalable, and a 256-pixel PNG for where SVG is not read.
ICON_SVG = RESOURCES / "icons" / "softmax-lab.svg"
ICON_PNG = RESOURCES / "icons" / "softmax-lab.png"


def version():
    """The installed version of Softmax Lab."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("softmax-lab")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"
