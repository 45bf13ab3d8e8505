"""The code's layout: every module outside the tests says what it is for, and stays short.

Each non-empty .py file of the project (not under tests/, a migrations/ folder, node_modules/,
.venv/ or another hidden folder) opens with a module docstring whose first line is a whole
sentence on its own: a capital letter (or a `quoted name`) to a full stop, then a blank line or
the docstring's end. Each such module has at most 400 lines. Empty files (__init__.py) may
stay empty; the tests are exempt."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXEMPT = {"tests", "migrations", "node_modules"}
MAX_LINES = 400
# The first paragraph, joined into one line: it opens like a sentence and ends like one.
SENTENCE = re.compile(r"^(?:[A-Z]|`[^`]+`).*\S\s.*[.!?][)\"'`]?$")


def modules() -> list[Path]:
    """The project's own non-empty modules, outside the tests and migrations."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if any(part in EXEMPT or part.startswith(".") for part in parts[:-1]):
            continue
        if path.read_text(encoding="utf-8").strip():
            found.append(path)
    return found


def summary(path: Path) -> str | None:
    """The module docstring's first paragraph, or None without a docstring: a one-line summary
    is a paragraph of one line."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    if not doc:
        return None
    return doc.split("\n\n")[0]


def test_the_modules_are_found():
    names = {str(path.relative_to(ROOT)) for path in modules()}
    assert {"manage.py", "trading/models.py", "bidding/urls.py", "bench/bench_hall.py"} <= names
    assert not any(name.startswith(("tests/", ".venv/")) or "/migrations/" in name for name in names)


def test_every_module_opens_with_a_docstring_whose_first_line_is_a_sentence():
    missing, not_a_sentence = [], []
    for path in modules():
        text = summary(path)
        name = str(path.relative_to(ROOT))
        if text is None:
            missing.append(name)
        elif "\n" in text or not SENTENCE.match(text):
            not_a_sentence.append(f"{name}: {text[:80]!r}")
    assert not missing, "modules without a docstring saying what they are for:\n" + "\n".join(missing)
    assert not not_a_sentence, ("module docstrings whose first line is not a one-line sentence:\n"
                                + "\n".join(not_a_sentence))


def test_every_module_is_at_most_400_lines():
    long = [f"{path.relative_to(ROOT)}: {n} lines" for path in modules()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not long, f"modules over {MAX_LINES} lines (split them along their seams):\n" + "\n".join(long)


def test_the_sentence_rule():
    for good in ["The bidding floor's URLs: bid pages, uploads, receipts, the opening hall.",
                 "`manage.py verify_audit`: walks the audit chain.", "Bids (one row per version)."]:
        assert SENTENCE.match(good), good
    for bad in ["bidding urls.", "The bidding floor's URLs", "TODO", "Helpers:"]:
        assert not SENTENCE.match(bad), bad
