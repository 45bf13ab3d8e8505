"""Questions to bidders (澄清): a member asks with a time to answer; a user of that bidder answers
on its own page, signed in as itself, within the time on the server's clock; the answer reaches
the room as an event; both are in the record; the bidder never learns who on the committee asked."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from evaluation.choices import RoomState
from evaluation.models import Clarification, EvaluationEvent
from evaluation.room import questions, review
from tests.evaluation.reviewing import reviewing, sealed_root  # noqa: F401 - a fixture
from tests.trading.factories import bidder as bidder_user
from trading import workspace
from trading.errors import NotFound, PermissionDenied, RuleViolation
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def r(sealed_root):  # noqa: F811
    return reviewing(files=False)


def ask(r, i=1, b=0, text="请说明投标文件第12页的工期安排。", hours=24, now=None):
    return questions.ask_question(actor=r.user(i), lot_id=r.lot.pk, bid_id=r.bids[b]["id"], question=text, hours=hours,
                                  now=now)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def page_text(response) -> str:
    return response.content.decode()


def test_a_member_asks_with_a_time_and_the_room_hears_it(r, django_capture_on_commit_callbacks):
    r.bidders[0].email = "bid@example.com"
    r.bidders[0].save()
    with django_capture_on_commit_callbacks(execute=True):
        row = ask(r, i=2, hours=12)
    assert row.answer_due - row.asked_at == timedelta(hours=12) and row.asked_by == r.members[2]
    (event,) = EvaluationEvent.objects.filter(room=r.room, kind="question_asked")
    assert event.data["question"] == "请说明投标文件第12页的工期安排。" and event.data["bidder"] == r.bids[0]["bidder"]
    audited = AuditEvent.objects.get(action="evaluation.room.question_asked")
    assert audited.actor_id == r.user(2).pk
    (message,) = mail.outbox
    assert message.to == ["bid@example.com"]
    assert reverse("evaluation:questions", args=[r.lot.pk]) in message.body
    for member in r.members:
        assert member.expert.user.display_name not in message.body + message.subject


def test_the_question_and_its_time_are_checked(r):
    with translation.override("en"):
        with pytest.raises(RuleViolation, match="Write the question"):
            ask(r, text="  ")
        with pytest.raises(RuleViolation, match="from 1 to 72 hours"):
            ask(r, hours=0)
        with pytest.raises(RuleViolation, match="from 1 to 72 hours"):
            ask(r, hours=73)
    with pytest.raises(NotFound):
        questions.ask_question(actor=r.user(0), lot_id=r.lot.pk, bid_id=10**12, question="？", hours=24)
    for user in (r.opened.staff, r.opened.people["city_supervisor"], r.bidders[0]):
        with pytest.raises(PermissionDenied):
            questions.ask_question(actor=user, lot_id=r.lot.pk, bid_id=r.bids[0]["id"], question="？", hours=24)
    r.room.state = RoomState.GATHERING
    r.room.save()
    with translation.override("en"), pytest.raises(RuleViolation, match="during the review and the scoring"):
        ask(r)
    assert not Clarification.objects.exists()


def test_the_bidder_answers_within_the_time_and_the_room_hears_it(r):
    row = ask(r)
    answered = questions.answer_question(actor=r.bidders[0], question_id=row.pk, answer="工期为180日历天，见第12页。")
    assert answered.answered_by == r.bidders[0] and answered.answer == "工期为180日历天，见第12页。"
    (event,) = EvaluationEvent.objects.filter(room=r.room, kind="question_answered")
    assert event.data["answer"] == "工期为180日历天，见第12页。" and event.data["question_id"] == row.pk
    audited = AuditEvent.objects.get(action="evaluation.room.question_answered")
    assert audited.actor_id == r.bidders[0].pk
    shown = review.snapshot_part(r.room, SimpleNamespace(role="staff", member_id=None))["questions"]
    assert [(q["question"], q["answer"], q["asked_by"]) for q in shown] == [
        ("请说明投标文件第12页的工期安排。", "工期为180日历天，见第12页。", r.members[1].pk)]
    with translation.override("en"), pytest.raises(RuleViolation, match="already answered"):
        questions.answer_question(actor=r.bidders[0], question_id=row.pk, answer="补充")


def test_after_the_time_the_answer_is_refused_on_the_servers_clock(r):
    row = ask(r, hours=2)
    with translation.override("en"), pytest.raises(RuleViolation, match="ran out"):
        questions.answer_question(actor=r.bidders[0], question_id=row.pk, answer="迟到的回答",
                                  now=row.answer_due + timedelta(seconds=1))
    questions.answer_question(actor=r.bidders[0], question_id=row.pk, answer="按时", now=row.answer_due)
    assert Clarification.objects.get(pk=row.pk).answer == "按时"


def test_only_a_user_of_that_bidder_answers(r):
    row = ask(r, b=0)
    same_org_colleague = bidder_user(r.bidders[0].organization)
    for user in (r.bidders[1], r.opened.people["bidder"], r.opened.staff, r.user(1), r.opened.people["city_supervisor"]):
        with pytest.raises(NotFound):
            questions.answer_question(actor=user, question_id=row.pk, answer="冒名回答")
    questions.answer_question(actor=same_org_colleague, question_id=row.pk, answer="由同事回答")
    assert Clarification.objects.get(pk=row.pk).answered_by == same_org_colleague


def test_no_answer_is_taken_once_the_committee_has_finished(r):
    row = ask(r)
    r.room.state = RoomState.SUMMARIZED
    r.room.save()
    with translation.override("en"), pytest.raises(RuleViolation, match="finished"):
        questions.answer_question(actor=r.bidders[0], question_id=row.pk, answer="晚了")


def test_the_bidders_page_lists_its_questions_and_never_names_the_committee(r):
    ask(r, i=1, b=0, text="问题甲")
    ask(r, i=2, b=1, text="问题乙（另一家）")
    client = client_for(r.bidders[0])
    url = reverse("evaluation:questions", args=[r.lot.pk])
    response = client.get(url)
    assert response.status_code == 200
    text = page_text(response)
    assert "问题甲" in text and "问题乙" not in text
    for member in r.members:
        assert member.expert.user.display_name not in text
        assert member.expert.user.username not in text
    assert "第五十二条" in text


def test_the_bidder_answers_on_its_page_after_confirming(r):
    row = ask(r)
    client = client_for(r.bidders[0])
    url = reverse("evaluation:question_answer", args=[r.lot.pk, row.pk])
    asked = client.post(url, {"answer": "见第12页"})
    assert asked.status_code == 200 and Clarification.objects.get(pk=row.pk).answer == ""  # the confirmation page
    done = client.post(url, {"answer": "见第12页", "confirmed": "yes"})
    assert done.status_code == 302
    assert Clarification.objects.get(pk=row.pk).answer == "见第12页"
    page = page_text(client.get(reverse("evaluation:questions", args=[r.lot.pk])))
    assert "见第12页" in page and 'name="answer"' not in page


def test_nobody_else_reads_the_bidders_questions(r):
    ask(r, b=0, text="只给甲的问题")
    url = reverse("evaluation:questions", args=[r.lot.pk])
    people = r.opened.people
    for user in (r.bidders[1], people["bidder"], r.opened.staff, people["city_supervisor"], people["expert"], r.user(1)):
        response = client_for(user).get(url)
        assert response.status_code == 404, user
        assert "只给甲的问题" not in page_text(response)
    assert Client().get(url).status_code == 302  # to the log-in
    other = ask(r, b=1, text="给乙")
    response = client_for(r.bidders[0]).post(reverse("evaluation:question_answer", args=[r.lot.pk, other.pk]),
                                             {"answer": "冒名", "confirmed": "yes"})
    assert response.status_code == 404 and Clarification.objects.get(pk=other.pk).answer == ""


def test_the_bidders_workspace_shows_questions_to_answer(r):
    now = timezone.now()
    assert not [s for s in workspace.sections(r.bidders[0], now) if s.key == "committee-questions"]
    row = ask(r, b=0)
    (section,) = [s for s in workspace.sections(r.bidders[0], now) if s.key == "committee-questions"]
    (task,) = section.tasks
    assert task.lot == r.lot and task.countdown_to == row.answer_due
    assert task.links[0].url == reverse("evaluation:questions", args=[r.lot.pk])
    assert not [s for s in workspace.sections(r.bidders[1], now) if s.key == "committee-questions"]
    questions.answer_question(actor=r.bidders[0], question_id=row.pk, answer="已答")
    assert not [s for s in workspace.sections(r.bidders[0], now) if s.key == "committee-questions"]


def test_the_dashboard_links_the_bidder_to_its_questions(r):
    ask(r, b=0)
    text = page_text(client_for(r.bidders[0]).get(reverse("trading:dashboard")))
    assert re.search(rf'href="{reverse("evaluation:questions", args=[r.lot.pk])}"', text)
