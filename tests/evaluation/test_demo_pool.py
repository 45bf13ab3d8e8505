"""The demo's expert pool: about sixty approved experts of the province center's pool across the
specialties and regions, a few applications waiting, one suspended; valid ID numbers; the demo's
expert logins with their records; experts employed by, or related to, demo bidders; loaded once."""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.urls import reverse

from demo.data import DEMO_PASSWORD
from demo.pool_data import APPROVED, PENDING, SUSPENSION_REASON
from evaluation import idcard
from evaluation.choices import ExpertStatus
from evaluation.models import Expert
from trading.models import AuditEvent, Organization, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.KAIBIAO_DEMO_KEYS_DIR = tmp_path / "demo-keys"
    settings.KAIBIAO_SEALED_ROOT = tmp_path / "sealed"
    settings.KAIBIAO_RECEIPT_KEY_FILE = tmp_path / "keys" / "receipt-signing-key.pem"


def load() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_the_demo_pool_loads_through_the_services_and_a_second_run_changes_nothing(client):
    load()
    experts = Expert.objects.select_related("pool", "user")
    statuses = Counter(experts.values_list("status", flat=True))
    assert statuses == {ExpertStatus.APPROVED: APPROVED - 1, ExpertStatus.SUSPENDED: 1, ExpertStatus.PENDING: PENDING}
    assert {e.pool.code for e in experts} == {"gxggzy"}
    assert all(idcard.check(e.id_number) == e.id_number for e in experts)
    suspended = experts.get(status=ExpertStatus.SUSPENDED)
    assert suspended.status_reason == SUSPENSION_REASON
    # every step audited: an application each, the keeper's approvals and the suspension
    assert AuditEvent.objects.filter(action="expert.enrolled").count() == APPROVED + PENDING
    assert AuditEvent.objects.filter(action="expert.approved", actor_name="staff.gx").count() == APPROVED
    assert AuditEvent.objects.filter(action="expert.suspended").count() == 1

    # across the specialties and the regions of the demo's centers, and beyond them
    approved = experts.filter(status=ExpertStatus.APPROVED)
    per_specialty = Counter(code for e in approved for code in e.specialties.values_list("code", flat=True))
    assert len(per_specialty) >= 25 and min(per_specialty[c] for c in ("A0202", "A0201", "A0601")) >= 7
    regions = {e.region_code[:4] for e in approved}
    assert {"4501", "4502"} <= regions and len(regions - {"4501", "4502"}) >= 4

    # some work or worked for demo bidders, or declared a relation with one: the draw screens them
    bidders = set(Organization.objects.filter(users__role="bidder").values_list("uscc", flat=True))
    assert sum(e.employer_uscc in bidders for e in experts) >= 3
    assert Expert.objects.filter(employments__employer_uscc__in=bidders).count() >= 2
    assert Expert.objects.filter(relations__uscc__in=bidders).count() >= 2
    assert Expert.objects.filter(absences__isnull=False).distinct().count() >= 3

    # the demo's expert logins have their records, and the keeper has applications to review
    for username in ("expert.01", "expert.02", "expert.03"):
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD) and user.expert.status == ExpertStatus.APPROVED
    client.force_login(User.objects.get(username="staff.gx"))
    page = client.get(reverse("trading:dashboard")).content.decode()
    assert 'id="expert-applications"' in page

    before = (Expert.objects.count(), AuditEvent.objects.count())
    assert "nothing changed" in load()
    assert (Expert.objects.count(), AuditEvent.objects.count()) == before
