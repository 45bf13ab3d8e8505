"""Two rules said once, on the model (trading/models.py): "the tender is still a draft" and
"bidding is open". The services, the workspace pages and the public portal all ask them."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.trading.factories import LotFactory, ProjectFactory, published_lot
from trading import services
from trading.choices import LotState
from trading.models import Lot, Project

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def project_with(*states) -> Project:
    project = ProjectFactory()
    for number, state in enumerate(states, start=1):
        LotFactory(project=project, number=number, state=state)
    return project


# --- still a draft ---------------------------------------------------------------------------


@pytest.mark.parametrize(("states", "draft"), [
    ((LotState.DRAFT,), True),
    ((LotState.DRAFT, LotState.DRAFT), True),
    ((LotState.CANCELLED, LotState.DRAFT), True),  # one lot dropped before publication: the rest is a draft
    ((LotState.CANCELLED,), False),  # nothing left to publish
    ((LotState.PUBLISHED, LotState.PUBLISHED), False),
    ((LotState.PUBLISHED, LotState.CANCELLED), False),
    ((LotState.AWARDED,), False),
])
def test_a_project_is_a_draft_while_a_lot_is(states, draft):
    project = project_with(*states)
    assert project.is_draft() is draft
    assert [lot.is_draft for lot in project.lots.order_by("number")] == [s == LotState.DRAFT for s in states]
    assert set(project.lots.drafts()) == {lot for lot in project.lots.all() if lot.is_draft}
    assert set(Lot.objects.filter(project=project).not_draft()) == {lot for lot in project.lots.all() if not lot.is_draft}


def test_a_draft_with_a_lot_cancelled_still_takes_its_documents_and_is_published():
    # given a draft of two lots, the first cancelled before publication
    project = project_with(LotState.DRAFT, LotState.DRAFT)
    first, second = project.lots.order_by("number")
    services.transition_lot(actor=project.created_by, lot=first, name="cancel", reason="资金未落实")
    # when the center uploads the tender documents (before: refused as if the tender were published)
    services.add_document(actor=project.created_by, project=project, title="招标文件",
                          uploaded_file=SimpleUploadedFile("招标文件.pdf", b"%PDF-1.7 documents"))
    # then it can publish the remaining lot
    services.publish_project(actor=project.created_by, project=project, bid_deadline=timezone.now() + 25 * DAY,
                             notice_title="招标公告", notice_body="欢迎投标。")
    second.refresh_from_db()
    first.refresh_from_db()
    assert (first.state, second.state) == (LotState.CANCELLED, LotState.PUBLISHED)
    assert not project.is_draft()


def test_the_workspace_offers_publication_while_the_project_is_a_draft(client):
    project = project_with(LotState.CANCELLED, LotState.DRAFT)
    client.force_login(project.created_by)
    page = client.get(reverse("trading:project", args=[project.pk]))
    assert reverse("trading:project_publish", args=[project.pk]) in page.content.decode()


# --- bidding is open -------------------------------------------------------------------------


def _portal_lists(client, project) -> bool:
    return reverse("reporting:tender", args=[project.pk]) in client.get(reverse("reporting:portal")).content.decode()


@pytest.mark.parametrize(("states", "deadline_in", "open_"), [
    ((LotState.PUBLISHED,), 10 * DAY, True),
    ((LotState.CANCELLED, LotState.PUBLISHED), 10 * DAY, True),
    ((LotState.PUBLISHED,), -timedelta(milliseconds=1), False),  # the closing job is late: still closed
    ((LotState.CANCELLED,), 10 * DAY, False),
    ((LotState.CLOSED,), 10 * DAY, False),
])
def test_the_portal_and_the_services_agree_on_bidding_open(client, states, deadline_in, open_):
    lot = published_lot(deadline_in=deadline_in)
    Lot.objects.filter(pk=lot.pk).update(state=states[-1])
    for number, state in enumerate(states[:-1], start=lot.number + 1):
        LotFactory(project=lot.project, number=number, state=state)
    project = Project.objects.get(pk=lot.project.pk)
    now = timezone.now()
    assert project.bidding_open(now) is open_
    assert project.bidding_open(now) is open_
    assert _portal_lists(client, project) is open_


def test_the_portal_asks_the_one_rule(client, monkeypatch):
    # the portal lists what Project.bidding_open says, and decides nothing of its own
    project = published_lot(deadline_in=10 * DAY).project
    monkeypatch.setattr(Project, "bidding_open", lambda self, now, lot=None: False)
    assert not _portal_lists(client, project)
    monkeypatch.undo()
    assert _portal_lists(client, project)


def test_bidding_open_uses_the_lots_read_with_the_project(django_assert_num_queries):
    lot = published_lot(deadline_in=10 * DAY)
    project = Project.objects.prefetch_related("lots").get(pk=lot.project.pk)
    with django_assert_num_queries(0):
        assert project.bidding_open(timezone.now())
