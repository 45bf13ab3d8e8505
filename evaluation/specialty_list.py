"""The shipped two-level specialty code list (evaluation/data/specialties.json), loaded into a table.

The migration loads it into a new database; `ensure_loaded` loads it again into a database that
was emptied since (`manage.py flush`, a transactional test), so that the demo and the pool's
forms always find the list. Loading twice changes nothing."""

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "specialties.json"


def rows() -> list[dict]:
    return json.loads(DATA.read_text(encoding="utf-8"))  # parents come before their children


def load(Specialty) -> None:
    """Write the list with `Specialty`, the real model or a migration's historical one."""
    by_code = {}
    for row in rows():
        by_code[row["code"]], _ = Specialty.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "name_en": row["name_en"], "parent": by_code.get(row["parent"])},
        )


def ensure_loaded() -> None:
    from .models import Specialty

    if not Specialty.objects.exists():
        load(Specialty)
