"""Every audit event the scoring records reads as words: its action named, each key of its data labelled (trading.event_text)."""

import pytest
from django.utils import translation

from evaluation.room import scoring
from tests.evaluation.scoring_room import score_all, scoring_room
from trading import event_text
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db

SCORING_KINDS = {"scoring_progress", "scores_submitted", "score_flagged", "flags_withdrawn", "flag_confirmed",
                 "below_cost_vote", "submission_returned", "tie_drawn", "summarized"}


def test_every_event_of_the_scoring_has_its_keys_labelled_and_its_own_actions_a_name():
    s = scoring_room(bids=3, members=5, items=1, prices=["900000", "900000", "950000"])
    scoring.vote_below_cost(actor=s.user(0), lot_id=s.lot_id, bid_id=s.bids[2].pk, vote="below_cost", reason="偏低")
    score_all(s, lambda i, j, k: "2" if (i, j) == (4, 2) else "15")
    scoring.return_scores(actor=s.leader, lot_id=s.lot_id, member_id=s.members[3].pk, reason="复核")
    scoring.submit_scores(actor=s.user(3), lot_id=s.lot_id)
    scoring.record_score(actor=s.user(4), lot_id=s.lot_id, bid_id=s.bids[2].pk, item_id=s.items[0].pk, points="3")
    scoring.submit_scores(actor=s.user(4), lot_id=s.lot_id)
    scoring.confirm_flag(actor=s.user(4), lot_id=s.lot_id, bid_id=s.bids[2].pk, item_id=s.items[0].pk, reason="坚持")
    scoring.summarize(actor=s.leader, lot_id=s.lot_id)
    events = list(AuditEvent.objects.filter(project=s.lot.project, action__startswith="evaluation."))
    own = {e.action for e in events if e.action.startswith("evaluation.scoring.")}
    assert own == {"evaluation.scoring.score_recorded", "evaluation.scoring.flag_confirmed"}
    assert own <= event_text.named_actions()
    kinds = {e.action.removeprefix("evaluation.room.") for e in events if e.action.startswith("evaluation.room.")}
    assert kinds >= SCORING_KINDS - {"flags_withdrawn"}
    for e in events:
        if e.action.startswith("evaluation.scoring.") or e.action.removeprefix("evaluation.room.") in SCORING_KINDS:
            assert event_text.unlabelled_keys(e.action, e.data) == [], e.action
            with translation.override("zh-hans"):
                text = event_text.summary(e.action, e.data)
            assert "{" not in text and "None" not in text and "True" not in text, (e.action, text)
