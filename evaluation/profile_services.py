"""An expert keeps their own record current: profile, dates away, declared relations; one function per action.

Only the expert themself, on their own record (evaluation.keep_profile). A change of employer
moves the one before into the earlier employers, with its dates, so that the draw's look-back
(evaluation.models.LOOKBACK_YEARS) still sees it. A rejected or retired expert's record is closed."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trading import audit
from trading.errors import NotFound, RuleViolation
from trading.rules import check

from .choices import ExpertStatus, RelationKind
from .models import Absence, Employment, Expert, Relation
from .pool_selectors import masked_phone, specialty_label
from .pool_services import checked_region, checked_specialties, checked_uscc, employment_text, full_clean

CLOSED = (ExpertStatus.REJECTED, ExpertStatus.RETIRED)


def own_expert(user, *, lock: bool = False) -> Expert:
    """The acting expert's own record; NotFound if this account has none (yet)."""
    qs = Expert.objects.select_related("user", "pool")
    if lock:
        qs = qs.select_for_update(of=("self",))
    expert = qs.filter(user_id=getattr(user, "pk", None)).first() if getattr(user, "is_authenticated", False) else None
    if expert is None:
        raise NotFound(_("You have no record in the expert pool."))
    check(user, "evaluation.keep_profile", expert)
    return expert


def _open_record(user) -> Expert:
    expert = own_expert(user, lock=True)
    if expert.status in CLOSED:
        raise RuleViolation(_("Your record is closed (%(status)s): it can no longer be changed.")
                            % {"status": expert.get_status_display()})
    return expert


def update_profile(*, actor, title: str, employer_name: str, employer_uscc: str = "", employed_since: date | None,
                   phone: str, region_code: str, specialties, today: date | None = None) -> Expert:
    """Update the title, employer, phone, region and specialties. A new employer (another name or
    credit code) moves the one before into the earlier employers, ending the day before the new
    one starts."""
    today = today or timezone.localdate()
    with transaction.atomic():
        expert = _open_record(actor)
        values = {"title": title.strip(), "employer_name": employer_name.strip(),
                  "employer_uscc": checked_uscc(employer_uscc, "employer_uscc"), "employed_since": employed_since,
                  "phone": phone.strip(), "region_code": checked_region(region_code)}
        if employed_since is None:
            raise RuleViolation(_("Say since when you work there."), field="employed_since")
        if employed_since > today:
            raise RuleViolation(_("The date you started there cannot be in the future."), field="employed_since")
        chosen = checked_specialties(specialties, keep=expert.specialties.all())
        data = {}
        moved = _move_employer_if_changed(expert, values, today)
        if moved is not None:
            data["earlier_employers"] = [employment_text(moved)]
        for field, value in values.items():
            if getattr(expert, field) != value:
                data[FIELD_KEYS[field]] = masked_phone(value) if field == "phone" else value
                setattr(expert, field, value)
        before = {s.pk for s in expert.specialties.all()}
        if {s.pk for s in chosen} != before:
            data["specialty_codes"] = [specialty_label(s) for s in sorted(chosen, key=lambda s: s.code)]
        if not data:
            return expert
        full_clean(expert)
        expert.save()
        expert.specialties.set(chosen)
        audit.record(actor=actor, action="expert.profile_updated", obj=expert,
                     data={"expert_name": actor.display_name, **data})
    return expert


FIELD_KEYS = {"title": "professional_title", "employer_name": "employer", "employer_uscc": "employer_uscc",
              "employed_since": "employed_since", "phone": "phone", "region_code": "region_code"}


def same_employer(old_name: str, old_uscc: str, new_name: str, new_uscc: str) -> bool:
    """Whether the employer is still the same legal person: the same credit code where both have
    one (a new name of the same company), else the same name (a code added or corrected)."""
    if old_uscc and new_uscc:
        return old_uscc == new_uscc
    return old_name == new_name


def _move_employer_if_changed(expert: Expert, values: dict, today: date) -> Employment | None:
    if same_employer(expert.employer_name, expert.employer_uscc, values["employer_name"], values["employer_uscc"]):
        return None
    started = expert.employed_since or timezone.localdate(expert.enrolled_at)
    if values["employed_since"] <= started:
        raise RuleViolation(_("You started at the new employer on or before you started at %(old)s (%(since)s): "
                              "give the date you started at the new one.")
                            % {"old": expert.employer_name, "since": started.isoformat()}, field="employed_since")
    ended = min(values["employed_since"] - timedelta(days=1), today)
    moved = full_clean(Employment(expert=expert, employer_name=expert.employer_name, employer_uscc=expert.employer_uscc,
                                  started_on=started, ended_on=ended))
    moved.save()
    return moved


# --- dates away -------------------------------------------------------------------------------


def add_absence(*, actor, starts_on: date, ends_on: date, note: str = "", today: date | None = None) -> Absence:
    """Dates the expert is away: never drawn for an evaluation on them."""
    today = today or timezone.localdate()
    if starts_on < today:
        raise RuleViolation(_("Time away cannot start in the past."), field="starts_on")
    if ends_on < starts_on:
        raise RuleViolation(_("The last day away cannot be before the first."), field="ends_on")
    with transaction.atomic():
        expert = _open_record(actor)
        overlap = expert.absences.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).first()
        if overlap is not None:
            raise RuleViolation(_("You are already away from %(start)s to %(end)s: these dates overlap.")
                                % {"start": overlap.starts_on.isoformat(), "end": overlap.ends_on.isoformat()},
                                field="starts_on")
        absence = full_clean(Absence(expert=expert, starts_on=starts_on, ends_on=ends_on, note=note.strip()))
        absence.save()
        audit.record(actor=actor, action="expert.absence_added", obj=expert, data={
            "expert_name": actor.display_name, "away_from": starts_on, "away_until": ends_on, "away_note": absence.note})
    return absence


def remove_absence(*, actor, absence_id, today: date | None = None) -> None:
    """Take back dates away (back early, or plans changed); dates that have passed stay on record."""
    today = today or timezone.localdate()
    with transaction.atomic():
        expert = _open_record(actor)
        absence = expert.absences.filter(pk=absence_id).first()
        if absence is None:
            raise NotFound(_("No such time away."))
        if absence.ends_on < today:
            raise RuleViolation(_("Time away that has passed stays on record."))
        audit.record(actor=actor, action="expert.absence_removed", obj=expert, data={
            "expert_name": actor.display_name, "away_from": absence.starts_on, "away_until": absence.ends_on,
            "away_note": absence.note})
        absence.delete()


# --- declared relations -----------------------------------------------------------------------


def declare_relation(*, actor, kind: str, name: str, uscc: str = "", note: str) -> Relation:
    """A company (by its credit code) or a person (by name) the expert must never judge, and how
    they are related."""
    name, note = (name or "").strip(), (note or "").strip()
    if kind not in RelationKind.values:
        raise RuleViolation(_("Say whether it is a company or a person."), field="kind")
    if not name:
        raise RuleViolation(_("Give the name."), field="name")
    if not note:
        raise RuleViolation(_("Say how you are related."), field="note")
    if kind == RelationKind.COMPANY:
        if not (uscc or "").strip():
            raise RuleViolation(_("Give the company's unified social credit code: the draw screens by it."),
                                field="uscc")
        uscc = checked_uscc(uscc, "uscc")
    else:
        uscc = ""
    with transaction.atomic():
        expert = _open_record(actor)
        same = expert.relations.filter(kind=kind, uscc=uscc) if uscc else expert.relations.filter(kind=kind, name=name)
        if same.exists():
            raise RuleViolation(_("You have declared this relation already."), field="name")
        relation = full_clean(Relation(expert=expert, kind=kind, name=name, uscc=uscc, note=note))
        relation.save()
        audit.record(actor=actor, action="expert.relation_declared", obj=expert, data=_relation_data(actor, relation))
    return relation


def withdraw_relation(*, actor, relation_id) -> None:
    with transaction.atomic():
        expert = _open_record(actor)
        relation = expert.relations.filter(pk=relation_id).first()
        if relation is None:
            raise NotFound(_("No such declared relation."))
        audit.record(actor=actor, action="expert.relation_withdrawn", obj=expert, data=_relation_data(actor, relation))
        relation.delete()


def _relation_data(actor, relation: Relation) -> dict:
    return {"expert_name": actor.display_name, "relation_kind": relation.kind, "related_name": relation.name,
            "related_uscc": relation.uscc, "relation_note": relation.note}
