"""The audit trail does not tell staff or supervisors who is bidding before the deadline
(招标投标法 第二十二条): bid events and document downloads appear only once it has passed."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse

from bidding.models import Bid
from trading import audit
from trading.choices import Role
from trading.models import Document
from trading.selectors import audit_events
from trading.services import record_download

from .factories import UserFactory, bidder, published_lot


@pytest.mark.django_db
def test_audit_trail_hides_bidders_until_the_deadline_then_shows_them(client):
    # given a published tender, a bidder who took its documents and a bid event
    lot = published_lot(deadline_in=timedelta(days=3))
    project = lot.project
    center_staff = UserFactory(role=Role.STAFF, center=project.center)
    supervisor = UserFactory(role=Role.SUPERVISOR, center=project.center)
    someone = bidder()
    document = Document(project=project, title="招标文件", sha256="0" * 64, size=3, uploaded_by=center_staff)
    document.file.save("doc.txt", ContentFile(b"abc"), save=True)
    record_download(actor=someone, document=document)
    bid = Bid.objects.create(lot=lot, organization=someone.organization, version=1, created_by=someone)
    audit.record(actor=someone, action="bid.started", obj=bid, project=project, data={"version": 1})
    audit.record(actor=center_staff, action="project.updated", obj=project, project=project, data={})

    # when staff and the supervisor read the trail before the deadline
    for reader in (center_staff, supervisor):
        actions = set(audit_events(reader, project=project).values_list("action", flat=True))
        # then the bidder's traces are not there, the rest is
        assert "project.updated" in actions
        assert "bid.started" not in actions and "document.downloaded" not in actions
    client.force_login(supervisor)
    page = client.get(reverse("trading:audit"), {"project": project.pk}).content.decode()
    assert someone.username not in page and someone.organization.uscc not in page

    # and once the deadline has passed, they are
    with time_machine.travel(project.bid_deadline + timedelta(milliseconds=1)):
        actions = set(audit_events(supervisor, project=project).values_list("action", flat=True))
        assert {"bid.started", "document.downloaded"} <= actions
        client.force_login(supervisor)  # three days on, the eight-hour session has expired
        page = client.get(reverse("trading:audit"), {"project": project.pk}).content.decode()
        assert someone.username in page
