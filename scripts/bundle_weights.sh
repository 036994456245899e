#!/usr/bin/env bash
# Regenerate the weights bundled in resources/ with the project's own trainer:
#   mnist-softmax-features.hdf5  the best-features preset (deskewed digits' gradient
#                                histograms): the canvas's and `softmax-lab predict`'s default
#   mnist-softmax.hdf5           the best preset on pixels: the course's schema and shape
#   scripts/bundle_weights.sh [MNIST_DIR]     (default: $SOFTMAX_LAB_DATA or ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${SOFTMAX_LAB_DATA:-../shared/data}}"
for preset in best best-features; do
    out=resources/weights/mnist-softmax.hdf5
    [ "$preset" = best-features ] && out=resources/weights/mnist-softmax-features.hdf5
    softmax-lab train --data "$data" --preset "$preset" --seed 0 --quiet --no-history \
        --save "$out" --json
done
