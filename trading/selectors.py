"""Reads that pages, exports and the API share."""

from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.utils import timezone

from . import audit
from .choices import NoticeKind
from .models import AuditEvent, Lot, Notice, Project
from .rules import ProjectPolicy


def workspace_projects(user):
    return ProjectPolicy.workspace(user, Project.objects.select_related("center", "tenderee", "agent")).prefetch_related(
        Prefetch("lots", queryset=Lot.objects.order_by("number"))
    )


def public_projects():
    return (
        Project.objects.filter(documents_published_at__isnull=False)
        .select_related("center", "tenderee", "agent")
        .prefetch_related(Prefetch("lots", queryset=Lot.objects.order_by("number")))
        .order_by("-documents_published_at")
    )


def public_notices(kind: str | None = None):
    qs = Notice.objects.filter(published_at__isnull=False).select_related("project", "project__center")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-published_at")


def project_notices(project):
    return project.notices.filter(published_at__isnull=False).order_by("published_at")


def audit_events(user, project=None, action_prefix: str = ""):
    """The trail as a supervisor (or the center's staff) may read it."""
    if project is not None:
        qs = AuditEvent.objects.filter(project=project)
    else:
        qs = AuditEvent.objects.filter(project__in=ProjectPolicy.workspace(user))
    if action_prefix:
        qs = qs.filter(action__startswith=action_prefix)
    return hide_sealed_events(qs).select_related("project").order_by("-seq")


def numbered_page(events, page_number, per_page: int = 50):
    """One page of the trail, each event numbered by its place among those the reader may see
    (the oldest is 1). The chain's own sequence counts every event, the hidden ones too: its
    gaps would count and time the bids, so no reader is shown it (nor the row's key)."""
    page = Paginator(events, per_page).get_page(page_number)
    page.object_list = list(page.object_list)
    first = page.paginator.count - page.start_index() + 1  # the events come newest first
    for offset, event in enumerate(page.object_list):
        event.number = first - offset
    return page


def hide_sealed_events(qs, now=None):
    """Leave out, until their project's deadline, the events that would tell who is bidding."""
    now = now or timezone.now()
    secret = Q()
    for prefix in audit.confidential_prefixes():
        secret |= Q(action__startswith=prefix)
    return qs.exclude(secret & (Q(project__bid_deadline__gt=now) | Q(project__bid_deadline__isnull=True)))


NOTICE_KINDS_PUBLIC = [k for k in NoticeKind.values]
