"""Loads the two-level specialty code list shipped in evaluation/data/specialties.json."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "specialties.json"


def load(apps, schema_editor):
    Specialty = apps.get_model("evaluation", "Specialty")
    by_code = {}
    for row in json.loads(DATA.read_text(encoding="utf-8")):  # parents come before their children
        by_code[row["code"]], _ = Specialty.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "name_en": row["name_en"], "parent": by_code.get(row["parent"])},
        )


def unload(apps, schema_editor):
    codes = [row["code"] for row in json.loads(DATA.read_text(encoding="utf-8"))]
    Specialty = apps.get_model("evaluation", "Specialty")
    Specialty.objects.filter(code__in=codes, parent__isnull=False).delete()
    Specialty.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_pool_and_draw")]
    operations = [migrations.RunPython(load, unload)]
