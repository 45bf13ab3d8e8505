"""我的评标邀请: an expert reads their own seats and answers them, asked once before it is sent;
their workspace lists the invitations awaiting an answer, counted down on the server's clock."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from evaluation import answers
from evaluation.choices import MemberState
from tests.evaluation.drawn import drawn
from tests.trading.factories import UserFactory, bidder
from tests.untranslated import english_words, visible_texts
from trading.choices import Role
from trading.formats import zoned_text
from trading.models import User

pytestmark = pytest.mark.django_db

PAGE = reverse("evaluation:invitations")


def client_for(user, language="zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def seat_html(page: str, member) -> str:
    found = re.search(rf'<article class="card seat[^"]*" id="seat-{member.pk}">(.*?)</article>', page, re.S)
    assert found, f"seat {member.pk} is not on the page"
    return found.group(1)


def test_the_expert_reads_their_seat_with_its_time_place_deadline_and_countdown():
    committee = drawn(n=5, place="第2评标室")
    member = committee.member(0)
    page = client_for(member.expert.user).get(PAGE).content.decode()
    html = seat_html(page, member)
    for fact in (committee.project.code, committee.project.name, committee.lot.name, "第2评标室",
                 zoned_text(committee.draw.evaluation_at, "min"), zoned_text(member.answer_due)):
        assert fact in html, fact
    assert f'data-deadline="{member.answer_due.isoformat()}"' in html
    assert 'name="answer" value="confirm"' in html and 'name="answer" value="decline"' in html
    assert "data-confirm=" in html and 'name="reason"' in html and "required" in html


def test_the_page_shows_only_the_expert_s_own_seat_and_the_committee_s_size():
    committee = drawn(n=5)
    member = committee.member(0)
    page = client_for(member.expert.user, "en").get(PAGE).content.decode()
    assert "A committee of 5 members." in page
    assert page.count('class="card seat') == 1
    for other in committee.members[1:]:
        for secret in (other.expert.user.full_name, other.expert.user.username, other.expert.phone, str(other.expert.pk)):
            assert secret not in page


def test_confirming_asks_first_then_shows_the_answer():
    committee = drawn(n=5)
    member = committee.member(0)
    client = client_for(member.expert.user, "en")
    url = reverse("evaluation:answer", args=[member.pk])
    asked = client.post(url, {"answer": "confirm"})
    assert asked.status_code == 200 and "Confirm that you will evaluate" in asked.content.decode()
    assert committee.member(0).state == MemberState.NOTIFIED
    done = client.post(url, {"answer": "confirm", "confirmed": "yes"}, follow=True)
    member = committee.member(0)
    assert member.state == MemberState.CONFIRMED
    html = seat_html(done.content.decode(), member)
    assert "You confirmed at" in html and 'value="confirm"' not in html and "data-deadline" not in html


def test_a_decline_without_a_reason_is_sent_back_and_nothing_changes():
    committee = drawn(n=5)
    member = committee.member(0)
    answer = client_for(member.expert.user, "en").post(reverse("evaluation:answer", args=[member.pk]),
                                                       {"answer": "decline", "reason": " ", "confirmed": "yes"}, follow=True)
    assert "Say why you decline" in answer.content.decode()
    assert committee.member(0).state == MemberState.NOTIFIED


def test_a_second_answer_from_another_tab_is_refused_with_a_message():
    committee = drawn(n=5)
    member = committee.member(0)
    client = client_for(member.expert.user, "en")
    url = reverse("evaluation:answer", args=[member.pk])
    client.post(url, {"answer": "confirm", "confirmed": "yes"})
    again = client.post(url, {"answer": "confirm", "confirmed": "yes"}, follow=True)
    assert "You already confirmed this invitation, at " in again.content.decode()
    assert committee.member(0).state == MemberState.CONFIRMED


def test_a_late_answer_is_refused_and_the_seat_says_the_time_ran_out():
    committee = drawn(n=5)
    member = committee.member(0)
    client = client_for(member.expert.user, "en")
    with time_machine.travel(member.answer_due + timedelta(seconds=5), tick=False):
        client.force_login(member.expert.user)
        page = client.get(PAGE).content.decode()
        html = seat_html(page, member)
        assert "The time to answer ran out at" in html and 'value="confirm"' not in html
        done = client.post(reverse("evaluation:answer", args=[member.pk]), {"answer": "confirm", "confirmed": "yes"},
                           follow=True).content.decode()
    assert "A late answer is not taken" in done
    assert committee.member(0).state == MemberState.NOTIFIED


def test_a_timed_out_seat_says_so():
    committee = drawn(n=5)
    member = committee.member(0)
    member.state, member.reason = MemberState.EXPIRED, answers.no_answer_reason(committee.draw)
    member.save()
    html = seat_html(client_for(member.expert.user, "en").get(PAGE).content.decode(), member)
    assert "the seat went to another expert" in html and 'value="confirm"' not in html


def test_another_expert_cannot_answer_someone_else_s_seat():
    committee = drawn(n=5)
    member = committee.member(0)
    intruder = committee.member(1).expert.user
    answer = client_for(intruder).post(reverse("evaluation:answer", args=[member.pk]),
                                       {"answer": "confirm", "confirmed": "yes"})
    assert answer.status_code == 404
    assert committee.member(0).state == MemberState.NOTIFIED


@pytest.mark.parametrize("role", [Role.STAFF, Role.BIDDER, Role.SUPERVISOR])
def test_the_page_is_for_experts(role):
    user = bidder() if role == Role.BIDDER else UserFactory(role=role, center=drawn(n=5).project.center)
    assert client_for(user).get(PAGE).status_code == 403


def test_the_navigation_links_the_page_for_experts_only():
    committee = drawn(n=5)
    expert_page = client_for(committee.members[0].expert.user).get(reverse("trading:dashboard")).content.decode()
    staff_page = client_for(committee.staff).get(reverse("trading:dashboard")).content.decode()
    assert f'href="{PAGE}"' in expert_page and f'href="{PAGE}"' not in staff_page


def test_the_workspace_lists_the_invitations_awaiting_an_answer_with_a_countdown():
    committee = drawn(n=5)
    member = committee.member(0)
    client = client_for(member.expert.user, "en")
    page = client.get(reverse("trading:dashboard")).content.decode()
    section = re.search(r'<section id="invitations".*?</section>', page, re.S).group(0)
    assert committee.project.code in section and f'data-deadline="{member.answer_due.isoformat()}"' in section
    assert f"{PAGE}#seat-{member.pk}" in section
    answers.answer(member.expert.user, member.pk, accept=True)
    page = client.get(reverse("trading:dashboard")).content.decode()
    section = re.search(r'<section id="invitations".*?</section>', page, re.S).group(0)
    assert committee.project.code not in section and "No invitation to evaluate is waiting" in section


@pytest.mark.parametrize("state", ["notified", "confirmed", "declined", "expired"])
def test_the_page_and_the_workspace_read_in_chinese_only(state):
    committee = drawn(n=5, place="第2评标室")
    member = committee.member(0)
    if state == "confirmed":
        answers.answer(member.expert.user, member.pk, accept=True)
    elif state == "declined":
        answers.answer(member.expert.user, member.pk, accept=False, reason="出差在外")
    elif state == "expired":
        answers.expire(member.pk, member.answer_due)
    names = frozenset(User.objects.values_list("username", flat=True))
    client = client_for(member.expert.user)
    for url in (PAGE, reverse("trading:dashboard")):
        html = client.get(url).content.decode()
        english = [(text, words) for text in visible_texts(html, "zh-hans") if (words := english_words(text, names))]
        assert english == [], f"{state} {url}"
