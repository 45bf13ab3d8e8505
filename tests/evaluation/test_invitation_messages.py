"""What a drawn expert is told, by email and by text message (evaluation.notify): their lot, when
and where, by when to answer and where; never a bidder, never another member of the committee."""

import logging

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import translation

from evaluation import answers, sms
from tests.evaluation.drawn import drawn, evaluated_lot
from tests.evaluation.factories import ExpertFactory
from trading.formats import zoned_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_lines(caplog):
    caplog.set_level(logging.INFO, logger="kaibiao.sms")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "kaibiao.sms"]


def notified(capture, place="", n=5, pool=8):
    """A committee drawn from a pool whose experts all have a name and an email address, each
    member told after the draw commits."""
    lot = evaluated_lot()
    experts = [ExpertFactory(pool=lot.project.center.parent, user__email=f"expert{i}@example.cn",
                             user__full_name=f"评委专家{i}号") for i in range(pool)]
    with capture(execute=True):
        return drawn(lot, n=n, place=place, experts=experts)


def secrets_of(member) -> list[str]:
    """What would name a member: their name, account, ID number, phone and expert id."""
    expert = member.expert
    return [expert.user.full_name, expert.user.username, expert.id_number, expert.phone, str(expert.pk)]


@override_settings(KAIBIAO_SITE_URL="https://ggzy.example.cn")
def test_the_email_names_the_lot_the_time_the_place_the_deadline_and_the_link(django_capture_on_commit_callbacks):
    committee = notified(django_capture_on_commit_callbacks, place="第3评标室")
    assert len(mail.outbox) == 5
    member = committee.member(0)
    email = next(e for e in mail.outbox if e.to == [member.expert.user.email])
    project, lot, draw = committee.project, committee.lot, committee.draw
    with translation.override("zh-hans"):
        starts, due = zoned_text(draw.evaluation_at, "min"), zoned_text(member.answer_due, "min")
    assert project.code in email.subject
    for fact in (project.code, project.name, lot.name, starts, "第3评标室", due,
                 "https://ggzy.example.cn/invitations/", member.expert.user.full_name):
        assert fact in email.body, fact
    assert "北京时间" in starts


def test_an_online_evaluation_says_so_and_names_no_room(django_capture_on_commit_callbacks):
    committee = notified(django_capture_on_commit_callbacks, place="")
    with translation.override("zh-hans"):
        online = answers.messages.place_text(committee.draw)
    assert all(online in e.body for e in mail.outbox)
    assert not any("评标室" in e.body for e in mail.outbox)


def test_no_message_names_a_bidder_or_another_member(django_capture_on_commit_callbacks, sms_lines):
    committee = notified(django_capture_on_commit_callbacks, place="第1评标室")
    bidders = [bid.organization for bid in committee.bids]
    assert bidders
    texts = sms_lines()
    assert len(texts) == 5
    for member in committee.members:
        email = next(e for e in mail.outbox if e.to == [member.expert.user.email])
        text = next(t for t in texts if sms.mask(member.expert.phone) in t)
        for other in committee.members:
            if other.pk == member.pk:
                continue
            for secret in secrets_of(other):
                assert secret not in email.body and secret not in email.subject and secret not in text
        for organization in bidders:
            assert organization.name not in email.body and organization.uscc not in email.body
            assert organization.name not in text


def test_the_text_message_is_one_line_with_the_phone_masked(django_capture_on_commit_callbacks, sms_lines):
    committee = notified(django_capture_on_commit_callbacks)
    member = committee.member(1)
    (line,) = [t for t in sms_lines() if sms.mask(member.expert.phone) in t]
    assert "\n" not in line
    assert member.expert.phone not in line and member.expert.user.full_name not in line
    assert committee.project.code in line and "/invitations/" in line
    assert sms.mask("13912345678") == "139****5678"


def test_the_messages_are_in_the_platform_s_language_whatever_the_request_s(django_capture_on_commit_callbacks):
    with translation.override("en"):
        notified(django_capture_on_commit_callbacks)
    assert all("北京时间" in e.body for e in mail.outbox)


def test_an_expert_without_an_email_address_is_still_texted(django_capture_on_commit_callbacks, sms_lines):
    lot = evaluated_lot()
    experts = [ExpertFactory(pool=lot.project.center.parent, user__email="") for _ in range(6)]
    with django_capture_on_commit_callbacks(execute=True):
        drawn(lot, experts=experts)
    assert mail.outbox == [] and len(sms_lines()) == 5


@override_settings(SMS_BACKEND="tests.evaluation.test_invitation_messages.BrokenGateway")
def test_a_gateway_that_fails_leaves_the_seat_and_the_email(django_capture_on_commit_callbacks, caplog):
    committee = notified(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 5
    assert committee.member(0).state == "notified"
    assert "was not sent" in caplog.text


class BrokenGateway(sms.SMSBackend):
    def send(self, phone, text):
        raise ConnectionError("gateway down")
