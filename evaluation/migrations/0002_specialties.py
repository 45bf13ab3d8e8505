"""Loads the two-level specialty code list shipped in evaluation/data/specialties.json."""

from django.db import migrations

from evaluation import specialty_list


def load(apps, schema_editor):
    specialty_list.load(apps.get_model("evaluation", "Specialty"))


def unload(apps, schema_editor):
    codes = [row["code"] for row in specialty_list.rows()]
    Specialty = apps.get_model("evaluation", "Specialty")
    Specialty.objects.filter(code__in=codes, parent__isnull=False).delete()
    Specialty.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_pool_and_draw")]
    operations = [migrations.RunPython(load, unload)]
