"""The opening hall's pages: the hall, its record PDF, a custodian's encrypted share.

The hall page is a shell the WebSocket fills while the bids are to be opened, and the outcome,
read-only, after."""

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _, pgettext

from trading import lifecycle
from trading.choices import Role
from trading.errors import DomainError, PageNotFound
from trading.stages import stage_of

from . import hall as hall_services
from . import services
from .choices import Confirmation, HallState, OpeningOutcome, OpeningStatus
from .hall import states as hall_states
from .hall.events import HALL_EVENTS
from .models import OpeningHall
from .rules import is_bidder
from .views import _json_error, _lot_or_404


def hall_page(request, lot_id):
    """The opening hall: anyone may watch, the public included. While the bids are to be opened
    the page is a shell: the hall itself arrives over the WebSocket (bidding/consumers.py), where
    the server decides from the session what this visitor may see and do. Once the lot is past
    its opening (or will never have one) the page leads with the outcome, read-only: when it
    ended, what was read, the record; or that the lot failed and why. Its proceedings follow,
    replayed, where the hall opened."""
    lot = _lot_or_404(lot_id)
    project = lot.project
    now = timezone.now()
    lifecycle.sync_clock(project, now)  # at or after the deadline, bidding closes now
    lot.refresh_from_db(fields=["state", "state_changed_at"])
    stage = stage_of(lot, now, with_reason=True)
    hall = OpeningHall.objects.filter(lot=lot).defer("record_pdf").first()
    live = not stage.is_past_opening
    # A hall that never got past waiting (a lot cancelled before its deadline) has nothing to replay.
    proceedings = live or (hall is not None and hall.state in hall_states.FINISHED)
    rules = services.sealing_rules(project)
    labels = {
        "state": {c.value: str(c.label) for c in HallState},
        "status": {c.value: str(c.label) for c in OpeningStatus},
        "outcome": {c.value: str(c.label) for c in OpeningOutcome if c.value},
        "confirmation": {c.value: str(c.label) for c in Confirmation},
        "kinds": {kind.name: str(kind.label) for kind in HALL_EVENTS},  # the log's names (trading.event_text's too)
        "role": {"host": _("Opening host"), "supervisor": pgettext("role", "Supervisor"),
                 "custodian": str(Role.CUSTODIAN.label), "bidder": str(Role.BIDDER.label), "public": _("Public viewer")},
    }
    items = [{"key": i["key"], "label": i.get("label", i["key"]), "type": i.get("type")}
             for i in rules.declared_items]
    organization = request.user.organization if is_bidder(request.user) else None
    return render(request, "bidding/hall.html", {
        "lot": lot, "project": project, "rules": rules, "organization": organization,
        "stage": stage, "live": live, "proceedings": proceedings, "hall": hall,
        "bids_read": hall.openings.filter(read_at__isnull=False).count() if hall and not live else None,
        "labels_json": json.dumps(labels, ensure_ascii=False), "items_json": json.dumps(items, ensure_ascii=False),
        "rules_json": json.dumps(hall_states.page_rules()),
    })


def hall_record(request, lot_id):
    """The opening record (PDF), public once the opening has ended; its SHA-256 is the digest
    the hall announced."""
    lot = _lot_or_404(lot_id)
    hall = OpeningHall.objects.filter(lot=lot, state=HallState.ENDED).first()
    if hall is None or not hall.record_pdf:
        raise PageNotFound(_("The opening record is published once the opening has ended."))
    response = HttpResponse(bytes(hall.record_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="opening-record-{lot.project.code}-lot{lot.number}.pdf"'
    return response


@login_required
def hall_share(request, lot_id):
    """A key custodian's own encrypted share of the tender's opening key, to open in its
    browser with its key file at the opening."""
    try:
        blob = hall_services.custodian_share_file(actor=request.user, lot_id=lot_id)
    except DomainError as err:
        return _json_error(err)
    response = HttpResponse(blob, content_type="application/octet-stream")
    response["Content-Disposition"] = 'attachment; filename="opening-share.age"'
    response["Cache-Control"] = "no-store"
    return response
