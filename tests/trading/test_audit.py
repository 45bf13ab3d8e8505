"""The audit trail (DESIGN.md §7): every action writes one event with server time, actor, role,
network address, action and object, chained by digest so that an edited, removed or inserted
event is found by `manage.py verify_audit`."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tests.trading.factories import CenterFactory, OrganizationFactory, agent_organization, make_uscc, staff, tenderee_organization
from trading import audit, services
from trading.choices import LotState, NoticeKind, Role
from trading.context import acting_from, ip_from_scope_or_meta
from trading.errors import RuleViolation
from trading.models import AuditChainHead, AuditEvent, DocumentDownload, Lot, Notice, Project

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.5"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- helpers ---------------------------------------------------------------------------------


def verify():
    """Run `verify_audit` as an operator does; return (exit code, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def lots():
    return [
        {"number": 1, "name": "第一标段 土建", "budget": Decimal("1234567.80"), "ceiling_price": Decimal("1200000.00"),
         "bid_security": Decimal("20000.00"), "evaluation_method": "comprehensive"},
        {"number": 2, "name": "第二标段 安装", "budget": Decimal("500000.00"), "ceiling_price": None,
         "bid_security": Decimal("0.00"), "evaluation_method": "lowest_evaluated"},
    ]


def new_project(actor, center, code="GXNN-2026-0001"):
    return services.create_project(
        actor=actor, center=center, lots=lots(), code=code, name="南宁市第三中学教学楼新建工程",
        category="works", region_code="450100", tenderee=tenderee_organization(), agent=agent_organization(),
    )


def tender_file(name="招标文件.pdf", content=b"%PDF-1.7 tender documents"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class Chain:
    """A trail produced the way the platform produces it: through the services."""

    def __init__(self):
        self.center = CenterFactory()
        self.staff = staff(self.center)
        with acting_from(ADDRESS):
            self.project = new_project(self.staff, self.center)
            self.document = services.add_document(actor=self.staff, project=self.project, title="招标文件",
                                                  uploaded_file=tender_file())
            services.update_project(actor=self.staff, project=self.project, description="教学楼 4 层，建筑面积 6000 平方米")
            services.publish_project(actor=self.staff, project=self.project,
                                     bid_deadline=timezone.now() + timedelta(days=25),
                                     notice_title="招标公告", notice_body="欢迎投标。")
            services.publish_notice(actor=self.staff, project=self.project, kind=NoticeKind.CLARIFICATION,
                                    title="澄清一", body="工期为 300 日历天。")
            self.bidder = services.register_bidder(username="bidder-a", password="Qingxiu-2026-bid!", full_name="李明",
                                                   organization_name="广西示例建设有限公司", uscc=make_uscc())
            services.record_download(actor=self.bidder, document=self.document)
        self.events = list(AuditEvent.objects.order_by("seq"))


@pytest.fixture
def chain():
    return Chain()


def forged_digest(**fields):
    return audit.event_digest(
        seq=fields["seq"], at=fields["at"], actor_id=fields["actor"].pk if fields.get("actor") else None,
        actor_name=fields["actor_name"], role=fields["role"], ip=fields["ip"], action=fields["action"],
        object_type=fields["object_type"], object_id=fields["object_id"],
        project_id=fields["project"].pk if fields.get("project") else None, data=fields["data"],
        prev_digest=fields["prev_digest"],
    )


def forge_after(event: AuditEvent, seq: int, bidder) -> AuditEvent:
    """A plausible event: a bidder's download, a moment after `event`, linked to `event` with a
    digest computed exactly as the platform computes one."""
    fields = {
        "seq": seq, "at": event.at + timedelta(milliseconds=300), "actor": bidder, "actor_name": bidder.username,
        "role": Role.BIDDER, "ip": "198.51.100.23", "action": "document.downloaded", "object_type": "trading.document",
        "object_id": "1", "project": event.project, "data": {"organization": bidder.organization.uscc},
        "prev_digest": event.digest,
    }
    return AuditEvent.objects.create(digest=forged_digest(**fields), **fields)


# --- an intact chain -------------------------------------------------------------------------


def test_an_intact_chain_verifies_and_says_how_many_events(chain):
    n = len(chain.events)
    assert n >= 9
    code, out, err = verify()
    assert code == 0
    assert f"{n} events verify" in out
    assert err == ""


def test_events_link_in_order_from_the_genesis_to_the_head(chain):
    assert [e.seq for e in chain.events] == list(range(1, len(chain.events) + 1))
    assert chain.events[0].prev_digest == audit.GENESIS
    for before, after in zip(chain.events, chain.events[1:]):
        assert after.prev_digest == before.digest
    for event in chain.events:
        assert audit.digest_of_row(event) == event.digest
    head = AuditChainHead.objects.get()
    assert (head.seq, head.digest) == (chain.events[-1].seq, chain.events[-1].digest)


def test_an_empty_trail_verifies():
    code, out, _ = verify()
    assert code == 0
    assert "0 events verify" in out


# --- tampering -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"data": {"title": "澄清一（已改）"}},
        {"ip": "10.9.9.9"},
        {"actor_name": "someone-else"},
        {"role": "supervisor"},
        {"action": "project.updated"},
        {"object_id": "999"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_an_edited_event_is_detected(chain, change):
    target = chain.events[4]
    assert AuditEvent.objects.filter(seq=target.seq).update(**change) == 1
    code, _, err = verify()
    assert code == 1
    assert f"#{target.seq}" in err
    assert "edited" in err


def test_an_event_moved_in_time_is_detected(chain):
    target = chain.events[3]
    AuditEvent.objects.filter(seq=target.seq).update(at=target.at - timedelta(seconds=1))
    code, _, err = verify()
    assert code == 1
    assert f"#{target.seq}:" in err


def test_an_edit_with_a_recomputed_digest_is_detected_at_the_next_event(chain):
    """A forger who re-hashes the edited event still breaks the next event's link."""
    target = AuditEvent.objects.get(seq=chain.events[4].seq)
    target.data = {"title": "另一个澄清"}
    target.digest = audit.digest_of_row(target)
    target.save()
    code, _, err = verify()
    assert code == 1
    assert f"#{target.seq + 1}:" in err
    assert "does not link" in err


def test_a_deleted_middle_event_is_detected(chain):
    target = chain.events[5]
    assert AuditEvent.objects.filter(seq=target.seq).delete()[0] == 1
    code, _, err = verify()
    assert code == 1
    assert f"#{target.seq}:" in err
    assert "missing" in err


def test_a_forged_event_in_place_of_a_real_one_is_detected_by_the_next_link(chain):
    """Shifting nothing: one real event goes, a forged one with a plausible digest, linked to
    its predecessor, takes its number. The following event still names the real one."""
    victim = chain.events[5]
    AuditEvent.objects.filter(seq=victim.seq).delete()
    forged = forge_after(chain.events[4], victim.seq, chain.bidder)
    assert audit.digest_of_row(forged) == forged.digest
    code, _, err = verify()
    assert code == 1
    assert f"#{victim.seq + 1}:" in err
    assert "does not link" in err


def test_a_forged_event_inserted_between_two_events_is_detected(chain):
    """The forger makes room after event k by moving the later events' numbers up by one
    (their content, links and digests untouched) and slots a well-formed event in at k+1."""
    k = chain.events[3].seq
    for event in reversed(chain.events[4:]):
        AuditEvent.objects.filter(pk=event.pk).update(seq=event.seq + 1)
    forge_after(chain.events[3], k + 1, chain.bidder)
    code, _, err = verify()
    assert code == 1
    assert f"#{k + 2}:" in err
    assert "does not link" in err


def test_a_forged_event_appended_after_the_newest_is_detected_by_the_head(chain):
    last = chain.events[-1]
    forge_after(last, last.seq + 1, chain.bidder)
    code, _, err = verify()
    assert code == 1
    assert f"#{last.seq + 1}:" in err
    assert "chain head" in err


def test_the_deleted_newest_event_is_detected_by_the_chain_head(chain):
    last = chain.events[-1]
    AuditEvent.objects.filter(seq=last.seq).delete()
    code, _, err = verify()
    assert code == 1
    assert f"#{last.seq}:" in err
    assert "newest events removed" in err


def test_the_newest_events_deleted_together_are_detected(chain):
    cut = chain.events[-3].seq
    AuditEvent.objects.filter(seq__gte=cut).delete()
    code, _, err = verify()
    assert code == 1
    assert f"#{cut}:" in err


def test_the_first_fault_is_the_one_named(chain):
    AuditEvent.objects.filter(seq=7).update(data={})
    AuditEvent.objects.filter(seq=3).update(ip="10.0.0.1")
    code, _, err = verify()
    assert code == 1
    assert "#3:" in err
    assert "#7" not in err
    assert "2 events before it verify" in err


# --- what each service records ---------------------------------------------------------------


class Recorder:
    """Run one action and return the events it wrote, with the server time around it."""

    def __call__(self, action, *args, **kwargs):
        first = (AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
        self.before = timezone.now()
        result = action(*args, **kwargs)
        self.after = timezone.now()
        return result, list(AuditEvent.objects.filter(seq__gte=first).order_by("seq"))

    def assert_event(self, event, *, actor, action, obj, project=None, ip=ADDRESS):
        assert self.before <= event.at <= self.after, "server time of the action"
        assert event.actor_id == (actor.pk if actor else None)
        assert event.actor_name == (actor.username if actor else "system")
        assert event.role == (actor.role if actor else "system")
        assert event.ip == ip
        assert event.action == action
        assert event.object_type == obj._meta.label_lower
        assert event.object_id == str(obj.pk)
        assert event.project_id == (project.pk if project else None)


def test_every_service_writes_an_event_with_time_actor_role_address_action_and_object():
    run = Recorder()
    center = CenterFactory()
    clerk = staff(center)
    with acting_from(ADDRESS):
        project, events = run(new_project, clerk, center)
        assert len(events) == 1
        run.assert_event(events[0], actor=clerk, action="project.created", obj=project, project=project)
        assert events[0].data["code"] == "GXNN-2026-0001"
        assert [lot["budget"] for lot in events[0].data["lots"]] == ["1234567.80", "500000.00"]

        _, events = run(services.update_project, actor=clerk, project=project, name="南宁市第三中学教学楼扩建工程")
        assert len(events) == 1
        run.assert_event(events[0], actor=clerk, action="project.updated", obj=project, project=project)
        assert events[0].data == {"before": {"name": "南宁市第三中学教学楼新建工程"}, "after": {"name": "南宁市第三中学教学楼扩建工程"}}

        _, events = run(services.update_legal_settings, actor=clerk, project=project, min_days_to_deadline=21)
        assert len(events) == 1
        run.assert_event(events[0], actor=clerk, action="project.updated", obj=project, project=project)
        assert events[0].data["after"] == {"min_days_to_deadline": 21}

        doc, events = run(services.add_document, actor=clerk, project=project, title="招标文件", uploaded_file=tender_file())
        assert len(events) == 1
        run.assert_event(events[0], actor=clerk, action="document.added", obj=doc, project=project)
        assert events[0].data["sha256"] == doc.sha256

        deadline = timezone.now() + timedelta(days=25)
        notice, events = run(services.publish_project, actor=clerk, project=project, bid_deadline=deadline,
                             notice_title="招标公告", notice_body="欢迎投标。")
        events = [e for e in events if not e.action.startswith("table.")]  # each lot's scoring table: evaluation's
        lot1, lot2 = project.lots.order_by("number")
        assert [e.action for e in events] == ["lot.publish", "lot.publish", "project.published"]
        run.assert_event(events[0], actor=clerk, action="lot.publish", obj=lot1, project=project)
        run.assert_event(events[1], actor=clerk, action="lot.publish", obj=lot2, project=project)
        run.assert_event(events[2], actor=clerk, action="project.published", obj=project, project=project)
        assert events[0].data["from"] == "draft" and events[0].data["to"] == "published"
        assert events[2].data["notice"] == notice.pk

        clarification, events = run(services.publish_notice, actor=clerk, project=project, kind=NoticeKind.CLARIFICATION,
                                    title="澄清一", body="工期为 300 日历天。")
        assert len(events) == 1
        run.assert_event(events[0], actor=clerk, action="notice.clarification", obj=clarification, project=project)

        bidder_user, events = run(services.register_bidder, username="bidder-a", password="Qingxiu-2026-bid!",
                                  full_name="李明", organization_name="广西示例建设有限公司", uscc=make_uscc())
        assert len(events) == 1
        run.assert_event(events[0], actor=bidder_user, action="organization.registered", obj=bidder_user.organization)
        assert events[0].role == Role.BIDDER

        _, events = run(services.record_download, actor=bidder_user, document=doc)
        assert len(events) == 1
        run.assert_event(events[0], actor=bidder_user, action="document.downloaded", obj=doc, project=project)
        assert DocumentDownload.objects.filter(document=doc, user=bidder_user,
                                               organization=bidder_user.organization).count() == 1

        lot2, events = run(services.transition_lot, actor=clerk, lot=lot2, name="cancel", reason="资金未落实")
        assert len(events) == 1
        run.assert_event(events[0], actor=clerk, action="lot.cancel", obj=lot2, project=project)
        assert events[0].data == {"from": "published", "to": "cancelled", "reason": "资金未落实"}

    # The platform's clock closes bidding at the deadline: no person, no network address.
    with time_machine.travel(deadline + timedelta(seconds=1), tick=False):
        lot1, events = run(services.system_transition, lot_id=lot1.pk, name="close")
        assert len(events) == 1
        run.assert_event(events[0], actor=None, action="lot.close", obj=lot1, project=project, ip=None)
        assert events[0].at == timezone.now()
    assert verify()[0] == 0


def test_the_event_time_is_the_server_clock_not_a_value_from_the_caller():
    center = CenterFactory()
    clerk = staff(center)
    project = new_project(clerk, center)
    services.add_document(actor=clerk, project=project, title="招标文件", uploaded_file=tender_file())
    instant = timezone.now().replace(microsecond=123456) + timedelta(hours=1)
    with time_machine.travel(instant, tick=False):
        services.publish_project(actor=clerk, project=project, bid_deadline=instant + timedelta(days=30),
                                 notice_title="招标公告", notice_body="欢迎投标。",
                                 now=instant - timedelta(days=3))  # a caller's "now" does not date the record
    assert set(AuditEvent.objects.filter(action__in=["lot.publish", "project.published"]).values_list("at", flat=True)) == {instant}


# --- the network address, from the transport, never from the client ---------------------------


def _register_through_the_page(client, **meta):
    page = client.post(reverse("trading:register"), {
        "organization_name": "广西示例建设有限公司", "uscc": make_uscc(), "full_name": "李明",
        "contact_phone": "", "address": "", "username": "bidder-x",
        "password": "Qingxiu-2026-bid!", "password_again": "Qingxiu-2026-bid!",
    }, **meta)
    assert page.status_code == 302, page.content.decode()
    return AuditEvent.objects.get(action="organization.registered")


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, None, "192.0.2.10"),
        (0, "203.0.113.66", "192.0.2.10"),              # a client's own header is not believed
        (0, "203.0.113.66, 198.51.100.1", "192.0.2.10"),
        (1, None, "192.0.2.10"),                        # reached Daphne without the proxy
        (1, "203.0.113.66", "203.0.113.66"),            # what the proxy saw
        (1, "6.6.6.6, 203.0.113.66", "203.0.113.66"),   # the client wrote 6.6.6.6 itself
        (2, "6.6.6.6, 203.0.113.66, 10.0.0.2", "203.0.113.66"),
        (1, "unknown", None),                           # not an address: none is recorded
    ],
)
def test_the_address_comes_from_remote_addr_and_only_trusted_proxies(client, settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": "192.0.2.10"}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    event = _register_through_the_page(client, **meta)
    assert event.ip == expected
    assert verify()[0] == 0


def test_a_staff_action_through_a_page_records_the_staff_address(client):
    center = CenterFactory()
    clerk = staff(center)
    project = new_project(clerk, center)
    client.force_login(clerk, backend="django.contrib.auth.backends.ModelBackend")
    page = client.post(reverse("trading:lot_transition", args=[project.lots.get(number=2).pk]),
                       {"name": "cancel", "reason": "资金未落实", "confirmed": "yes"}, REMOTE_ADDR="192.0.2.44",
                       HTTP_X_FORWARDED_FOR="8.8.8.8")
    assert page.status_code == 302
    event = AuditEvent.objects.get(action="lot.cancel")
    assert (event.actor_id, event.role, event.ip) == (clerk.pk, Role.STAFF, "192.0.2.44")


def test_an_ipv6_address_is_stored_as_hashed(client):
    """The database keeps IPv6 addresses in their short form; the digest must cover the same
    text, or an honest trail would fail verification."""
    event = _register_through_the_page(client, REMOTE_ADDR="2001:DB8:0:0:0:0:0:1")
    assert event.ip == "2001:db8::1"
    code, out, err = verify()
    assert (code, err) == (0, "")


def test_the_forwarded_for_parser():
    assert ip_from_scope_or_meta("10.0.0.1", "1.2.3.4", 0) == "10.0.0.1"
    assert ip_from_scope_or_meta("10.0.0.1", "1.2.3.4, 5.6.7.8", 1) == "5.6.7.8"
    assert ip_from_scope_or_meta("10.0.0.1", " 1.2.3.4 ,5.6.7.8 ", 2) == "1.2.3.4"
    assert ip_from_scope_or_meta("10.0.0.1", "5.6.7.8", 2) == "10.0.0.1"  # fewer hops than proxies
    assert ip_from_scope_or_meta(None, None, 0) is None


# --- nothing is recorded for what did not happen -----------------------------------------------


def test_a_rolled_back_action_leaves_no_event():
    center = CenterFactory()
    clerk = staff(center)
    new_project(clerk, center, code="GXNN-2026-0001")
    head_before = AuditChainHead.objects.values_list("seq", "digest").get()
    with pytest.raises(RuntimeError), transaction.atomic():
        new_project(clerk, center, code="GXNN-2026-0002")
        assert AuditEvent.objects.count() == 2
        raise RuntimeError("the surrounding work failed")
    assert not Project.objects.filter(code="GXNN-2026-0002").exists()
    assert AuditEvent.objects.count() == 1
    assert AuditChainHead.objects.values_list("seq", "digest").get() == head_before
    new_project(clerk, center, code="GXNN-2026-0003")
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == [1, 2]
    assert verify()[0] == 0


def test_a_refused_action_leaves_no_event():
    center = CenterFactory()
    clerk = staff(center)
    project = new_project(clerk, center)
    services.add_document(actor=clerk, project=project, title="招标文件", uploaded_file=tender_file())
    count = AuditEvent.objects.count()
    with pytest.raises(RuleViolation):
        services.publish_project(actor=clerk, project=project, bid_deadline=timezone.now() + timedelta(days=10),
                                 notice_title="招标公告", notice_body="欢迎投标。")
    assert AuditEvent.objects.count() == count
    assert set(Lot.objects.values_list("state", flat=True)) == {LotState.DRAFT}
    with pytest.raises(RuleViolation):
        new_project(clerk, center, code="GXNN-2026-0001")  # the code is taken
    assert AuditEvent.objects.count() == count


def test_a_notice_whose_attachment_is_refused_leaves_no_notice_and_no_event(client, settings):
    settings.KAIBIAO_DOCUMENT_MAX_BYTES = 1024
    center = CenterFactory()
    clerk = staff(center)
    project = new_project(clerk, center)
    services.add_document(actor=clerk, project=project, title="招标文件", uploaded_file=tender_file())
    services.publish_project(actor=clerk, project=project, bid_deadline=timezone.now() + timedelta(days=25),
                             notice_title="招标公告", notice_body="欢迎投标。")
    count = AuditEvent.objects.count()
    client.force_login(clerk, backend="django.contrib.auth.backends.ModelBackend")
    page = client.post(reverse("trading:notice_add", args=[project.pk]), {
        "kind": NoticeKind.AMENDMENT, "title": "修改一", "body": "增加一项技术要求。", "changes_bids": "on",
        "file": tender_file("修改文件.pdf", b"x" * 2048),
    }, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "larger than" in page.content.decode()
    assert not Notice.objects.filter(kind=NoticeKind.AMENDMENT).exists()
    assert AuditEvent.objects.count() == count
    assert verify()[0] == 0


def test_a_download_is_kept_only_with_its_event(monkeypatch, chain):
    """The download row and its event are one unit: if the event cannot be written, no row."""
    rows = DocumentDownload.objects.count()

    def refuse(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", refuse)
    with pytest.raises(RuntimeError):
        services.record_download(actor=chain.bidder, document=chain.document)
    assert DocumentDownload.objects.count() == rows
