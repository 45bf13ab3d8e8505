"""The demo's award-stage notices: the lots in publicity, awarded and contracted have their winning
candidates' publicity and result notice, the failed lot its failure notice, each published through
the lifecycle's services as the demo was built, listed by kind and showing the real figures."""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from demo.data import spec_of
from frontend.templatetags.kaibiao import yuan
from trading.choices import LotState, NoticeKind
from trading.models import AuditEvent, Lot, Notice, Organization

pytestmark = pytest.mark.django_db

# Each demo stage past the opening, and the notices its lots have (the failed lot: its failure).
NOTICES_BY_STAGE = {
    LotState.FAILED: {NoticeKind.FAILURE},
    LotState.PUBLICITY: {NoticeKind.CANDIDATES},
    LotState.AWARDED: {NoticeKind.CANDIDATES, NoticeKind.RESULT},
    LotState.CONTRACTED: {NoticeKind.CANDIDATES, NoticeKind.RESULT},
    LotState.EVALUATION: set(),
}


@pytest.fixture(autouse=True)
def _demo(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.KAIBIAO_DEMO_KEYS_DIR = tmp_path / "demo-keys"
    settings.KAIBIAO_SEALED_ROOT = tmp_path / "sealed"
    settings.KAIBIAO_RECEIPT_KEY_FILE = tmp_path / "keys" / "receipt-signing-key.pem"
    call_command("load_demo", stdout=io.StringIO())


def page(url) -> str:
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_each_lot_past_its_opening_has_the_notices_of_its_stage_and_the_lists_show_them():
    for stage, kinds in NOTICES_BY_STAGE.items():
        for lot in Lot.objects.filter(state=stage):
            assert set(Notice.objects.filter(lot=lot).values_list("kind", flat=True)) == kinds, lot
    for kind in (NoticeKind.CANDIDATES, NoticeKind.RESULT, NoticeKind.FAILURE):
        listing = page(reverse("reporting:notices") + f"?kind={kind}")
        notices = Notice.objects.filter(kind=kind)
        assert notices.exists() and "暂无" not in listing, kind
        for notice in notices:
            assert notice.title in listing
    # and a tender's page lists its lot's notices
    lot = Lot.objects.get(project__code="LZ2026-TD-0008")
    shown = page(reverse("reporting:tender", args=[lot.project_id]))
    for notice in Notice.objects.filter(lot=lot):
        assert notice.title in shown


def test_the_failed_lot_s_failure_notice_is_the_platform_s_with_the_count_at_the_deadline():
    lot = Lot.objects.get(project__code="LZX2026-ZC-0009")
    notice = Notice.objects.get(lot=lot, kind=NoticeKind.FAILURE)
    assert notice.published_by is None and notice.published_at == lot.project.bid_deadline
    assert notice.title == "鹿寨县城区道路清扫保洁及垃圾清运服务采购流标公告"
    event = AuditEvent.objects.get(action="notice.failure", object_id=str(notice.pk))
    assert event.actor is None and event.role == "system" and event.data["complete_bids"] == 2
    shown = text(page(reverse("reporting:notice", args=[notice.pk])))
    assert "《招标投标法实施条例》第四十四条" in shown and "不予开标" in shown
    assert re.search(r"截止时有效投标数 2 ", shown) and re.search(r"开标所需最少投标数 3 ", shown)


def test_the_candidates_are_ranked_with_their_prices_and_the_result_names_the_first():
    for code in ("GX2026-CQ-0015", "LZ2026-TD-0008", "NN2026-ZC-0088"):
        spec = spec_of(code)
        notice = Notice.objects.get(lot__project__code=code, kind=NoticeKind.CANDIDATES)
        assert notice.published_by.username == spec.by
        html = page(reverse("reporting:notice", args=[notice.pk]))
        rows = re.findall(r'<tr><td>(\d)</td><td>([^<]+) <small class="muted uscc">[^<]+</small></td><td class="num">([^<]+)</td>',
                          html)
        expected = [(str(rank), Organization.objects.get(users__username=f"bidder.{key}").name,
                     yuan(Decimal(spec.bids[key]["price"]))) for rank, key in enumerate(spec.candidates, start=1)]
        assert rows == expected, code
        assert "公示期" in text(html)
    # the awarded and the contracted lots: the result names the first candidate and the award price
    for code in ("LZ2026-TD-0008", "NN2026-ZC-0088"):
        spec = spec_of(code)
        lot = Lot.objects.get(project__code=code)
        notice = Notice.objects.get(lot=lot, kind=NoticeKind.RESULT)
        first = Notice.objects.get(lot=lot, kind=NoticeKind.CANDIDATES).details["candidates"][0]
        assert notice.details["winner"]["name"] == first["name"]
        assert lot.award_price == Decimal(spec.award_price) == Decimal(spec.bids[spec.candidates[0]]["price"])
        html = page(reverse("reporting:notice", args=[notice.pk]))
        assert re.search(r'id="result-winner">' + re.escape(first["name"]), html)
        assert f'<strong>{yuan(lot.award_price)}</strong>' in html
