"""The scoring part of the room's snapshot: a member sees their own scores, everyone counts only, before the summary; a fixed number of queries."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation.choices import RoomState
from evaluation.room import scoring
from tests.evaluation.scoring_room import score_all, scoring_room

pytestmark = pytest.mark.django_db


def member(s, i):
    return {"role": "member", "member_id": s.members[i].pk, "leader": i == 0}


STAFF = {"role": "staff", "member_id": None, "leader": False}
SUPERVISOR = {"role": "supervisor", "member_id": None, "leader": False}


def test_before_the_summary_a_member_sees_their_own_scores_and_of_the_others_counts_only():
    s = scoring_room(bids=2, members=5, items=2)
    # Each member's points are their own: member i gives 1i.2k (11.25, 12.25…), found nowhere else.
    score_all(s, lambda i, j, k: f"1{i}.{j}{k + 1}", submit=False, members=range(3))
    scoring.submit_scores(actor=s.user(1), lot_id=s.lot_id)
    room = s.fresh()
    for i in range(5):
        part = scoring.snapshot_part(room, member(s, i))
        text = json.dumps(part)
        others = [f"1{o}.{j}{k + 1}" for o in range(3) if o != i for j in range(2) for k in range(2)]
        assert not [p for p in others if p in text], f"member {i} sees another's points"
        mine = sorted(x["points"] for x in part["mine"]["scores"])
        assert mine == (sorted(f"1{i}.{j}{k + 1}" for j in range(2) for k in range(2)) if i < 3 else [])
        assert part["summary"] is None and part["flags"] is None
    part = scoring.snapshot_part(room, member(s, 0))
    assert [(p["scored"], p["needed"], p["submitted"]) for p in part["progress"]] == [
        (4, 4, False), (4, 4, True), (4, 4, False), (0, 4, False), (0, 4, False)]
    assert part["mine"]["submitted"] is False and part["all_submitted"] is False
    for viewer in (STAFF, SUPERVISOR, {"role": "member", "member_id": 12345}):
        part = scoring.snapshot_part(room, viewer)
        assert part["mine"] is None
        text = json.dumps(part)
        assert not [f"1{o}.{j}{k + 1}" for o in range(3) for j in range(2) for k in range(2) if f"1{o}.{j}{k + 1}" in text]
        assert part["progress"][1]["submitted"] is True


def test_the_scoring_part_is_empty_before_the_scoring():
    s = scoring_room(state=RoomState.REVIEWING)
    assert scoring.snapshot_part(s.room, member(s, 0)) == {}


def queries(s, viewer) -> int:
    with CaptureQueriesContext(connection) as captured:
        scoring.snapshot_part(s.fresh(), viewer)
    return len(captured)


def test_the_scoring_part_takes_the_same_queries_whatever_the_lots_size(django_assert_num_queries):
    small = scoring_room(bids=2, members=5, items=1)
    score_all(small, submit=False, members=range(2))
    big = scoring_room(bids=7, members=9, items=5)
    score_all(big, submit=False, members=range(4), bids=range(5))
    for viewer in (lambda s: member(s, 0), lambda s: STAFF):
        counts = {queries(small, viewer(small)), queries(big, viewer(big))}
        assert len(counts) == 1, counts
    big.fresh()
    # members, the review's conclusion (seated, submitted, verdicts, bids, checks; the check names),
    # votes, bids, table, items, counts, submitted, own
    with django_assert_num_queries(14):
        scoring.snapshot_part(big.room, member(big, 0))
