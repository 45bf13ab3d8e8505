"""The report's part of the room's snapshot: nothing before the summary; after it the dissents,
the report's digest and links, who has signed or refused, and a member's own registered key; in
a fixed number of queries however many have answered; never the PDF's bytes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation.choices import RoomState
from evaluation.models import EvaluationRoom
from evaluation.room import report
from tests.evaluation.reported import DISSENT, public_b64, summarized_room

pytestmark = pytest.mark.django_db


class Viewer:
    def __init__(self, role, member_id=None):
        self.role, self.member_id = role, member_id


def part(s, viewer):
    room = EvaluationRoom.objects.defer("report_pdf").get(pk=s.room.pk)
    with CaptureQueriesContext(connection) as queries:
        shown = report.snapshot_part(room, viewer)
    return shown, len(queries)


def test_nothing_before_the_summary():
    s = summarized_room(with_keys=False)
    for state in (RoomState.GATHERING, RoomState.REVIEWING, RoomState.SCORING):
        s.room.state = state
        s.room.save(update_fields=["state"])
        assert part(s, Viewer("member", s.members[0].pk)) == ({}, 0)


def test_after_the_summary_every_viewer_sees_the_dissents_and_a_member_their_own_key():
    s = summarized_room()
    report.record_dissent(actor=s.user(2), lot_id=s.lot_id, reason=DISSENT)
    mine, _n = part(s, Viewer("member", s.members[1].pk))
    assert mine["made"] is False and mine["pdf_url"] is None
    assert [(d["member"], d["reasons"]) for d in mine["dissents"]] == [(s.members[2].pk, DISSENT)]
    assert mine["your_key"] == public_b64(s.keys[1])
    assert mine["message_prefix"] == "kaibiao/evaluation-report v1:"
    staff, _n = part(s, Viewer("staff"))
    assert staff["your_key"] is None and staff["dissents"] == mine["dissents"]


def test_who_has_answered_in_a_fixed_number_of_queries():
    s = summarized_room()
    report.make_report(actor=s.user(0), lot_id=s.lot_id)
    sha = s.fresh().report_sha256
    report.sign_report(actor=s.user(0), lot_id=s.lot_id, signature=s.sign(0), report_sha256=sha)
    one, few = part(s, Viewer("member", s.members[0].pk))
    assert one["made"] and one["sha256"] == sha and one["pdf_url"].endswith("/report.pdf")
    assert [(a["member"], a["answer"]) for a in one["answers"]] == [(s.members[0].pk, "signed")]
    report.refuse_signature(actor=s.user(1), lot_id=s.lot_id, reason=DISSENT)
    for i in (2, 3):
        report.sign_report(actor=s.user(i), lot_id=s.lot_id, signature=s.sign(i), report_sha256=sha)
    four, more = part(s, Viewer("member", s.members[0].pk))
    assert len(four["answers"]) == 4 and more == few <= 3
    refused = next(a for a in four["answers"] if a["member"] == s.members[1].pk)
    assert refused == {**refused, "answer": "refused", "reason": DISSENT, "public_key": ""}
    assert part(s, Viewer("supervisor"))[1] == few - 1  # no key to look up
