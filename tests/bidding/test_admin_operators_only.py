"""The Django admin opens to operators (superusers) only: a staff account given a model's view permission reads nothing there."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission

from tests.bidding.conftest import client_for, submit
from tests.trading.factories import staff
from trading.models import User

pytestmark = pytest.mark.django_db


def test_a_staff_account_with_view_permission_cannot_read_the_audit_events_before_the_deadline(tender, bidder):
    auditor = staff(tender.project.center, is_staff=True)
    auditor.user_permissions.add(Permission.objects.get(codename="view_auditevent"),
                                 Permission.objects.get(codename="view_user"))
    auditor = User.objects.get(pk=auditor.pk)
    submit(tender, bidder)
    with time_machine.travel(tender.before(timedelta(days=1)), tick=False):
        for url in ("/admin/trading/auditevent/", "/admin/trading/auditevent/?action=bid.completed", "/admin/trading/user/"):
            page = client_for(auditor).get(url)
            assert page.status_code == 302 and "/admin/login/" in page["Location"], url
            assert bidder.user.username not in page.content.decode()


def test_an_operator_still_reads_the_admin(tender, bidder, admin_user):
    submit(tender, bidder)
    page = client_for(admin_user).get("/admin/trading/auditevent/")
    assert page.status_code == 200
    assert "bid.completed" in page.content.decode()
