"""An expert enrols in the network's pool, and the pool's keepers review them: one function per action.

Each action takes the acting user first (the new applicant, for an enrolment), checks the
permission and the rule here, runs in one transaction, writes its audit event and raises a
trading.errors.DomainError a person can act on; the error names the form field it concerns."""

import re
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trading import audit
from trading.choices import CenterLevel, Role
from trading.errors import NotFound, PermissionDenied, RuleViolation
from trading.models import Center, User
from trading.rules import check
from trading.uscc import USCCError
from trading.uscc import check as check_uscc

from . import idcard
from .models import Employment, Expert, Specialty
from .pool_selectors import masked_id, specialty_label, visible_experts
from .review_steps import STEPS, ReviewStep

REGION = re.compile(r"^[0-9]{6}$")


@dataclass
class EarlierEmployer:
    employer_name: str
    started_on: date
    ended_on: date
    employer_uscc: str = ""


# --- fetch and authorize ---------------------------------------------------------------------


def access_expert(user, expert_id, *, perm: str = "evaluation.view_pool", lock: bool = False) -> Expert:
    """Fetch an expert of the pool and check `perm` on them in one call. An expert the person may
    not read at all (not their network's pool, or not a reader) is reported as not found."""
    check(user, "evaluation.view_pool")
    qs = visible_experts(user).select_related("user", "pool")
    if lock:
        qs = qs.select_for_update(of=("self",))
    expert = qs.filter(pk=expert_id).first()
    if expert is None:
        raise NotFound(_("No such expert in the pool."))
    check(user, perm, expert)
    return expert


# --- checks shared by the enrolment and the profile --------------------------------------------


def checked_id_number(raw: str) -> str:
    try:
        return idcard.check(raw)
    except idcard.IDNumberError as err:
        raise RuleViolation(err.message, field="id_number") from err


def checked_uscc(raw: str, field: str) -> str:
    if not (raw or "").strip():
        return ""
    try:
        return check_uscc(raw)
    except USCCError as err:
        raise RuleViolation(err.message, field=field) from err


def checked_region(code: str) -> str:
    code = (code or "").strip()
    if not REGION.match(code):
        raise RuleViolation(_("A region is its administrative division code: 6 digits, for example 450103."),
                            field="region_code")
    return code


def checked_specialties(chosen, *, keep=()) -> list[Specialty]:
    """At least one second-level specialty, each in use (or one the expert already has)."""
    chosen = list(chosen)
    if not chosen:
        raise RuleViolation(_("Choose at least one specialty."), field="specialties")
    kept = {s.pk for s in keep}
    for specialty in chosen:
        if specialty.parent_id is None:
            raise RuleViolation(_("Choose specialties of the second level (such as A0101), not a whole field."),
                                field="specialties")
        if not specialty.active and specialty.pk not in kept:
            raise RuleViolation(_("The specialty %(specialty)s is no longer in use: choose another.")
                                % {"specialty": specialty_label(specialty)}, field="specialties")
    return chosen


def checked_since(since: date | None, today: date) -> date:
    if since is None:
        raise RuleViolation(_("Say since when you work there."), field="employed_since")
    if since > today:
        raise RuleViolation(_("The date you started there cannot be in the future."), field="employed_since")
    return since


def checked_employments(rows, today: date) -> list[EarlierEmployer]:
    for row in rows:
        if row.ended_on < row.started_on:
            raise RuleViolation(_("An earlier employment ends before it starts (%(name)s).") % {"name": row.employer_name})
        if row.ended_on > today:
            raise RuleViolation(_("An earlier employment cannot end in the future (%(name)s).") % {"name": row.employer_name})
        row.employer_uscc = checked_uscc(row.employer_uscc, "employer_uscc")
    return list(rows)


def full_clean(obj, **kwargs):
    """A model's own validation, said as a RuleViolation on its first field."""
    try:
        obj.full_clean(**kwargs)
    except ValidationError as err:
        errors = getattr(err, "message_dict", {None: err.messages})
        field, messages = next(iter(errors.items()))
        raise RuleViolation(" ".join(messages), field=None if field == "__all__" else field) from err
    return obj


# --- enrolment ------------------------------------------------------------------------------


def enrol_expert(*, username: str, password: str, full_name: str, email: str, pool: Center, id_number: str,
                 title: str, employer_name: str, employer_uscc: str = "", employed_since: date | None,
                 region_code: str, phone: str, specialties, employments=(), today: date | None = None) -> Expert:
    """A person creates an expert account and applies to the pool, in one go. The application
    waits for the pool's keepers (status pending)."""
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise RuleViolation(_("This user name is taken."), field="username")
        user = User(username=username, full_name=full_name, email=email, role=Role.EXPERT)
        try:
            validate_password(password, user)
        except ValidationError as err:
            raise RuleViolation(" ".join(err.messages), field="password") from err
        user.set_password(password)
        full_clean(user)
        user.save()
        return enrol_account(actor=user, pool=pool, id_number=id_number, title=title, employer_name=employer_name,
                             employer_uscc=employer_uscc, employed_since=employed_since, region_code=region_code,
                             phone=phone, specialties=specialties, employments=employments, today=today)


def enrol_account(*, actor: User, pool: Center, id_number: str, title: str, employer_name: str,
                  employer_uscc: str = "", employed_since: date | None, region_code: str, phone: str, specialties,
                  employments=(), today: date | None = None) -> Expert:
    """An expert account that has no pool record yet applies to the pool (the enrolment's second
    half; an account made by an administrator starts here)."""
    today = today or timezone.localdate()
    if getattr(actor, "role", None) != Role.EXPERT:
        raise PermissionDenied(_("Only an expert account enrols in the expert pool."))
    if pool is None or pool.level != CenterLevel.PROVINCE or pool.parent_id is not None:
        raise RuleViolation(_("Choose the pool of a province center: it serves every center below it."), field="pool")
    number = checked_id_number(id_number)
    values = {
        "title": title.strip(), "employer_name": employer_name.strip(),
        "employer_uscc": checked_uscc(employer_uscc, "employer_uscc"),
        "employed_since": checked_since(employed_since, today), "region_code": checked_region(region_code),
        "phone": phone.strip(),
    }
    chosen = checked_specialties(specialties)
    rows = checked_employments(employments, today)
    with transaction.atomic():
        if Expert.objects.filter(user=actor).exists():
            raise RuleViolation(_("This account has already applied to the expert pool."))
        if Expert.objects.filter(id_number=number).exists():
            raise RuleViolation(_("An expert with this identity card number has already applied to the pool. "
                                  "If it is yours, log in with that account."), field="id_number")
        expert = full_clean(Expert(user=actor, pool=pool, id_number=number, **values))
        expert.save()
        expert.specialties.set(chosen)
        for row in rows:
            full_clean(Employment(expert=expert, employer_name=row.employer_name, employer_uscc=row.employer_uscc,
                                  started_on=row.started_on, ended_on=row.ended_on)).save()
        audit.record(actor=actor, action="expert.enrolled", obj=expert, data={
            "expert_name": actor.display_name, "id_number": masked_id(number), "pool": pool.name,
            "professional_title": expert.title, "employer": expert.employer_name,
            "employer_uscc": expert.employer_uscc, "region_code": expert.region_code,
            "specialty_codes": [specialty_label(s) for s in chosen],
            "earlier_employers": [employment_text(row) for row in rows],
        })
    return expert


def employment_text(row) -> str:
    return f"{row.employer_name} {row.started_on.isoformat()}—{row.ended_on.isoformat()}"


# --- review by the pool's keepers -------------------------------------------------------------


def check_review(*, actor, expert: Expert, step: str, reason: str = "") -> ReviewStep:
    """The keeper may take this step on this expert now, with this reason; else why not."""
    check(actor, "evaluation.review_expert", expert)
    found = STEPS.get(step)
    if found is None:
        raise RuleViolation(_("No such step."))
    if not found.allowed_from(expert.status):
        raise RuleViolation(_("“%(step)s” cannot be taken on an expert whose status is “%(status)s”.")
                            % {"step": found.label, "status": expert.get_status_display()})
    if found.needs_reason and not (reason or "").strip():
        raise RuleViolation(_("Give the reason: the expert reads it."), field="reason")
    return found


def review_expert(*, actor, expert: Expert, step: str, reason: str = "", now=None) -> Expert:
    """Take a review step (approve, reject, suspend, reinstate, retire) with its reason; the
    status, its reason and its time are kept on the expert."""
    now = now or timezone.now()
    with transaction.atomic():
        expert = Expert.objects.select_for_update(of=("self",)).select_related("user").get(pk=expert.pk)
        taken = check_review(actor=actor, expert=expert, step=step, reason=reason)
        before = expert.status
        expert.status, expert.status_reason, expert.status_changed_at = taken.target, (reason or "").strip(), now
        expert.save(update_fields=["status", "status_reason", "status_changed_at"])
        audit.record(actor=actor, action=f"expert.{taken.event}", obj=expert, data={
            "expert_name": expert.user.display_name, "status_before": before, "expert_status": expert.status,
            "reason": expert.status_reason,
        })
    return expert
