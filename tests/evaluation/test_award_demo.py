"""The demo after the report: its tender's committee drawn and its room final on the platform, its awards with their savings and notices, its contract with date and amount, its result pages."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from demo.data import spec_of
from evaluation.choices import DrawState, RoomState
from evaluation.models import Award, CommitteeDraw, Contract, EvaluationRoom
from trading.choices import LotState
from trading.models import Lot, Organization, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.KAIBIAO_DEMO_KEYS_DIR = tmp_path / "demo-keys"
    settings.KAIBIAO_SEALED_ROOT = tmp_path / "sealed"
    settings.KAIBIAO_RECEIPT_KEY_FILE = tmp_path / "keys" / "receipt-signing-key.pem"
    call_command("load_demo", stdout=io.StringIO())


def lot_of(code) -> Lot:
    return Lot.objects.select_related("project").get(project__code=code)


def org(key) -> Organization:
    return User.objects.get(username=f"bidder.{key}").organization


def test_the_demo_evaluates_awards_and_contracts_through_the_floors():
    # the goods tender: its committee drawn and formed, its room final, ranking the spec's candidates
    goods = lot_of("NN2026-ZC-0088")
    spec = spec_of("NN2026-ZC-0088")
    assert goods.state == LotState.CONTRACTED
    assert CommitteeDraw.objects.get(lot=goods).state == DrawState.REVEALED  # final: the seed is published
    room = EvaluationRoom.objects.get(lot=goods)
    assert room.state == RoomState.FINAL
    award = Award.objects.get(lot=goods)
    assert award.winner == org(spec.candidates[0]) and award.price == Decimal("1876500.00")
    # 2,180,000 − 1,876,500 = 303,500; / 2,180,000 = 0.139220
    assert award.savings == Decimal("303500.00") and award.savings_rate == Decimal("0.139220")
    contract = Contract.objects.get(lot=goods)
    assert contract.amount == Decimal("1876500.00") and contract.signed_on >= award.awarded_at.date()
    public = Client(HTTP_ACCEPT_LANGUAGE="en")
    html = public.get(reverse("evaluation:result", args=[goods.pk])).content.decode()
    names = [m.expert.user.display_name for m in CommitteeDraw.objects.get(lot=goods).members.all()]
    assert all(name in html for name in names) and 'id="scores-json"' in html
    scores = json.loads(public.get(reverse("evaluation:scores_json", args=[goods.pk])).content)
    assert scores == room.summary
    # the land sale: no committee, ranked by its offers; awarded to the highest, no scores
    land = lot_of("LZ2026-TD-0008")
    assert Award.objects.get(lot=land).winner == org("hengji") and not EvaluationRoom.objects.filter(lot=land).exists()
    assert public.get(reverse("evaluation:scores_json", args=[land.pk])).status_code == 404
    # the property sale in publicity: its bidders may object on its page, nobody is awarded yet
    shares = lot_of("GX2026-CQ-0015")
    assert shares.state == LotState.PUBLICITY and not Award.objects.filter(lot=shares).exists()
    bidder = Client(HTTP_ACCEPT_LANGUAGE="en")
    bidder.force_login(User.objects.get(username="bidder.lijiang"))
    mine = bidder.get(reverse("evaluation:result", args=[shares.pk])).content.decode()
    assert "Your organization is ranked 2 among the winning candidates in publicity." in mine
    assert 'id="raise"' in bidder.get(reverse("evaluation:objections", args=[shares.pk])).content.decode()
