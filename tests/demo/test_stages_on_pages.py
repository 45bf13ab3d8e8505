"""Every page that shows a lot's state shows its real stage, for each of the demo's lots (README:
the nine demo projects and their stages): the tender list and page, the project page, the
workspace, the bid page and the opening hall. A hall past its opening leads with the outcome,
never a countdown to a past deadline; the failed lot says 流标 and why."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from trading.choices import LotState
from trading.models import Lot, User

from .test_demo import load

pytestmark = pytest.mark.django_db

# The demo's projects and the stage each of their lots is in (README.md).
STAGES = {
    "LZ2026-ZC-0042": LotState.DRAFT,
    "NN2026-GC-0031": LotState.PUBLISHED,
    "GX2026-ZC-0107": LotState.PUBLISHED,
    "NN2026-GC-0047": LotState.PUBLISHED,
    "LZX2026-ZC-0009": LotState.FAILED,
    "LZ2026-GC-0056": LotState.EVALUATION,
    "GX2026-CQ-0015": LotState.PUBLICITY,
    "LZ2026-TD-0008": LotState.AWARDED,
    "NN2026-ZC-0088": LotState.CONTRACTED,
}
PAST_OPENING = {LotState.FAILED, LotState.EVALUATION, LotState.PUBLICITY, LotState.AWARDED, LotState.CONTRACTED}
STAFF = {"南宁": "staff.nanning", "柳州": "staff.liuzhou", "鹿寨": "staff.luzhai", "自治区": "staff.gx"}


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.KAIBIAO_DEMO_KEYS_DIR = tmp_path / "demo-keys"
    settings.KAIBIAO_SEALED_ROOT = tmp_path / "sealed"
    settings.KAIBIAO_RECEIPT_KEY_FILE = tmp_path / "keys" / "receipt-signing-key.pem"


def as_user(username=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def html(client, url) -> str:
    page = client.get(url)
    assert page.status_code == 200, url
    return page.content.decode()


def label(state) -> str:
    with translation.override("zh-hans"):
        return str(LotState(state).label)


def shown(state) -> str:
    """How a page writes a lot's stage ({% lot_stage %})."""
    return f'data-stage="{state}">{label(state)}<'


def staff_of(lot) -> str:
    return next(name for place, name in STAFF.items() if place in lot.project.center.name)


def test_every_page_shows_each_demo_lots_real_stage():
    load()
    lots = list(Lot.objects.select_related("project", "project__center").order_by("pk"))
    assert {lot.project.code: lot.state for lot in lots} == STAGES  # the demo is as the README says
    public, bidder, supervisor = as_user(), as_user("bidder.yongjiang"), as_user("supervisor.gx")
    tender_list = html(public, reverse("reporting:tenders"))
    workspace = html(supervisor, reverse("trading:dashboard"))
    for lot in lots:
        state = lot.state
        # the workspace lists every project (drafts included) with its lots' stages
        assert shown(state) in workspace, lot
        if state == LotState.DRAFT:
            continue
        assert shown(state) in tender_list, lot
        tender = html(public, reverse("reporting:tender", args=[lot.project.pk]))
        project = html(as_user(staff_of(lot)), reverse("trading:project", args=[lot.project.pk]))
        bid_page = html(bidder, reverse("bidding:bid_page", args=[lot.pk]))
        hall = html(public, reverse("bidding:hall", args=[lot.pk]))
        for page in (tender, project, bid_page):
            assert shown(state) in page, lot
            assert 'class="next-step muted"' in page
        if state in PAST_OPENING:
            # the hall leads with the outcome: no countdown, no hall controls
            assert 'id="hall-outcome"' in hall and f'data-stage="{state}"' in hall, lot
            assert 'id="hall-countdown"' not in hall and 'id="controls-host"' not in hall, lot
            assert ">开标结果<" in tender
        else:
            assert 'id="hall-countdown"' in hall and 'id="hall-outcome"' not in hall, lot
            assert ">开标大厅<" in tender
    # each lot past its opening in the hall: when it ended and its record, or why it failed
    for code in ("LZ2026-GC-0056", "GX2026-CQ-0015", "LZ2026-TD-0008", "NN2026-ZC-0088"):
        lot = Lot.objects.get(project__code=code)
        hall = html(public, reverse("bidding:hall", args=[lot.pk]))
        assert "开标结束时间" in hall and "唱标的投标文件" in hall
        assert f'href="{reverse("bidding:hall_record", args=[lot.pk])}"' in hall
        assert re.search(r'<code class="digest">[0-9a-f]{64}</code>', hall)
    failed = Lot.objects.get(project__code="LZX2026-ZC-0009")
    for page in (html(public, reverse("bidding:hall", args=[failed.pk])),
                 html(public, reverse("reporting:tender", args=[failed.project.pk]))):
        assert shown(LotState.FAILED) in page
        assert "原因：投标截止时只有 2 份完整投标，少于开标所需的 3 份（《招标投标法实施条例》第四十四条）。" in page
        assert "已流标，可依法重新招标。" in page
    evaluation = Lot.objects.get(project__code="LZ2026-GC-0056")
    assert "开标已结束，评标委员会正在评审" in html(public, reverse("reporting:tender", args=[evaluation.project.pk]))
