"""The evaluation room's page: a shell the WebSocket fills (evaluation/consumers.py).

Only the lot's seated committee members, its center staff and the supervisors over it get the
page; to anyone else the room does not exist (404, the same as the socket's 4404), so that
nobody outside learns who sits on the committee. Everything the page shows comes from the
room's snapshot and events; its words are the server's labels and the browser's catalog."""

import json

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from trading.errors import NotFound, PageNotFound

from .choices import CheckKind, ItemCategory, PriceFormula, RoomState
from .room import viewing
from .room.events import ROOM_EVENTS
from trading.choices import EvaluationMethod


def labels() -> dict:
    """The names the page shows for the server's values, in the page's language."""
    return {
        "state": {c.value: str(c.label) for c in RoomState},
        "kinds": {kind.name: str(kind.label) for kind in ROOM_EVENTS},
        "role": {"member": _("Committee member"), "staff": _("Trading center staff"),
                 "supervisor": pgettext("role", "Supervisor")},
        "method": {c.value: str(c.label) for c in EvaluationMethod},
        "formula": {c.value: str(c.label) for c in PriceFormula},
        "check_kind": {c.value: str(c.label) for c in CheckKind},
        "category": {c.value: str(c.label) for c in ItemCategory},
    }


@login_required
def room_page(request, lot_id):
    """评标室: the committee's live room for one lot."""
    try:
        room, viewer = viewing.viewer_for(request.user, lot_id)
    except NotFound as err:
        raise PageNotFound(err.message) from err
    lot = room.lot
    return render(request, "evaluation/room.html", {
        "room": room, "lot": lot, "project": lot.project, "viewer": viewer,
        "labels_json": json.dumps(labels(), ensure_ascii=False),
    })
