#!/usr/bin/env bash
# Build Softmax Lab as a standalone one-folder bundle (no Python needed to run it):
#   scripts/build_bundle.sh [OUT_DIR]      (default: dist/; $PYTHON picks the interpreter)
# gives OUT_DIR/softmax-lab/ (start OUT_DIR/softmax-lab/softmax-lab) and
# OUT_DIR/softmax-lab-VERSION-linux-ARCH.tar.gz. The bundle is made from the wheel,
# installed with PyInstaller (the 'bundle' extra) into a fresh environment in a temporary
# folder, so it holds exactly what the wheel does and nothing of the source tree.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/dist}")
python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" -m pip wheel -q --no-deps -w "$work/wheel" "$root"
"$python" -m venv "$work/venv"
# --no-compile: PyInstaller compiles what it collects; this venv is thrown away.
"$work/venv/bin/python" -m pip install -q --no-compile "$(ls "$work"/wheel/*.whl)[bundle]"
mkdir -p "$out"
rm -rf "$out/softmax-lab"
cd "$work"  # away from the source tree
"$work/venv/bin/pyinstaller" --noconfirm --log-level ERROR --distpath "$out" \
    --workpath "$work/build" "$root/scripts/bundle/softmax-lab.spec"
version=$("$out/softmax-lab/softmax-lab" --version | cut -d' ' -f2)
archive="$out/softmax-lab-$version-linux-$(uname -m).tar.gz"
tar -C "$out" -czf "$archive" softmax-lab
echo "built $out/softmax-lab ($(du -sh "$out/softmax-lab" | cut -f1)) and $archive ($(du -sh "$archive" | cut -f1))"
