"""The specialty code list kept by the province center's staff: add a code, rename it, take it out of use or back.

A code is never deleted: experts and draws name it. A second-level code extends its parent's
by two digits (A0106 under A01); a code out of use is no longer offered to choose, and experts
who have it keep it."""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from trading import audit
from trading.errors import RuleViolation
from trading.rules import check

from .models import Specialty

SECOND_LEVEL_SUFFIX = re.compile(r"^[0-9]{2}$")


def _checked_names(name: str, name_en: str) -> tuple[str, str]:
    name, name_en = (name or "").strip(), (name_en or "").strip()
    if not name:
        raise RuleViolation(_("Give the specialty's name."), field="name")
    if len(name) > Specialty._meta.get_field("name").max_length:
        raise RuleViolation(_("The name is too long."), field="name")
    if len(name_en) > Specialty._meta.get_field("name_en").max_length:
        raise RuleViolation(_("The name is too long."), field="name_en")
    return name, name_en


def next_code(parent: Specialty) -> str:
    """The next free second-level code under a top-level one (A0106 after A0105)."""
    taken = [c.code[len(parent.code):] for c in parent.children.all()]
    numbers = [int(suffix) for suffix in taken if SECOND_LEVEL_SUFFIX.match(suffix)]
    return f"{parent.code}{max(numbers, default=0) + 1:02d}"


def add_specialty(*, actor, parent: Specialty, code: str, name: str, name_en: str = "") -> Specialty:
    """A new second-level specialty under a top-level one."""
    check(actor, "evaluation.edit_specialties")
    code = (code or "").strip().upper()
    name, name_en = _checked_names(name, name_en)
    if parent is None or parent.parent_id is not None:
        raise RuleViolation(_("Choose the top-level field the specialty belongs to."), field="parent")
    if not code.startswith(parent.code) or not SECOND_LEVEL_SUFFIX.match(code[len(parent.code):]):
        raise RuleViolation(_("The code must be the field's code and two digits, for example %(example)s.")
                            % {"example": next_code(parent)}, field="code")
    with transaction.atomic():
        if Specialty.objects.filter(code=code).exists():
            raise RuleViolation(_("The code %(code)s is taken.") % {"code": code}, field="code")
        specialty = Specialty.objects.create(code=code, name=name, name_en=name_en, parent=parent)
        audit.record(actor=actor, action="specialty.added", obj=specialty, data={
            "specialty_code": code, "specialty_name": name, "specialty_name_en": name_en, "parent_code": parent.code})
    return specialty


def change_specialty(*, actor, specialty: Specialty, name: str | None = None, name_en: str | None = None,
                     active: bool | None = None) -> Specialty:
    """Rename a specialty, or take it out of use or back into use (its code never changes)."""
    check(actor, "evaluation.edit_specialties")
    with transaction.atomic():
        specialty = Specialty.objects.select_for_update().get(pk=specialty.pk)
        data = {"specialty_code": specialty.code}
        if name is not None or name_en is not None:
            new_name, new_en = _checked_names(specialty.name if name is None else name,
                                              specialty.name_en if name_en is None else name_en)
            if (new_name, new_en) != (specialty.name, specialty.name_en):
                data.update(name_before=specialty.name, specialty_name=new_name, specialty_name_en=new_en)
                specialty.name, specialty.name_en = new_name, new_en
        if active is not None and active != specialty.active:
            if active and specialty.parent_id and not specialty.parent.active:
                raise RuleViolation(_("Put the field %(code)s back into use first.") % {"code": specialty.parent.code})
            specialty.active = active
            data["specialty_in_use"] = active
        if len(data) == 1:
            return specialty  # nothing changed: no event
        specialty.save()
        audit.record(actor=actor, action="specialty.changed", obj=specialty, data=data)
    return specialty
