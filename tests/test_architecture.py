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


def test_the_leaf_contract_names_every_other_module_of_compute():
    """A module added to compute must join the kernels' leaf contract, or the kernels
    could import it unseen."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (leaf,) = [c for c in config["contracts"] if c.get("source_modules") == ["compute.kernels"]]
    modules = {f"compute.{p.stem}" for p in (ROOT / "compute").glob("*.py") if p.stem != "__init__"}
    modules |= {f"compute.{p.parent.name}" for p in (ROOT / "compute").glob("*/__init__.py")}
    modules.discard("compute.kernels")
    assert modules <= set(leaf["forbidden_modules"]), modules - set(leaf["forbidden_modules"])


def test_compute_is_in_folders_by_kind():
    """Beside the folders (kernels, engine, storage, studies), compute's top holds only
    what every kind shares: the settings and the errors."""
    top = {p.stem for p in (ROOT / "compute").glob("*.py")}
    assert top == {"__init__", "errors", "settings"}
    folders = {p.parent.name for p in (ROOT / "compute").glob("*/__init__.py")}
    assert folders == {"kernels", "engine", "storage", "studies"}


def test_the_command_line_and_the_settings_import_no_numba():
    """The optimizers' vocabulary sits in the kernels package without loading numba."""
    import subprocess
    import sys

    code = ("import sys, compute.settings, compute.kernels.rules, app.cli; "
            "print('numba' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr


def test_no_module_is_over_400_lines():
    """A module that grows past this has more than one job: split it by job."""
    sizes = {path.relative_to(ROOT): len(path.read_text().splitlines())
             for package in ("app", "compute", "ui", "softmax_lab")
             for path in (ROOT / package).rglob("*.py")}
    assert max(sizes.values()) < 400, sorted(sizes.items(), key=lambda item: -item[1])[:3]
