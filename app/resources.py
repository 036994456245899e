"""Files shipped with Softmax Lab (``resources/`` at the top of the source tree)."""

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
#: Weights trained by ``scripts/bundle_weights.sh`` (the ``best`` preset on MNIST), so
#: that the canvas and ``softmax-lab predict`` work before any training or download.
BUNDLED_WEIGHTS = RESOURCES / "weights" / "mnist-softmax.hdf5"
