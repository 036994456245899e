#!/usr/bin/env bash
# Regenerate the weights bundled in resources/ (used by the drawing canvas and by
# `softmax-lab predict` without --params) with the project's own trainer.
#   scripts/bundle_weights.sh [MNIST_DIR]     (default: $SOFTMAX_LAB_DATA or ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${SOFTMAX_LAB_DATA:-../shared/data}}"
softmax-lab train --data "$data" --preset best --seed 0 --quiet \
    --save resources/weights/mnist-softmax.hdf5 --json
