"""Reads of the expert pool that the pages share: which experts a person may see, filtered, and the specialty list.

The pool is the province center's; its keepers and the staff and supervisors of every center
below it read it (evaluation.rules.reads_the_pool); nobody else reads any of it. An expert
reads only their own record (evaluation.profile_services.own_expert)."""

import re

from django.core.paginator import Paginator
from django.db.models import Q
from django.utils.translation import get_language

from trading.choices import CenterLevel, Role
from trading.models import AuditEvent, Center

from .choices import ExpertStatus
from .models import Expert, Specialty
from .rules import pool_center

PER_PAGE = 50
ID_LIKE = re.compile(r"^[0-9]{4,17}[0-9Xx]?$")


def pool_of(user) -> Center | None:
    """The pool a staff member or supervisor reads: the province center at the top of their network."""
    if getattr(user, "role", None) not in (Role.STAFF, Role.SUPERVISOR) or user.center_id is None:
        return None
    return pool_center(user.center)


def visible_experts(user):
    """The experts this person may read: the whole pool of their network, or none."""
    pool = pool_of(user)
    if pool is None:
        return Expert.objects.none()
    return Expert.objects.filter(pool=pool)


def filtered_experts(user, *, status: str = "", specialty: Specialty | None = None, region: str = "", query: str = ""):
    """The pool as the list shows it: by status, specialty (a top-level one takes in its
    children), region (a code's beginning: 4502 is every region of 柳州), name or ID number."""
    qs = visible_experts(user)
    if status:
        qs = qs.filter(status=status)
    if specialty is not None:
        codes = Specialty.objects.filter(Q(pk=specialty.pk) | Q(parent=specialty)).values("pk")
        qs = qs.filter(pk__in=Expert.specialties.through.objects.filter(specialty__in=codes).values("expert_id"))
    if region:
        qs = qs.filter(region_code__startswith=region)
    query = query.strip()
    if query:
        qs = qs.filter(id_number__startswith=query.upper()) if ID_LIKE.match(query) else qs.filter(
            Q(user__full_name__icontains=query) | Q(user__username__iexact=query))
    return qs.select_related("user").prefetch_related("specialties").order_by("-enrolled_at", "pk")


def page_of(queryset, number):
    return Paginator(queryset, PER_PAGE).get_page(number)


def pending_applications(user, limit: int = 20):
    """The applications waiting for a keeper of this pool, oldest first."""
    return visible_experts(user).filter(status=ExpertStatus.PENDING).select_related("user").order_by("enrolled_at")[:limit]


def pending_count(user) -> int:
    return visible_experts(user).filter(status=ExpertStatus.PENDING).count()


def province_centers():
    """The pools an expert may apply to: each province center keeps one."""
    return Center.objects.filter(level=CenterLevel.PROVINCE, parent__isnull=True).order_by("region_code", "name")


def expert_history(expert):
    """The expert's audit events (enrolment, each review step, each change of the profile), newest first."""
    return AuditEvent.objects.filter(object_type="evaluation.expert", object_id=str(expert.pk)).order_by("-seq")


# --- the specialty list ---------------------------------------------------------------------


def specialty_name(specialty: Specialty) -> str:
    """The specialty's name in the page's language (the list ships both)."""
    if (get_language() or "").startswith("en") and specialty.name_en:
        return specialty.name_en
    return specialty.name


def specialty_label(specialty: Specialty) -> str:
    return f"{specialty.code} {specialty_name(specialty)}"


def specialty_tree(*, active_only: bool = False) -> list[tuple[Specialty, list[Specialty]]]:
    """The two-level list: each top-level specialty with its children, in code order."""
    rows = list(Specialty.objects.order_by("code"))
    if active_only:
        rows = [s for s in rows if s.active]
    tops = [s for s in rows if s.parent_id is None]
    return [(top, [s for s in rows if s.parent_id == top.pk]) for top in tops]


def specialty_choices(*, keep=()) -> list:
    """The second-level specialties to choose from, grouped under their top level (a grouped
    multiple choice): the active ones, and those in `keep` (an expert's own, deactivated since)."""
    keep_ids = {s.pk for s in keep}
    groups = []
    for top, children in specialty_tree():
        shown = [(s.pk, specialty_label(s)) for s in children if (s.active and top.active) or s.pk in keep_ids]
        if shown:
            groups.append((specialty_label(top), shown))
    return groups


# --- what a reader who is not a keeper sees of personal data ----------------------------------


def masked_id(number: str) -> str:
    return f"{number[:6]}{'*' * 8}{number[14:]}" if len(number) == 18 else "*" * len(number)


def masked_phone(phone: str) -> str:
    digits = phone.strip()
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else "****"
