"""The staff's project forms as a clerk meets them (in Chinese, the platform's language): amounts
typed as people write them, tenderees and agents chosen among organizations of that kind (and
checked again by the service), lots added, changed and removed as rows, a published lot never
removed, every error beside its field and nothing typed lost."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from bidding.models import BidSecurity
from tests.trading.factories import (CenterFactory, LotFactory, OrganizationFactory, ProjectFactory, agent_organization, bidder,
                                     party, staff, tenderee_organization)
from trading import lot_services, services
from trading.choices import LotState, Role
from trading.errors import NotFound, PermissionDenied, RuleViolation
from trading.formats import AmountError, parse_amount
from trading.forms import LotFormSet, ProjectForm
from trading.models import AuditEvent, Lot, Project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user) -> Client:
    client = Client()  # no Accept-Language: the platform's Chinese
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


class Desk:
    """A city center's clerk, a tenderee and an agent with their accounts, a bidder's organization."""

    def __init__(self):
        self.center = CenterFactory(name="南宁市公共资源交易中心")
        self.clerk = staff(self.center)
        self.tenderee = tenderee_organization(name="南宁市交通运输局")
        self.agent = agent_organization(name="广西华标招标代理有限公司")
        self.bidder = bidder(OrganizationFactory(name="广西邕江建设工程有限公司")).organization


@pytest.fixture
def desk():
    return Desk()


def lot_rows(*lots, initial=0) -> dict:
    """The lots' rows as the page posts them: each lot a dict of the form's fields, as typed."""
    data = {"lots-TOTAL_FORMS": str(len(lots)), "lots-INITIAL_FORMS": str(initial), "lots-MIN_NUM_FORMS": "1",
            "lots-MAX_NUM_FORMS": "1000"}
    for index, lot in enumerate(lots):
        data.update({f"lots-{index}-{name}": value for name, value in lot.items()})
    return data


def lot(number, name, budget, ceiling="", security="", method="comprehensive", **more):
    return {"number": str(number), "name": name, "budget": budget, "ceiling_price": ceiling, "bid_security": security,
            "reserve_price": "", "evaluation_method": method, **more}


def project_post(desk, *lots, code="NN2027-GC-0099", **fields) -> dict:
    data = {"center": desk.center.pk, "code": code, "name": "南宁市五象新区道路改造工程", "category": "works",
            "region_code": "450100", "tenderee": desk.tenderee.pk, "agent": desk.agent.pk, "must_be_tendered": "on",
            "min_days_to_deadline": "20", "amendment_min_days": "15", "min_bids": "3", "publicity_days": "3",
            "contract_days": "30", **fields}
    return {**data, **lot_rows(*(lots or [lot(1, "道路工程", "17,680,000.00", "17,000,000.00", "340,000.00")]))}


def field_errors(page, form_name: str, field: str, row=None) -> list[str]:
    form = page.context[form_name]
    form = form.forms[row] if row is not None else form
    return [str(message) for message in form.errors.get(field, [])]


# --- amounts as people write them ----------------------------------------------------------------


@pytest.mark.parametrize(("typed", "amount"), [
    ("17,680,000.00", Decimal("17680000.00")),
    ("17680000", Decimal("17680000.00")),
    ("1,234.5", Decimal("1234.50")),
    (" ¥500 ", Decimal("500.00")),
    ("￥1,000元", Decimal("1000.00")),
    ("１７，６８０．５", Decimal("17680.50")),  # typed on a Chinese keyboard, full width
    ("0", Decimal("0.00")),
])
def test_an_amount_is_read_as_people_write_it(typed, amount):
    assert parse_amount(typed) == amount


@pytest.mark.parametrize(("typed", "code"), [
    ("1,23", "grouping"), ("12,3456", "grouping"), ("1,2345,678", "grouping"), ("abc", "digits"), ("", "empty"),
    ("1.5.0", "digits"), ("1e6", "digits"), ("1.234", "decimals"), ("1768万", "wan"),
])
def test_a_text_that_is_not_an_amount_is_refused_with_its_reason(typed, code):
    with pytest.raises(AmountError) as caught:
        parse_amount(typed)
    assert caught.value.code == code


@pytest.mark.parametrize(("typed", "message"), [
    ("12,34", "千位分隔符须每三位一个逗号（17,680,000.00），或者不写逗号（17680000.00）。"),
    ("1,000.005", "最多两位小数（角、分），如 17680000.05。"),
    ("100000000000000", "金额过大。"),
])
def test_a_budget_not_written_as_an_amount_is_refused_beside_it_and_kept_as_typed(desk, typed, message):
    page = client_for(desk.clerk).post(reverse("trading:project_create"), project_post(desk, lot(1, "道路工程", typed)))
    assert page.status_code == 200
    assert field_errors(page, "lots", "budget", row=0) == [message]
    assert f'value="{typed}"' in page.content.decode()
    assert "尚未保存" in page.content.decode()
    assert not Project.objects.exists()


def test_an_amount_saved_shows_with_its_thousands_separated(desk):
    project = ProjectFactory(center=desk.center, tenderee=desk.tenderee, agent=desk.agent)
    LotFactory(project=project, number=1, budget=Decimal("17680000.00"), ceiling_price=Decimal("17000000.00"))
    page = client_for(desk.clerk).get(reverse("trading:project_edit", args=[project.pk]))
    assert 'value="17,680,000.00"' in page.content.decode() and 'value="17,000,000.00"' in page.content.decode()


# --- the right kind of organization -------------------------------------------------------------


def test_the_tenderee_list_holds_tenderees_and_the_agent_list_agents(desk):
    form = ProjectForm(user=desk.clerk)
    assert list(form.fields["tenderee"].queryset) == [desk.tenderee]
    assert list(form.fields["agent"].queryset) == [desk.agent]
    html = str(form["tenderee"])
    assert "南宁市交通运输局" in html and desk.tenderee.uscc in html and "data-searchable" in html
    assert desk.bidder.name not in html and desk.agent.name not in html


def test_a_bidder_posted_as_tenderee_is_refused_beside_the_field(desk):
    page = client_for(desk.clerk).post(reverse("trading:project_create"), project_post(desk, tenderee=desk.bidder.pk))
    assert field_errors(page, "form", "tenderee") == ["请从列表中选择招标人：只有已登记为招标人的单位才能作为招标人。"]
    assert not Project.objects.exists()


def test_a_tenderee_posted_as_agent_is_refused_beside_the_field(desk):
    page = client_for(desk.clerk).post(reverse("trading:project_create"), project_post(desk, agent=desk.tenderee.pk))
    assert field_errors(page, "form", "agent") == [
        "请从列表中选择招标代理机构：只有已登记为招标代理机构的单位才能作为代理机构。"]


def test_the_service_refuses_a_tenderee_or_agent_of_the_wrong_kind_whatever_the_form(desk):
    def register(**parties):
        return services.create_project(
            actor=desk.clerk, center=desk.center, code="NN2027-GC-0100", name="道路", category="works",
            region_code="450100", lots=[{"number": 1, "name": "一标段", "budget": Decimal("1000000"),
                                         "evaluation_method": "comprehensive"}], **parties)

    with pytest.raises(RuleViolation) as caught:
        register(tenderee=desk.bidder, agent=None)
    assert caught.value.field == "tenderee" and "未在本平台登记为招标人" in caught.value.message
    with pytest.raises(RuleViolation) as caught:
        register(tenderee=desk.tenderee, agent=desk.bidder)
    assert caught.value.field == "agent" and "未在本平台登记为招标代理机构" in caught.value.message
    assert not Project.objects.exists() and not AuditEvent.objects.exists()
    assert register(tenderee=desk.tenderee, agent=desk.agent).agent == desk.agent


def test_changing_the_agent_to_a_bidder_is_refused_by_the_service(desk):
    project = ProjectFactory(center=desk.center, created_by=desk.clerk, tenderee=desk.tenderee, agent=desk.agent)
    LotFactory(project=project)
    with pytest.raises(RuleViolation) as caught:
        services.update_project(actor=desk.clerk, project=project, agent=desk.bidder)
    assert caught.value.field == "agent"
    project.refresh_from_db()
    assert project.agent == desk.agent


def test_an_organization_that_both_tenders_and_bids_is_in_the_tenderee_list(desk):
    party(Role.TENDEREE, desk.bidder)
    assert desk.bidder in ProjectForm(user=desk.clerk).fields["tenderee"].queryset


def test_a_tenderee_registering_its_own_project_finds_itself_chosen(desk):
    tenderee_user = party(Role.TENDEREE, desk.tenderee)
    assert ProjectForm(user=tenderee_user)["tenderee"].value() == desk.tenderee.pk


# --- lots added and removed when registering ------------------------------------------------------


def test_a_project_registered_with_three_lots(desk):
    page = client_for(desk.clerk).post(reverse("trading:project_create"), project_post(
        desk,
        lot(1, "道路工程", "17,680,000.00", "17,000,000.00", "340,000.00"),
        lot(2, "桥梁工程", "9,850,000", "", "150,000"),
        lot(3, "交通安全设施", "1,234,567.80", "1,200,000.00", "20,000.00", method="lowest_evaluated"),
    ))
    assert page.status_code == 302
    project = Project.objects.get()
    assert [(lot.number, lot.name, lot.budget, lot.ceiling_price, lot.bid_security) for lot in project.lots.order_by("number")] == [
        (1, "道路工程", Decimal("17680000.00"), Decimal("17000000.00"), Decimal("340000.00")),
        (2, "桥梁工程", Decimal("9850000.00"), None, Decimal("150000.00")),
        (3, "交通安全设施", Decimal("1234567.80"), Decimal("1200000.00"), Decimal("20000.00")),
    ]
    (event,) = AuditEvent.objects.all()
    assert event.action == "project.created" and [lot["number"] for lot in event.data["lots"]] == [1, 2, 3]


def test_add_a_lot_without_script_comes_back_with_the_next_number_nothing_judged_nothing_lost(desk):
    data = {**project_post(desk, lot(1, "道路工程", "17,680,000.00"), lot(2, "", "")), "name": "", "add_lot": "1"}
    page = client_for(desk.clerk).post(reverse("trading:project_create"), data)
    assert page.status_code == 200
    lots = page.context["lots"]
    assert len(lots.forms) == 3
    assert lots.forms[2]["number"].value() == "3"
    assert lots.forms[0]["budget"].value() == "17,680,000.00"
    html = page.content.decode()
    assert 'class="errors' not in html  # the empty name and the half-filled lot are not judged yet
    assert not Project.objects.exists()


def test_the_first_row_of_a_new_project_is_lot_one(desk):
    page = client_for(desk.clerk).get(reverse("trading:project_create"))
    lots = page.context["lots"]
    assert len(lots.forms) == 1 and lots.forms[0]["number"].value() == 1


def test_a_row_ticked_for_removal_is_not_registered(desk):
    page = client_for(desk.clerk).post(reverse("trading:project_create"), project_post(
        desk, lot(1, "道路工程", "1,000,000"), lot(2, "", "", DELETE="on"), lot(3, "桥梁工程", "500,000")))
    assert page.status_code == 302
    assert list(Project.objects.get().lots.order_by("number").values_list("number", "name")) == [(1, "道路工程"), (3, "桥梁工程")]


def test_an_empty_added_row_is_left_out(desk):
    data = project_post(desk, lot(1, "道路工程", "1,000,000"))
    data.update({"lots-TOTAL_FORMS": "2", "lots-1-number": "", "lots-1-name": "", "lots-1-budget": "",
                 "lots-1-evaluation_method": ""})
    assert client_for(desk.clerk).post(reverse("trading:project_create"), data).status_code == 302
    assert Project.objects.get().lots.count() == 1


def test_no_lot_left_is_refused_in_the_services_words(desk):
    page = client_for(desk.clerk).post(reverse("trading:project_create"),
                                       project_post(desk, lot(1, "道路工程", "1,000,000", DELETE="on")))
    assert [str(e) for e in page.context["lots"].non_form_errors()] == ["项目至少须有一个标段。"]
    assert not Project.objects.exists()


@pytest.mark.parametrize(("lots", "row", "field", "message"), [
    ((lot(1, "道路", "1,000,000"), lot(1, "桥梁", "500,000")), 1, "number", "标段编号重复。"),
    ((lot(1, "道路", "1,000,000", "1,300,000"),), 0, "ceiling_price", "第1标段：最高投标限价不得超过预算金额。"),
    ((lot(1, "道路", "1,000,000", "", "20,000.01"),), 0, "bid_security", "2%"),
    ((lot(1, "道路", "1,000,000", "", "-5"),), 0, "bid_security", "金额不得低于0.00元。"),
    ((lot(1, "", "1,000,000"),), 0, "name", "这个字段是必填项。"),
])
def test_a_lots_rule_broken_is_said_beside_its_field(desk, lots, row, field, message):
    page = client_for(desk.clerk).post(reverse("trading:project_create"), project_post(desk, *lots))
    assert page.status_code == 200
    errors = field_errors(page, "lots", field, row=row)
    assert errors and message in errors[0]
    assert "lot_ceiling_within_budget" not in page.content.decode()
    assert not Project.objects.exists()


def test_a_sales_deposit_is_not_held_to_two_percent(desk):
    data = project_post(desk, lot(1, "地块", "10,000,000", "", "2,000,000", method="highest_price"), category="land")
    assert client_for(desk.clerk).post(reverse("trading:project_create"), data).status_code == 302


# --- lots of a draft, changed on its edit page ------------------------------------------------------


@pytest.fixture
def draft(desk):
    project = services.create_project(
        actor=desk.clerk, center=desk.center, code="NN2027-GC-0001", name="道路改造", category="works",
        region_code="450100", tenderee=desk.tenderee, agent=desk.agent,
        lots=[{"number": 1, "name": "道路工程", "budget": Decimal("1000000"), "evaluation_method": "comprehensive"},
              {"number": 2, "name": "桥梁工程", "budget": Decimal("500000"), "evaluation_method": "comprehensive"}])
    return project


def edit_post(project, rows, **fields) -> dict:
    data = {"code": project.code, "name": project.name, "category": project.category, "region_code": project.region_code,
            "tenderee": project.tenderee_id, "agent": project.agent_id or "", "must_be_tendered": "on",
            "min_days_to_deadline": "20", "amendment_min_days": "15", "min_bids": "3", "publicity_days": "3",
            "contract_days": "30", **fields}
    existing = list(project.lots.order_by("number"))
    data.update(lot_rows(*rows, initial=len(existing)))
    for index, each in enumerate(existing):
        data[f"lots-{index}-id"] = str(each.pk)
        data[f"lots-{index}-project"] = str(project.pk)
    return data


def test_on_a_draft_a_lot_is_added_one_changed_and_one_removed_in_one_save(desk, draft):
    road, bridge = draft.lots.order_by("number")
    page = client_for(desk.clerk).post(reverse("trading:project_edit", args=[draft.pk]), edit_post(draft, [
        lot(1, "道路工程（含排水）", "1,200,000"),
        lot(2, "桥梁工程", "500,000", DELETE="on"),
        lot(3, "绿化工程", "300,000.50"),
    ]))
    assert page.status_code == 302, page.context and page.context["lots"].errors
    assert list(draft.lots.order_by("number").values_list("number", "name", "budget")) == [
        (1, "道路工程（含排水）", Decimal("1200000.00")), (3, "绿化工程", Decimal("300000.50"))]
    assert not Lot.objects.filter(pk=bridge.pk).exists()
    events = {e.action: e for e in AuditEvent.objects.filter(action__in=["lot.added", "lot.updated", "lot.removed"])}
    assert set(events) == {"lot.added", "lot.updated", "lot.removed"}
    assert events["lot.removed"].data["name"] == "桥梁工程" and events["lot.removed"].object_id == str(bridge.pk)
    assert events["lot.updated"].data["before"] == {"name": "道路工程", "budget": "1000000.00"}
    assert events["lot.added"].data["number"] == 3


def test_an_unchanged_save_writes_no_lot_event(desk, draft):
    rows = [lot(each.number, each.name, str(each.budget)) for each in draft.lots.order_by("number")]
    assert client_for(desk.clerk).post(reverse("trading:project_edit", args=[draft.pk]), edit_post(draft, rows)).status_code == 302
    assert not AuditEvent.objects.filter(action__startswith="lot.").exists()


def test_add_a_lot_on_the_edit_page_without_script(desk, draft):
    rows = [lot(each.number, each.name, str(each.budget)) for each in draft.lots.order_by("number")]
    page = client_for(desk.clerk).post(reverse("trading:project_edit", args=[draft.pk]),
                                       {**edit_post(draft, rows), "add_lot": "1"})
    lots = page.context["lots"]
    assert len(lots.forms) == 3 and lots.forms[2]["number"].value() == "3"
    assert draft.lots.count() == 2


def test_a_published_lot_cannot_be_removed_the_rule_in_the_service(desk, draft):
    road, bridge = draft.lots.order_by("number")
    Lot.objects.filter(pk=bridge.pk).update(state=LotState.CANCELLED)  # cancelled before publication: not a draft
    bridge.refresh_from_db()
    with pytest.raises(RuleViolation) as caught:
        lot_services.remove_lot(actor=desk.clerk, lot=bridge)
    assert "只有尚未发布的项目的标段可以删除" in caught.value.message
    Project.objects.filter(pk=draft.pk).update(documents_published_at=draft.created_at)
    Lot.objects.filter(pk=road.pk).update(state=LotState.PUBLISHED)
    with pytest.raises(PermissionDenied):  # a published tender is no draft: its lots do not change at all
        lot_services.remove_lot(actor=desk.clerk, lot=road)
    assert draft.lots.count() == 2 and not AuditEvent.objects.filter(action="lot.removed").exists()


def test_a_published_tenders_edit_page_is_refused(desk, draft):
    draft.lots.update(state=LotState.PUBLISHED)
    assert client_for(desk.clerk).get(reverse("trading:project_edit", args=[draft.pk])).status_code == 403


def test_the_last_lot_cannot_be_removed(desk, draft):
    road, bridge = draft.lots.order_by("number")
    lot_services.remove_lot(actor=desk.clerk, lot=bridge)
    with pytest.raises(RuleViolation) as caught:
        lot_services.remove_lot(actor=desk.clerk, lot=road)
    assert caught.value.message == "项目至少须有一个标段。"


def test_a_lot_with_a_bid_security_recorded_is_not_removed(desk, draft):
    road, bridge = draft.lots.order_by("number")
    BidSecurity.objects.create(lot=bridge, organization=desk.bidder, amount=Decimal("1000"), method="transfer",
                               reference="T-1", recorded_by=desk.clerk)
    with pytest.raises(RuleViolation) as caught:
        lot_services.remove_lot(actor=desk.clerk, lot=bridge)
    assert "已有相关记录" in caught.value.message
    assert draft.lots.count() == 2


@pytest.mark.parametrize("who", ["other_center_staff", "bidder"])
def test_only_those_who_prepare_the_project_change_its_lots(desk, draft, who):
    actor = staff(CenterFactory()) if who == "other_center_staff" else bidder()
    road, bridge = draft.lots.order_by("number")
    with pytest.raises((NotFound, PermissionDenied)):
        lot_services.save_lots(actor=actor, project=draft, removed=[bridge],
                           added=[{"number": 3, "name": "x", "budget": Decimal(1), "evaluation_method": "comprehensive"}])
    assert draft.lots.count() == 2


def test_the_tenderee_changes_its_drafts_lots(desk, draft):
    tenderee_user = party(Role.TENDEREE, desk.tenderee)
    lot_services.save_lots(actor=tenderee_user, project=draft,
                       added=[{"number": 3, "name": "绿化工程", "budget": Decimal("300000"), "evaluation_method": "comprehensive"}])
    assert draft.lots.count() == 3


def test_a_lot_of_another_project_is_not_found(desk, draft):
    other = LotFactory()
    with pytest.raises(NotFound):
        lot_services.save_lots(actor=desk.clerk, project=draft, removed=[other])
    assert Lot.objects.filter(pk=other.pk).exists()


def test_the_edit_formset_checks_numbers_against_the_lots_it_does_not_show(desk, draft):
    road, bridge = draft.lots.order_by("number")
    Lot.objects.filter(pk=bridge.pk).update(state=LotState.CANCELLED)
    formset = LotFormSet(instance=draft, prefix="lots", queryset=draft.lots.drafts(), category="works",
                         fixed_numbers=[2])
    assert formset.next_number() == 3
