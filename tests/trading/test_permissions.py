"""Who may do what to which tender: the permission matrix, tested through the services (where
permission lives, so a service refuses even when a view forgets to ask) and, for a few cells,
through the pages, to show that the views open no hole.

Each person stands in one relation to the tender (tests.trading.factories.RELATIONS): the staff of its
own center or of another, a supervisor at its center, above it or beside it, its tenderee and
agent or those of another project, a bidder, an expert, a key custodian, the public."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from tests.trading.factories import RELATIONS, LotFactory, ProjectFactory, cast, document
from trading import selectors, services
from trading.choices import LotState, NoticeKind
from trading.errors import NotFound, PermissionDenied, RuleViolation
from trading.models import AuditEvent, DocumentDownload, Notice, Project

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- the matrix -------------------------------------------------------------------------------

ok, hidden, denied, refused = "ok", "hidden", "denied", "refused"
# hidden:  the service answers "no such project/lot" (the person may not know it exists; HTTP 404)
# denied:  the person sees the object but may not do this (HTTP 403)
# refused: the person may do this, but not on this object (another center's or party's)

ACTIONS = ("create", "view_draft", "edit_draft", "add_document", "publish", "clarification", "amendment",
           "transition", "audit", "download_draft", "download_published")
MATRIX = {
    #                       create   view     edit     document publish  clarify  amend    lot      audit    dl-draft dl-public
    "center_staff":         (ok,     ok,      ok,      ok,      ok,      ok,      ok,      ok,      ok,      ok,      ok),
    "other_center_staff":   (refused, hidden, hidden,  hidden,  hidden,  denied,  denied,  denied,  denied,  denied,  ok),
    "city_supervisor":      (denied, ok,      denied,  denied,  denied,  denied,  denied,  denied,  ok,      ok,      ok),
    "province_supervisor":  (denied, ok,      denied,  denied,  denied,  denied,  denied,  denied,  ok,      ok,      ok),
    "unrelated_supervisor": (denied, hidden,  hidden,  hidden,  hidden,  denied,  denied,  denied,  denied,  denied,  ok),
    "tenderee":             (ok,     ok,      ok,      ok,      denied,  ok,      ok,      denied,  denied,  ok,      ok),
    "agent":                (ok,     ok,      ok,      ok,      denied,  ok,      ok,      denied,  denied,  ok,      ok),
    "other_tenderee":       (refused, hidden, hidden,  hidden,  hidden,  denied,  denied,  denied,  denied,  denied,  ok),
    "other_agent":          (refused, hidden, hidden,  hidden,  hidden,  denied,  denied,  denied,  denied,  denied,  ok),
    "bidder":               (denied, hidden,  hidden,  hidden,  hidden,  denied,  denied,  denied,  denied,  denied,  ok),
    "expert":               (denied, hidden,  hidden,  hidden,  hidden,  denied,  denied,  denied,  denied,  denied,  ok),
    "custodian":            (denied, hidden,  hidden,  hidden,  hidden,  denied,  denied,  denied,  denied,  denied,  ok),
    "anonymous":            (denied, hidden,  hidden,  hidden,  hidden,  denied,  denied,  denied,  denied,  denied,  ok),
}
assert set(MATRIX) == set(RELATIONS) and all(len(row) == len(ACTIONS) for row in MATRIX.values())


def column(action):
    return [pytest.param(relation, MATRIX[relation][ACTIONS.index(action)], id=relation) for relation in RELATIONS]


class Stage:
    """The cast around two tenders of one center, same tenderee and agent: a draft with its
    documents, and a published one with its tender notice, documents and audit trail."""

    def __init__(self):
        self.people = cast()
        self.staff = self.people["center_staff"]
        self.draft = self.people.project
        self.draft_lot = LotFactory(project=self.draft)
        self.draft_document = document(self.draft, title="招标文件（草稿）")
        now = timezone.now()
        self.published = ProjectFactory(center=self.draft.center, tenderee=self.draft.tenderee,
                                        agent=self.draft.agent, created_by=self.staff)
        self.published_lot = LotFactory(project=self.published)
        document(self.published, title="招标文件")
        services.publish_project(actor=self.staff, project=self.published, bid_deadline=now + 25 * DAY,
                                 notice_title="招标公告", notice_body="现就该项目进行公开招标。", now=now)
        self.published.refresh_from_db()
        self.published_lot.refresh_from_db()
        self.published_document = self.published.documents.get()

    def __getitem__(self, relation):
        return self.people[relation]


@pytest.fixture
def stage():
    return Stage()


def attempt(action):
    """Run a service call; return (outcome, result or message), as an English-speaking user reads it."""
    with translation.override("en"):
        try:
            return ok, action()
        except NotFound as err:
            return hidden, str(err)
        except PermissionDenied as err:
            return denied, str(err)
        except RuleViolation as err:
            return refused, str(err)


def no_permission(perm):
    return f"You do not have permission to do this ({perm})."


def check_refusal(outcome, message, expected, *, perm, missing="No such project.", rule=None):
    assert outcome == expected, message
    if expected == hidden:
        assert message == missing
    elif expected == denied:
        assert message == no_permission(perm)
    elif expected == refused:
        assert message == rule


def events_since(seq):
    return list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq"))


def last_seq():
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


# --- through the services ---------------------------------------------------------------------


@pytest.mark.parametrize(("relation", "expected"), column("create"))
def test_create_project_by_each_person(stage, relation, expected):
    # given the project's own center and its own tenderee and agent
    actor = stage[relation]
    outcome, result = attempt(lambda: services.create_project(
        actor=actor, center=stage.draft.center, lots=[{"number": 1, "name": "第一标段", "budget": Decimal("500000"),
                                                           "evaluation_method": "comprehensive"}],
        code="GX-NEW-0001", name="新建项目", category="works", region_code="450100",
        tenderee=stage.draft.tenderee, agent=stage.draft.agent))
    rule = ("Staff register projects for their own trading center only." if relation == "other_center_staff"
            else "You may register projects only as their tenderee or their agent.")
    check_refusal(outcome, result, expected, perm="add_project", rule=rule)
    created = Project.objects.filter(code="GX-NEW-0001").first()
    if expected == ok:
        assert created.created_by == actor and created.lots.get().state == LotState.DRAFT
        assert AuditEvent.objects.get(action="project.created", project=created).actor == actor
    else:
        assert created is None


@pytest.mark.parametrize(("relation", "expected"), column("view_draft"))
def test_view_draft_project_by_each_person(stage, relation, expected):
    outcome, result = attempt(lambda: services.access_project(stage[relation], stage.draft.pk))
    check_refusal(outcome, result, expected, perm="view_project")
    if expected == ok:
        assert result == stage.draft
    # what a list shows agrees with what a single fetch allows
    assert (stage.draft in selectors.workspace_projects(stage[relation])) == (expected == ok)


@pytest.mark.parametrize(("relation", "expected"), column("edit_draft"))
def test_edit_draft_project_by_each_person(stage, relation, expected):
    seq = last_seq()
    outcome, result = attempt(lambda: services.update_project(actor=stage[relation], project=stage.draft,
                                                              name="改过的名称"))
    check_refusal(outcome, result, expected, perm="change_project")
    stage.draft.refresh_from_db()
    if expected == ok:
        assert stage.draft.name == "改过的名称"
        assert [e.action for e in events_since(seq)] == ["project.updated"]
    else:
        assert stage.draft.name != "改过的名称" and events_since(seq) == []


@pytest.mark.parametrize(("relation", "expected"), column("add_document"))
def test_add_document_to_draft_by_each_person(stage, relation, expected):
    seq = last_seq()
    upload = SimpleUploadedFile("补充说明.pdf", b"%PDF-1.7 addendum", content_type="application/pdf")
    outcome, result = attempt(lambda: services.add_document(actor=stage[relation], project=stage.draft,
                                                            title="补充说明", uploaded_file=upload))
    check_refusal(outcome, result, expected, perm="add_document")
    titles = set(stage.draft.documents.values_list("title", flat=True))
    if expected == ok:
        assert "补充说明" in titles and result.uploaded_by == stage[relation]
        assert [e.action for e in events_since(seq)] == ["document.added"]
    else:
        assert titles == {"招标文件（草稿）"} and events_since(seq) == []


@pytest.mark.parametrize(("relation", "expected"), column("publish"))
def test_publish_project_by_each_person(stage, relation, expected):
    now = timezone.now()
    outcome, result = attempt(lambda: services.publish_project(
        actor=stage[relation], project=stage.draft, bid_deadline=now + 25 * DAY, notice_title="招标公告",
        notice_body="现就该项目进行公开招标。", now=now))
    check_refusal(outcome, result, expected, perm="publish_project")
    stage.draft_lot.refresh_from_db()
    assert stage.draft_lot.state == (LotState.PUBLISHED if expected == ok else LotState.DRAFT)
    assert Notice.objects.filter(project=stage.draft).exists() == (expected == ok)


@pytest.mark.parametrize(("relation", "expected"), column("clarification"))
def test_publish_clarification_by_each_person(stage, relation, expected):
    outcome, result = attempt(lambda: services.publish_notice(
        actor=stage[relation], project=stage.published, kind=NoticeKind.CLARIFICATION, title="澄清一",
        body="第三章技术要求第2条更正如下。"))
    check_refusal(outcome, result, expected, perm="publish_notice")
    clarifications = Notice.objects.filter(project=stage.published, kind=NoticeKind.CLARIFICATION)
    if expected == ok:
        assert clarifications.get().published_by == stage[relation]
        assert AuditEvent.objects.get(action="notice.clarification").actor == stage[relation]
    else:
        assert not clarifications.exists()


@pytest.mark.parametrize(("relation", "expected"), column("amendment"))
def test_publish_amendment_by_each_person(stage, relation, expected):
    old = stage.published.bid_deadline
    outcome, result = attempt(lambda: services.publish_notice(
        actor=stage[relation], project=stage.published, kind=NoticeKind.AMENDMENT, title="修改一",
        body="投标截止时间顺延。", new_deadline=old + 7 * DAY))
    check_refusal(outcome, result, expected, perm="publish_notice")
    stage.published.refresh_from_db()
    assert stage.published.bid_deadline == (old + 7 * DAY if expected == ok else old)


@pytest.mark.parametrize(("relation", "expected"), column("transition"))
def test_take_lot_transition_by_each_person(stage, relation, expected):
    outcome, result = attempt(lambda: services.transition_lot(actor=stage[relation], lot=stage.published_lot,
                                                              name="cancel", reason="招标人终止招标"))
    check_refusal(outcome, result, expected, perm="transition_lot", missing="No such lot.")
    stage.published_lot.refresh_from_db()
    assert stage.published_lot.state == (LotState.CANCELLED if expected == ok else LotState.PUBLISHED)


@pytest.mark.parametrize(("relation", "expected"), column("audit"))
def test_read_audit_trail_by_each_person(stage, relation, expected):
    outcome, result = attempt(lambda: services.access_project(stage[relation], stage.published.pk,
                                                              perm="trading.view_audit"))
    check_refusal(outcome, result, expected, perm="view_audit")
    if expected == ok:
        actions = [e.action for e in selectors.audit_events(stage[relation], project=result)
                   if not e.action.startswith("table.")]  # the lot's scoring table: the evaluation floor's
        assert actions == ["project.published", "lot.publish"]


@pytest.mark.parametrize(("relation", "expected"), column("download_draft"))
def test_download_draft_document_by_each_person(stage, relation, expected):
    outcome, result = attempt(lambda: services.record_download(actor=stage[relation], document=stage.draft_document))
    check_refusal(outcome, result, expected, perm="download_document")
    assert not DocumentDownload.objects.exists()


@pytest.mark.parametrize(("relation", "expected"), column("download_published"))
def test_download_published_document_by_each_person(stage, relation, expected):
    outcome, result = attempt(lambda: services.record_download(actor=stage[relation], document=stage.published_document))
    check_refusal(outcome, result, expected, perm="download_document")
    # a bidder's download is kept (who took the documents); nobody else's is
    downloads = list(DocumentDownload.objects.values_list("organization", "user"))
    if relation == "bidder":
        assert downloads == [(stage[relation].organization_id, stage[relation].pk)]
        assert AuditEvent.objects.filter(action="document.downloaded", actor=stage[relation]).exists()
    else:
        assert downloads == []


def test_add_document_to_published_tender_refused_without_notice(stage):
    upload = SimpleUploadedFile("补充.pdf", b"%PDF-1.7 more", content_type="application/pdf")
    outcome, message = attempt(lambda: services.add_document(actor=stage.staff, project=stage.published,
                                                             title="补充", uploaded_file=upload))
    assert (outcome, message) == (
        refused, "The tender is published: add documents through a clarification or amendment.")


def test_publish_clarification_refused_on_draft_project(stage):
    outcome, message = attempt(lambda: services.publish_notice(
        actor=stage.staff, project=stage.draft, kind=NoticeKind.CLARIFICATION, title="澄清", body="正文"))
    assert (outcome, message) == (refused, "This tender is not open for bidding.")


def test_download_draft_document_refused_after_the_draft_is_cancelled(stage, client):
    # given a draft that is cancelled before it was ever published
    services.transition_lot(actor=stage.staff, lot=stage.draft_lot, name="cancel", reason="项目取消，不再招标")
    # then its documents, never announced, stay out of the public's reach
    outcome, message = attempt(lambda: services.record_download(actor=stage["bidder"], document=stage.draft_document))
    assert (outcome, message) == (denied, no_permission("download_document"))
    outcome, message = attempt(lambda: services.access_project(stage["anonymous"], stage.draft.pk))
    assert (outcome, message) == (hidden, "No such project.")
    assert client.get(reverse("trading:document_download", args=[stage.draft_document.pk])).status_code == 404
    assert client.get(reverse("reporting:tender", args=[stage.draft.pk])).status_code == 404
    assert stage.draft not in selectors.public_projects()


# --- through the pages: the views open no hole ---------------------------------------------------


def as_user(client, user):
    if user.is_authenticated:
        client.force_login(user)
    return client


@pytest.mark.parametrize(("relation", "status"), [
    ("center_staff", 200), ("province_supervisor", 200), ("tenderee", 200),
    ("other_center_staff", 404), ("unrelated_supervisor", 404), ("other_agent", 404), ("bidder", 404),
])
def test_draft_project_page_by_person(client, stage, relation, status):
    page = as_user(client, stage[relation]).get(reverse("trading:project", args=[stage.draft.pk]))
    assert page.status_code == status
    if status == 200:
        assert stage.draft.name in page.content.decode()


def test_draft_project_page_sends_public_to_login(client, stage):
    page = client.get(reverse("trading:project", args=[stage.draft.pk]))
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))


def test_edit_draft_post_by_supervisor_forbidden(client, stage):
    page = as_user(client, stage["province_supervisor"]).post(
        reverse("trading:project_edit", args=[stage.draft.pk]), {"name": "监督人员改名"})
    assert page.status_code == 403
    stage.draft.refresh_from_db()
    assert stage.draft.name != "监督人员改名"


def test_publish_post_by_tenderee_forbidden(client, stage):
    deadline = timezone.localtime(timezone.now() + 25 * DAY).strftime("%Y-%m-%dT%H:%M")
    page = as_user(client, stage["tenderee"]).post(
        reverse("trading:project_publish", args=[stage.draft.pk]),
        {"bid_deadline": deadline, "notice_title": "招标公告", "notice_body": "正文"})
    assert page.status_code == 403
    stage.draft_lot.refresh_from_db()
    assert stage.draft_lot.state == LotState.DRAFT


def test_notice_post_by_bidder_forbidden(client, stage):
    page = as_user(client, stage["bidder"]).post(
        reverse("trading:notice_add", args=[stage.published.pk]),
        {"kind": NoticeKind.CLARIFICATION, "title": "伪造澄清", "body": "正文"})
    assert page.status_code == 403
    assert not Notice.objects.filter(title="伪造澄清").exists()


@pytest.mark.parametrize(("relation", "lot", "status"), [
    ("bidder", "published_lot", 403),
    ("tenderee", "published_lot", 403),
    ("province_supervisor", "published_lot", 403),
    ("bidder", "draft_lot", 404),
    ("other_center_staff", "draft_lot", 404),
])
def test_lot_transition_post_by_person_refused(client, stage, relation, lot, status):
    target = getattr(stage, lot)
    before = target.state
    page = as_user(client, stage[relation]).post(reverse("trading:lot_transition", args=[target.pk]),
                                                 {"name": "cancel", "reason": "越权操作"})
    assert page.status_code == status
    target.refresh_from_db()
    assert target.state == before


@pytest.mark.parametrize(("relation", "status"), [
    ("province_supervisor", 200), ("center_staff", 200),
    ("unrelated_supervisor", 403), ("other_center_staff", 403), ("tenderee", 403), ("bidder", 403),
])
def test_audit_trail_page_of_project_by_person(client, stage, relation, status):
    page = as_user(client, stage[relation]).get(reverse("trading:audit"), {"project": stage.published.pk})
    assert page.status_code == status
    if status == 200:
        assert "lot.publish" in page.content.decode()


@pytest.mark.parametrize(("relation", "status"), [
    ("anonymous", 404), ("bidder", 404), ("other_center_staff", 404), ("tenderee", 200), ("city_supervisor", 200),
])
def test_download_draft_document_page_by_person(client, stage, relation, status):
    page = as_user(client, stage[relation]).get(reverse("trading:document_download", args=[stage.draft_document.pk]))
    assert page.status_code == status
    if status == 200:
        assert b"".join(page.streaming_content) == b"%PDF-1.7 tender documents"


def test_download_published_document_page_by_public(client, stage):
    page = client.get(reverse("trading:document_download", args=[stage.published_document.pk]))
    assert page.status_code == 200
    assert b"".join(page.streaming_content) == b"%PDF-1.7 tender documents"
    assert not DocumentDownload.objects.exists()


def test_download_published_document_page_by_bidder_is_recorded(client, stage):
    page = as_user(client, stage["bidder"]).get(
        reverse("trading:document_download", args=[stage.published_document.pk]))
    assert page.status_code == 200
    assert b"".join(page.streaming_content) == b"%PDF-1.7 tender documents"
    assert DocumentDownload.objects.get().organization == stage["bidder"].organization
