"""`manage.py load_demo`: the demo network loads through the services, once, and leaves an
audit chain that verifies."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bidding.models import Bid
from bidding.selectors import complete_bid_count
from trading import uscc
from trading.choices import Category, EvaluationMethod, LotState, NoticeKind, Role
from trading.management.commands.load_demo import DEMO_PASSWORD
from trading.models import AuditChainHead, AuditEvent, Center, Document, Lot, Notice, Organization, Project, User
from trading.rules import ProjectPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def snapshot():
    head = AuditChainHead.objects.get()
    return {
        "tables": [m.objects.count()
                   for m in (Center, Organization, User, Project, Lot, Notice, Document, Bid, AuditEvent)],
        "head": (head.seq, head.digest),
        "states": list(Lot.objects.order_by("pk").values_list("state", flat=True)),
    }


def test_loads_once_and_a_second_run_changes_nothing():
    first = load()
    assert "Demo loaded" in first and DEMO_PASSWORD in first
    before = snapshot()
    second = load()
    assert "nothing changed" in second
    assert snapshot() == before


def test_a_project_in_every_category_and_an_account_for_every_role():
    load()
    assert set(Project.objects.values_list("category", flat=True)) == set(Category.values)
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.filter(role=Role.EXPERT).count() >= 5
    assert User.objects.filter(role=Role.CUSTODIAN).count() >= 5
    assert User.objects.filter(role=Role.BIDDER).values("organization").distinct().count() >= 6
    for role in Role.values:
        assert User.objects.filter(role=role).first().check_password(DEMO_PASSWORD), role
    for org in Organization.objects.all():
        assert uscc.check(org.uscc) == org.uscc, org.name


def test_the_network_and_the_supervisors_reach():
    load()
    province = Center.objects.get(region_code="450000")
    liuzhou = Center.objects.get(region_code="450200")
    luzhai = Center.objects.get(region_code="450223")
    assert luzhai.parent == liuzhou and liuzhou.parent == province
    assert Center.objects.get(region_code="450100").parent == province
    everyone = set(Project.objects.values_list("pk", flat=True))
    sup_gx = User.objects.get(role=Role.SUPERVISOR, center=province)
    sup_lz = User.objects.get(role=Role.SUPERVISOR, center=liuzhou)
    assert set(ProjectPolicy.workspace(sup_gx).values_list("pk", flat=True)) == everyone
    seen = set(ProjectPolicy.workspace(sup_lz).values_list("center__region_code", flat=True))
    assert seen == {"450200", "450223"}
    for center in Center.objects.all():
        assert User.objects.filter(role=Role.STAFF, center=center).exists(), center


def test_a_project_at_every_stage():
    load()
    now = timezone.now()

    def lots(state):
        return list(Lot.objects.filter(state=state).select_related("project"))

    assert lots(LotState.DRAFT)
    open_projects = Project.objects.filter(lots__state=LotState.PUBLISHED).distinct()
    assert open_projects.count() >= 2
    for project in open_projects:
        assert project.bid_deadline - now > timedelta(days=25)
        assert project.documents.exists()

    failed = lots(LotState.FAILED)
    assert failed
    for lot in failed:
        assert lot.project.bid_deadline < now
        assert complete_bid_count(lot) < lot.project.min_bids
    for state in (LotState.EVALUATION, LotState.PUBLICITY, LotState.AWARDED, LotState.CONTRACTED):
        assert lots(state), state
        for lot in lots(state):
            assert complete_bid_count(lot) >= lot.project.min_bids
            # every counted bid was complete before the deadline
            late = Bid.objects.filter(lot=lot, state="complete", completed_at__gte=lot.project.bid_deadline)
            assert not late.exists()
    for lot in lots(LotState.AWARDED) + lots(LotState.CONTRACTED):
        assert lot.award_price

    assert Notice.objects.filter(kind=NoticeKind.CLARIFICATION).exists()
    amendment = Notice.objects.get(kind=NoticeKind.AMENDMENT)
    assert amendment.documents.exists()


def test_lots_keep_the_rules():
    load()
    for lot in Lot.objects.select_related("project"):
        assert lot.bid_security <= (lot.ceiling_price or lot.budget) * Decimal("0.02"), lot
        if lot.project.category in Category.price_sales():
            assert lot.evaluation_method == EvaluationMethod.HIGHEST_PRICE
            assert lot.reserve_price
            if lot.award_price:
                assert lot.award_price >= lot.reserve_price
        elif lot.award_price:
            assert lot.award_price <= (lot.ceiling_price or lot.budget)


def test_the_audit_chain_verifies_and_records_every_step():
    load()
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()
    for lot in Lot.objects.exclude(state=LotState.DRAFT):
        actions = list(AuditEvent.objects.filter(object_type="trading.lot", object_id=str(lot.pk))
                       .order_by("seq").values_list("data__to", flat=True))
        assert actions[-1] == lot.state, lot
    assert AuditEvent.objects.filter(action="project.created").count() == Project.objects.count()


def test_the_portal_counts_down_to_the_open_tenders(client):
    load()
    page = client.get(reverse("reporting:portal")).content.decode()
    for project in Project.objects.filter(lots__state=LotState.PUBLISHED).distinct():
        assert project.name in page
    assert page.count('class="countdown"') >= 2
