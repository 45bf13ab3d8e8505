"""The award: the Award row with its savings, the award notice PDF (中标通知书) for the winner and the center, the result to every bidder, the committee's names and the scores file after the award only."""

import hashlib
import json
import subprocess
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from evaluation.awarding import savings_of
from evaluation.models import Award, EvaluationRoom
from tests.evaluation.awarding import awarded, publicized
from tests.evaluation.drawn import drawn, evaluated_lot
from tests.trading.factories import CenterFactory, UserFactory, bidder, party, staff, supervisor
from trading import services
from trading.audit import AuditEvent
from trading.choices import LotState, Role
from trading.errors import RuleViolation

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def client_for(user=None, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def pdf_text(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "notice.pdf"
        path.write_bytes(pdf)
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


# --- savings -------------------------------------------------------------------------------------


@pytest.mark.parametrize("budget, price, savings, rate", [
    # 2,180,000 − 1,876,500 = 303,500; 303,500 / 2,180,000 = 0.1392201… → 0.139220 (six places, half up)
    ("2180000", "1876500", "303500", "0.139220"),
    # 1,000,000 − 880,000 = 120,000; / 1,000,000 = 0.12
    ("1000000.00", "880000.00", "120000.00", "0.120000"),
    # 3 − 1 = 2; 2 / 3 = 0.6666666… → 0.666667 (half up)
    ("3", "1", "2", "0.666667"),
    # a price above the budget (a sale's premium): −5,000 / 100,000 = −0.05
    ("100000", "105000", "-5000", "-0.050000"),
])
def test_savings_and_the_savings_rate(budget, price, savings, rate):
    assert savings_of(Decimal(budget), Decimal(price)) == (Decimal(savings), Decimal(rate))


def test_the_award_keeps_the_winner_its_price_the_budget_and_the_savings():
    lot = evaluated_lot(bidders=3)
    lot.budget, lot.ceiling_price = Decimal("2180000.00"), None
    lot.save()
    scene = awarded(publicized(lot, prices=("1876500.00", "1935800.00", "2012000.00"), now=timezone.now() - 4 * DAY))
    award = Award.objects.get(lot=scene.lot)
    assert award.winner == scene.bids[0].organization and award.price == Decimal("1876500.00")
    assert award.budget == Decimal("2180000.00") and award.savings == Decimal("303500.00")
    assert award.savings_rate == Decimal("0.139220") and award.awarded_at == scene.now
    event = AuditEvent.objects.get(action="award.made")
    assert event.data["savings_rate"] == "0.139220" and event.data["sha256"] == award.notice_sha256


def test_an_award_price_other_than_the_first_candidates_is_refused_and_nothing_is_awarded():
    scene = publicized(now=timezone.now() - 4 * DAY)
    with translation.override("en"), pytest.raises(RuleViolation) as refused:
        awarded(scene, price=Decimal("905000.00"))
    with translation.override("en"):
        assert str(refused.value).startswith("The award price is the first-ranked candidate's bid price, 880,000.00 yuan")
    scene.lot.refresh_from_db()
    assert scene.lot.state == LotState.PUBLICITY and not Award.objects.exists()
    assert not scene.lot.notices.filter(kind="result").exists()


# --- the notice ----------------------------------------------------------------------------------


def test_the_notice_names_the_winner_and_the_price_in_chinese():
    scene = awarded()
    award = Award.objects.get(lot=scene.lot)
    text = pdf_text(bytes(award.notice_pdf))
    assert "中标通知书" in text and scene.winner.name in text and scene.winner.uscc in text
    assert "880,000.00元" in text and "捌拾捌万元整" in text  # the price, in figures and in capitals
    assert scene.lot.project.code in text and "第四十六条" in text
    assert hashlib.sha256(bytes(award.notice_pdf)).hexdigest() == award.notice_sha256


def people(scene) -> dict:
    project = scene.lot.project
    return {
        "winner": scene.bidders[0], "loser": scene.bidders[1], "staff": scene.staff,
        "supervisor": supervisor(project.center), "tenderee": party(Role.TENDEREE, project.tenderee),
        "other_center_staff": staff(CenterFactory()), "other_supervisor": supervisor(CenterFactory()),
        "unrelated_bidder": bidder(), "expert": UserFactory(role=Role.EXPERT), "public": None,
    }


@pytest.mark.parametrize("who, status", [
    ("winner", 200), ("staff", 200), ("supervisor", 200), ("tenderee", 200), ("loser", 403),
    ("other_center_staff", 403), ("other_supervisor", 403), ("unrelated_bidder", 403), ("expert", 403), ("public", 302)])
def test_who_downloads_the_award_notice(who, status):
    scene = awarded()
    response = client_for(people(scene)[who]).get(reverse("evaluation:award_notice", args=[scene.lot.pk]))
    assert response.status_code == status
    assert (response.get("Content-Type") == "application/pdf") == (status == 200)


def test_no_notice_before_the_award():
    scene = publicized()
    assert client_for(scene.bidders[0]).get(reverse("evaluation:award_notice", args=[scene.lot.pk])).status_code == 404


# --- the result page -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["winner", "loser", "public", "unrelated_bidder", "expert"])
def test_every_reader_sees_the_result_and_each_bidder_its_own_outcome(who):
    scene = awarded()
    html = client_for(people(scene)[who]).get(reverse("evaluation:result", args=[scene.lot.pk])).content.decode()
    assert scene.winner.name in html and "880,000.00" in html
    assert 'id="award-savings"' in html and "120,000.00" in html and "12.00%" in html
    assert ("Your organization is the winning bidder of this lot." in html) == (who == "winner")
    assert ("Your organization was ranked 2 among the winning candidates" in html) == (who == "loser")
    assert ('id="award-notice"' in html) == (who == "winner")


def test_the_winner_s_workspace_offers_the_notice_and_every_bidder_reaches_the_result_from_its_bids():
    scene = awarded()
    won = client_for(scene.bidders[0]).get(reverse("trading:dashboard")).content.decode()
    assert 'id="my-results"' in won and reverse("evaluation:award_notice", args=[scene.lot.pk]) in won
    lost = client_for(scene.bidders[2]).get(reverse("trading:dashboard")).content.decode()
    assert reverse("evaluation:award_notice", args=[scene.lot.pk]) not in lost
    # 我的投标 links the result notice (bidding), and the notice the lot's result page
    mine = client_for(scene.bidders[2]).get(reverse("bidding:my_bids")).content.decode()
    notice = scene.lot.notices.get(kind="result")
    assert reverse("reporting:notice", args=[notice.pk]) in mine
    notice_page = client_for(scene.bidders[2]).get(reverse("reporting:notice", args=[notice.pk])).content.decode()
    assert reverse("evaluation:result", args=[scene.lot.pk]) in notice_page


def test_no_result_page_before_the_publicity():
    lot = evaluated_lot(bidders=3)
    assert client_for().get(reverse("evaluation:result", args=[lot.pk])).status_code == 404


def test_the_committees_names_are_published_with_the_result_not_before():
    committee = drawn(n=5)
    names = [m.expert.user.display_name for m in committee.members]
    scene = publicized(committee.lot, now=timezone.now() - 4 * DAY)
    url = reverse("evaluation:result", args=[scene.lot.pk])
    cast = people(scene)
    for who in ("public", "loser", "winner", "unrelated_bidder", "other_center_staff", "other_supervisor", "expert"):
        during = client_for(cast[who]).get(url).content.decode()
        assert not any(name in during for name in names) and 'id="committee"' not in during
    awarded(scene)
    after = client_for().get(url).content.decode()
    assert all(name in after for name in names) and 'id="committee"' in after


# --- the scores file -----------------------------------------------------------------------------


def test_the_scores_file_is_published_after_the_award_only():
    scene = publicized(now=timezone.now() - 4 * DAY)
    url = reverse("evaluation:scores_json", args=[scene.lot.pk])
    page = reverse("evaluation:result", args=[scene.lot.pk])
    for who in ("public", "winner", "staff"):
        assert client_for(people(scene)[who]).get(url).status_code == 404
    assert 'id="scores-json"' not in client_for().get(page).content.decode()
    awarded(scene)
    response = client_for().get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    summary = EvaluationRoom.objects.get(lot=scene.lot).summary
    assert json.loads(response.content) == summary
    html = client_for().get(page).content.decode()
    assert 'id="scores-json"' in html and "docs/evaluation-format.md" in html and "tools/recompute_scores.py" in html


def test_a_sale_has_no_scores_file():
    lot = evaluated_lot(bidders=3, category="land")
    lot.evaluation_method, lot.reserve_price, lot.ceiling_price = "highest_price", Decimal("900000"), None
    lot.save()
    scene = awarded(publicized(lot, prices=("950000.00", "990000.00", "910000.00"), now=timezone.now() - 4 * DAY,
                               room=False))
    assert Award.objects.get(lot=scene.lot).price == Decimal("990000.00")  # the highest offer
    assert client_for().get(reverse("evaluation:scores_json", args=[scene.lot.pk])).status_code == 404
    html = client_for().get(reverse("evaluation:result", args=[scene.lot.pk])).content.decode()
    assert 'id="award-premium"' in html and "90,000.00" in html and "10.00%" in html


def test_the_award_is_refused_for_a_lot_with_no_published_candidates():
    scene = publicized(now=timezone.now() - 4 * DAY)
    scene.lot.notices.filter(kind="candidates").delete()
    with translation.override("en"), pytest.raises(RuleViolation):
        services.transition_lot(actor=scene.staff, lot=scene.lot, name="award", award_price=Decimal("880000.00"),
                                now=timezone.now())
    assert not Award.objects.exists()
