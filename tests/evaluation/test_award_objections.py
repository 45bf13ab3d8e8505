"""Objections to the winning candidates (异议): a bidder of the lot raises one during the publicity only, on the server's clock; the lot's center staff answer within 3 days; the award waits for every answer; who reads and does what, service and page."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from evaluation import objections
from evaluation.models import PublicityObjection
from tests.evaluation.awarding import publicized
from tests.trading.factories import CenterFactory, UserFactory, bidder, staff, supervisor
from trading import lifecycle, services
from trading.audit import AuditEvent
from trading.choices import LotState, Role
from trading.errors import NotFound, PermissionDenied, RuleViolation

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def refusal(kind, fn) -> str:
    """The refusal's words in English (asserted in English until zh-award.json is in the catalog;
    test_award_pages_in_chinese reads the pages in Chinese)."""
    with translation.override("en"), pytest.raises(kind) as refused:
        fn()
    with translation.override("en"):
        return str(refused.value)


def people(scene) -> dict:
    lot = scene.lot
    return {
        "bidder_a": scene.bidders[0], "bidder_b": scene.bidders[1], "staff": scene.staff,
        "other_center_staff": staff(CenterFactory()), "supervisor": supervisor(lot.project.center),
        "other_supervisor": supervisor(CenterFactory()), "unrelated_bidder": bidder(),
        "expert": UserFactory(role=Role.EXPERT),
    }


def client_for(user=None, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


# --- raising -------------------------------------------------------------------------------------


def test_a_bidder_of_the_lot_raises_one_during_the_publicity_answer_due_in_three_days():
    scene = publicized()
    at = scene.now + timedelta(hours=5)
    objection = objections.raise_objection(actor=scene.bidders[1], lot_id=scene.lot.pk, text="第一名的业绩证明不实。",
                                           now=at)
    assert objection.organization == scene.bids[1].organization and objection.raised_at == at
    assert objection.answer_due == at + 3 * DAY and objection.answered_at is None
    event = AuditEvent.objects.get(action="publicity.objection_raised")
    assert event.actor == scene.bidders[1] and event.data["question"] == "第一名的业绩证明不实。"


def test_refused_before_the_publicity_and_from_its_end_on_the_servers_clock():
    scene = publicized()
    ends = lifecycle.publicity_ends(scene.lot)
    last = objections.raise_objection(actor=scene.bidders[0], lot_id=scene.lot.pk, text="异议",
                                      now=ends - timedelta(milliseconds=1))
    assert last.pk
    message = refusal(RuleViolation, lambda: objections.raise_objection(
        actor=scene.bidders[0], lot_id=scene.lot.pk, text="异议", now=ends))
    assert message.startswith("The publicity ended at ") and "《招标投标法实施条例》第五十四条" in message
    before = publicized(room=True)
    type(before.lot).objects.filter(pk=before.lot.pk).update(state=LotState.EVALUATION)
    message = refusal(RuleViolation, lambda: objections.raise_objection(
        actor=before.bidders[0], lot_id=before.lot.pk, text="异议"))
    assert message == ("The winning candidates of this lot are not in publicity: an objection is raised during their "
                       "publicity (《招标投标法实施条例》第五十四条).")
    assert PublicityObjection.objects.count() == 1


@pytest.mark.parametrize("who", ["staff", "supervisor", "other_center_staff", "unrelated_bidder", "expert"])
def test_only_a_bidder_of_the_lot_raises_one(who):
    scene = publicized()
    actor = people(scene)[who]
    refusal(PermissionDenied, lambda: objections.raise_objection(actor=actor, lot_id=scene.lot.pk, text="异议"))
    assert not PublicityObjection.objects.exists()


def test_an_empty_objection_is_refused():
    scene = publicized()
    assert refusal(RuleViolation, lambda: objections.raise_objection(
        actor=scene.bidders[0], lot_id=scene.lot.pk, text="  ")) == "Write the objection."


# --- answering; the award waits ------------------------------------------------------------------


def test_the_award_waits_for_the_answer():
    scene = publicized(now=timezone.now() - 4 * DAY)
    objection = objections.raise_objection(actor=scene.bidders[2], lot_id=scene.lot.pk, text="评分有误。",
                                           now=scene.now + DAY)
    after = scene.now + 3 * DAY + timedelta(minutes=1)  # the publicity is over
    award = lambda: services.transition_lot(actor=scene.staff, lot=scene.lot, name="award",  # noqa: E731
                                            award_price=scene.lot.notices.get(kind="candidates").details["candidates"][0]["price"],
                                            now=after)
    with translation.override("en"), pytest.raises(RuleViolation) as refused:
        award()
    with translation.override("en"):
        assert str(refused.value) == "1 objection(s) to the publicity are not yet answered."
    scene.lot.refresh_from_db()
    assert scene.lot.state == LotState.PUBLICITY
    objections.answer_objection(actor=scene.staff, objection_id=objection.pk, answer="经复核，评分无误。", now=after)
    award()
    scene.lot.refresh_from_db()
    assert scene.lot.state == LotState.AWARDED


def test_a_late_answer_is_recorded_as_late_and_an_answer_is_given_once():
    scene = publicized()
    objection = objections.raise_objection(actor=scene.bidders[1], lot_id=scene.lot.pk, text="异议", now=scene.now)
    objections.answer_objection(actor=scene.staff, objection_id=objection.pk, answer="答复",
                                now=objection.answer_due + timedelta(seconds=1))
    event = AuditEvent.objects.get(action="publicity.objection_answered")
    assert event.data["answered_late"] is True and event.data["answer"] == "答复"
    message = refusal(RuleViolation, lambda: objections.answer_objection(
        actor=scene.staff, objection_id=objection.pk, answer="再答复"))
    assert message.startswith("This objection was answered at ")


@pytest.mark.parametrize("who, kind", [("supervisor", PermissionDenied), ("bidder_b", PermissionDenied),
                                       ("other_center_staff", NotFound), ("other_supervisor", NotFound),
                                       ("unrelated_bidder", NotFound), ("expert", NotFound)])
def test_only_the_lots_center_staff_answer(who, kind):
    scene = publicized()
    objection = objections.raise_objection(actor=scene.bidders[1], lot_id=scene.lot.pk, text="异议")
    refusal(kind, lambda: objections.answer_objection(actor=people(scene)[who], objection_id=objection.pk, answer="答"))
    objection.refresh_from_db()
    assert objection.answered_at is None


# --- the pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who, status", [("bidder_a", 200), ("bidder_b", 200), ("staff", 200), ("supervisor", 200),
                                         ("other_center_staff", 403), ("other_supervisor", 403),
                                         ("unrelated_bidder", 403), ("expert", 403), (None, 302)])
def test_who_reads_the_objections_page(who, status):
    scene = publicized()
    cast = people(scene)
    objections.raise_objection(actor=cast["bidder_a"], lot_id=scene.lot.pk, text="甲公司的异议内容")
    objections.raise_objection(actor=cast["bidder_b"], lot_id=scene.lot.pk, text="乙公司的异议内容")
    response = client_for(cast.get(who)).get(reverse("evaluation:objections", args=[scene.lot.pk]))
    assert response.status_code == status
    if status != 200:
        assert "异议内容" not in response.content.decode()
        return
    html = response.content.decode()
    # a bidder reads its own organization's objection only; the center reads them all
    assert ("甲公司的异议内容" in html) == (who != "bidder_b")
    assert ("乙公司的异议内容" in html) == (who != "bidder_a")
    assert ('class="answer-objection"' in html) == (who == "staff")
    assert ('id="raise"' in html) == (who in ("bidder_a", "bidder_b"))


def test_a_bidder_raises_and_the_staff_answer_through_the_pages():
    scene = publicized()
    url = reverse("evaluation:objection_raise", args=[scene.lot.pk])
    bidder_page = client_for(scene.bidders[1], "en")
    asked = bidder_page.post(url, {"text": "请复核第一名的技术得分。"})
    assert asked.status_code == 200 and "Raise the objection" in asked.content.decode()  # asked once first
    assert not PublicityObjection.objects.exists()
    bidder_page.post(url, {"text": "请复核第一名的技术得分。", "confirmed": "yes"})
    objection = PublicityObjection.objects.get()
    # the staff's workspace lists it, due in three days
    work = client_for(scene.staff).get(reverse("trading:dashboard")).content.decode()
    assert 'id="objections-to-answer"' in work and f"#objection-{objection.pk}" in work
    answer_url = reverse("evaluation:objection_answer", args=[objection.pk])
    refused = client_for(supervisor(scene.lot.project.center)).post(answer_url, {"answer": "答", "confirmed": "yes"})
    assert refused.status_code == 403
    client_for(scene.staff).post(answer_url, {"answer": "经复核，得分无误。", "confirmed": "yes"})
    objection.refresh_from_db()
    assert objection.answer == "经复核，得分无误。" and objection.answered_by == scene.staff
    mine = bidder_page.get(reverse("evaluation:objections", args=[scene.lot.pk])).content.decode()
    assert "经复核，得分无误。" in mine
    work = client_for(scene.staff).get(reverse("trading:dashboard")).content.decode()
    assert f"#objection-{objection.pk}" not in work


def test_the_supervisors_workspace_reads_the_open_objection_and_acts_on_none():
    scene = publicized()
    objection = objections.raise_objection(actor=scene.bidders[0], lot_id=scene.lot.pk, text="异议")
    with translation.override("en"):
        work = client_for(supervisor(scene.lot.project.center), "en").get(reverse("trading:dashboard")).content.decode()
    assert f"#objection-{objection.pk}" in work and "Read the objection" in work and "Answer the objection" not in work
    other = client_for(supervisor(CenterFactory()), "en").get(reverse("trading:dashboard")).content.decode()
    assert f"#objection-{objection.pk}" not in other
