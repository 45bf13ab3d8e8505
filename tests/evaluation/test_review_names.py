"""Every audit event the review records reads as words: its action named, each data key labelled,
in Chinese; none is written as Python or English."""

import pytest
from django.utils import translation

from evaluation.room import questions, review
from tests.evaluation.reviewing import record_all, reviewing, sealed_root  # noqa: F401 - a fixture
from trading import event_text
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_every_review_event_is_named_and_every_key_labelled(sealed_root):  # noqa: F811
    r = reviewing(files=False)
    record_all(r, 1, fail={(0, 0)}, reason="营业执照过期", submit=True)
    review.return_submission(actor=r.user(0), lot_id=r.lot.pk, member_id=r.members[1].pk, reason="请复核")
    for i in range(5):
        record_all(r, i, fail={(0, 0)} if i < 3 else set(), reason="营业执照过期")
    asked = questions.ask_question(actor=r.user(2), lot_id=r.lot.pk, bid_id=r.bids[1]["id"], question="请说明工期",
                                   hours=24)
    questions.answer_question(actor=r.bidders[1], question_id=asked.pk, answer="180天")
    review.start_scoring(actor=r.user(0), lot_id=r.lot.pk)
    events = list(AuditEvent.objects.filter(action__startswith="evaluation.").exclude(action__startswith="evaluation.room.room"))
    actions = {e.action for e in events}
    assert {"evaluation.verdict_recorded", "evaluation.room.review_progress", "evaluation.room.review_submitted",
            "evaluation.room.submission_returned", "evaluation.room.review_concluded", "evaluation.room.question_asked",
            "evaluation.room.question_answered", "evaluation.room.scoring_started"} <= actions
    with translation.override("zh-hans"):
        for event in events:
            if event.action == "evaluation.room.room_opened":
                continue
            assert event_text.action_name(event.action) != event.action, event.action
            assert event_text.unlabelled_keys(event.action, event.data) == [], event.action
        concluded = next(e for e in events if e.action == "evaluation.room.review_concluded")
        text = event_text.summary(concluded.action, concluded.data)
        assert r.bids[0]["bidder"] in text and "营业执照过期0" in text and r.checks[0].name in text
        verdict = next(e for e in events if e.action == "evaluation.verdict_recorded" and e.data["verdict"] == "fail")
        assert "营业执照过期" in event_text.summary(verdict.action, verdict.data)
        assert "{" not in text and "None" not in text and "True" not in text
