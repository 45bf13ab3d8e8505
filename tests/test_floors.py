"""The floors (DESIGN.md §2) hold without a reviewer: no lower floor reaches a higher one, by
import (import-linter's layers contract in pyproject.toml), by importlib or by the app registry."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
(FLOORS,) = [c for c in CONFIG["contracts"] if c["type"] == "layers"]
# From the top: each floor may import those below it only.
ORDER = ["demo", "reporting", "evaluation", "bidding", "frontend", "trading", "rooms"]


def test_no_floor_imports_a_higher_one():
    # In a process of its own: the graph is built from the source, not from what this test
    # process has imported and patched.
    done = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
                           "sys.exit(lint_imports(no_cache=True, no_logo=True))"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "1 kept, 0 broken" in done.stdout


def test_every_app_of_the_project_stands_on_a_floor():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps <= set(CONFIG["root_packages"]) and apps <= set(FLOORS["layers"]), apps


@pytest.mark.parametrize("floor", [f for f in ORDER if (ROOT / f).is_dir()])
def test_no_floor_reaches_a_higher_one_by_name(floor):
    """import_module("bidding…") or apps.get_model("bidding", …) in trading would pass the import
    check: they are looked for by name."""
    higher = ORDER[:ORDER.index(floor)]
    if not higher:
        return
    names = "|".join(higher)
    by_name = re.compile(rf"""(import_module|get_model|get_app_config)\(\s*["'](?:{names})\b""")
    found = [f"{path.relative_to(ROOT)}:{n}" for path in (ROOT / floor).rglob("*.py") if "migrations" not in path.parts
             for n, line in enumerate(path.read_text().splitlines(), 1) if by_name.search(line)]
    assert found == []
