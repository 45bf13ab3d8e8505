"""The public portal: notices, tender pages with their documents, results. No login."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from evaluation.table_selectors import published_tables
from trading import lifecycle, lot_notices, selectors
from trading.choices import NoticeKind


def portal(request):
    now = timezone.now()
    open_projects = [p for p in selectors.public_projects() if p.bidding_open(now)]
    return render(request, "reporting/portal.html", {
        "notices": selectors.public_notices()[:10],
        "open_projects": open_projects[:10],
    })


def notice_list(request):
    kind = request.GET.get("kind") or None
    if kind and kind not in NoticeKind.values:
        kind = None
    page = Paginator(selectors.public_notices(kind), 20).get_page(request.GET.get("page"))
    return render(request, "reporting/notice_list.html", {"page": page, "kind": kind, "kinds": NoticeKind.choices})


def notice_detail(request, pk):
    notice = selectors.public_notices().filter(pk=pk).first()
    if notice is None:
        raise Http404
    return render(request, "reporting/notice_detail.html", {
        "notice": notice, "documents": notice.documents.all(), "figures": lot_notices.shown(notice),
    })


def tender_detail(request, pk):
    project = selectors.public_projects().filter(pk=pk).first()
    if project is None:
        raise Http404
    lifecycle.sync_clock(project, timezone.now())
    return render(request, "reporting/tender_detail.html", {
        "project": project,
        "lots": project.lots.order_by("number").select_related("committee_draw"),  # the draw's page linked
        "notices": selectors.project_notices(project),
        "documents": project.documents.filter(notice__published_at__isnull=False).order_by("uploaded_at"),
        "tables": published_tables(project),  # each lot's scoring table, published with the tender
    })


def tender_list(request):
    page = Paginator(selectors.public_projects(), 20).get_page(request.GET.get("page"))
    return render(request, "reporting/tender_list.html", {"page": page})
