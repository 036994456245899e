"""The shape of the house: import-linter's contracts from pyproject.toml all hold."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert lint, "import-linter is a test dependency: pip install -e '.[test]'"
    done = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    sections = (ROOT / "pyproject.toml").read_text().split("[[tool.importlinter.contracts]]")[1:]
    contracts = [dict(re.findall(r'^(name|type) = "(.*)"$', section, re.M)) for section in sections]
    assert {c["type"] for c in contracts} >= {"forbidden", "layers"}
    for contract in contracts:
        assert f"{contract['name']} KEPT" in done.stdout, done.stdout
