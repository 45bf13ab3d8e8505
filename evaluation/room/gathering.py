"""The evaluation room's gathering: sign-in, declarations and recusal, the leader's election, pause and resume.

Contract (see room/core.py): each command is a function (*, actor, lot_id, now=None, **fields)
that locks the room, checks the step and who acts, records, appends its events. COMMANDS maps
a WebSocket message type to (function, the message's fields it passes on); FIELDS gives each
field's JSON type. snapshot_part(room, viewer) is this part's piece of the room's snapshot,
in a fixed number of queries whatever the number of bids, members and items."""

from ..choices import SEATED, MemberState
from ..models import CommitteeMember

COMMANDS: dict = {}
FIELDS: dict = {}
LONG_COMMANDS: frozenset = frozenset()

# The members a room lists: those seated, and those who recused themselves in it (the page says so).
LISTED = frozenset({*SEATED, MemberState.RECUSED})


def members(room) -> list[dict]:
    """The room's members in pick order with their progress (one query, kept on the room
    object for the snapshot's other readers)."""
    cached = getattr(room, "_gathering_members", None)
    if cached is not None:
        return cached
    rows = []
    query = (CommitteeMember.objects.filter(draw__lot_id=room.lot_id, state__in=LISTED)
             .select_related("expert__user", "attendance", "leader_vote").order_by("pick"))
    for m in query:
        attendance = getattr(m, "attendance", None)
        vote = getattr(m, "leader_vote", None)
        rows.append({
            "id": m.pk, "name": m.expert.user.display_name, "pick": m.pick,
            "confirmed": m.state == MemberState.CONFIRMED,
            "signed_in": attendance.signed_in_at.isoformat() if attendance else None,
            "declared": attendance.declared_at.isoformat() if attendance and attendance.declared_at else None,
            "recused": m.state == MemberState.RECUSED,
            "leader": room.leader_id == m.pk,
            "voted": vote is not None,
            "vote": vote.candidate_id if vote is not None else None,
            "replaces": m.replaces_id,
        })
    room._gathering_members = rows
    return rows


def snapshot_part(room, viewer) -> dict:
    return {}
