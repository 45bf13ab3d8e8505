"""The staff's sealing rules as a form, in Chinese: the opening form's columns as rows added,
removed and ordered (their rules the service's, each said beside its field), the file size in
MB, K's range as three fields, the custodians ticked, a bid security in yuan as people write
it; on an error nothing typed is lost."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from bidding import services
from bidding.forms import MB, TenderRulesForm
from bidding.models import CustodianKey, KeyCeremony, TenderRules
from bidding.opening_form import default_items
from tests.bidding.test_sealing_page import item_rows, rules_form
from tests.trading.factories import LotFactory, UserFactory, bidder, cast
from trading.choices import LotState, Role
from trading.errors import RuleViolation
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db

WORKS = default_items("works")  # price, duration_days, quality (a choice), project_manager


@pytest.fixture
def people():
    people = cast()
    LotFactory(project=people.project, state=LotState.DRAFT, number=1, bid_security=Decimal("20000.00"))
    return people


def client_for(user) -> Client:
    client = Client()  # the platform's Chinese
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def post(people, data):
    return client_for(people["center_staff"]).post(reverse("bidding:sealing_setup", args=[people.project.pk]), data)


def row_errors(page, row: int, field: str) -> list[str]:
    return [str(m) for m in page.context["items"].forms[row].errors.get(field, [])]


def rules_errors(page, field: str) -> list[str]:
    return [str(m) for m in page.context["form"].errors.get(field, [])]


def saved(people) -> TenderRules:
    return TenderRules.objects.get(project=people.project)


def nothing_saved(people) -> bool:
    return not TenderRules.objects.filter(project=people.project).exists() and not AuditEvent.objects.filter(
        action="bid_rules.updated").exists()


# --- the opening form's rows ----------------------------------------------------------------------


def test_the_categorys_columns_are_the_first_rows(people):
    page = client_for(people["center_staff"]).get(reverse("bidding:sealing_setup", args=[people.project.pk]))
    rows = page.context["items"].forms
    assert [(f["key"].value(), f["label"].value(), f["type"].value(), f["ORDER"].value()) for f in rows] == [
        (i["key"], i["label"], i["type"], n) for n, i in enumerate(WORKS, start=1)]
    assert rows[2]["choices"].value() == "合格、优良"
    html = page.content.decode()
    assert "declared_items" not in html and "JSON" not in html


def test_rows_added_removed_and_ordered_are_saved_as_the_tenders_items(people):
    items = [*WORKS, {"key": "safety_officer", "label": "专职安全员", "type": "choice", "choices": ["有", "无"],
                      "required": False}]
    data = rules_form(people.project, items=items)
    data.update({"items-4-ORDER": "2", "items-1-ORDER": "3", "items-2-DELETE": "on", "items-4-choices": "有，无"})
    answer = post(people, data)
    assert answer.status_code == 302
    keys = [item["key"] for item in saved(people).declared_items]
    assert keys == ["price", "safety_officer", "duration_days", "project_manager"]
    assert saved(people).declared_items[1] == {"key": "safety_officer", "label": "专职安全员", "type": "choice",
                                               "choices": ["有", "无"], "required": False}
    assert saved(people).declared_items[0] == WORKS[0]
    (event,) = AuditEvent.objects.filter(action="bid_rules.updated")
    assert [item["key"] for item in event.data["declared_items"]] == keys


def test_add_a_column_without_script_comes_back_with_a_row_nothing_judged_nothing_lost(people):
    data = {**rules_form(people.project, k_low="0.02", k_step="0.3"), "items-1-ORDER": "4", "add_item": "1"}
    page = post(people, data)
    rows = page.context["items"].forms
    assert len(rows) == 5
    assert (rows[4]["ORDER"].value(), rows[4]["type"].value(), rows[4]["key"].value()) == ("5", "text", None)
    assert rows[1]["ORDER"].value() == "4" and page.context["form"]["k_step"].value() == "0.3"
    assert 'class="errors' not in page.content.decode()
    assert nothing_saved(people)


@pytest.mark.parametrize(("change", "row", "field", "message"), [
    ({"items-0-key": "bid_price"}, None, None, "开标一览表必须包含投标报价：代码为 “price”、类型为“金额”的一列。"),
    ({"items-0-type": "integer"}, None, None, "开标一览表必须包含投标报价"),
    ({"items-0-DELETE": "on"}, None, None, "开标一览表必须包含投标报价"),
    ({"items-1-key": "1st_item"}, 1, "key", "代码只能由字母、数字和下划线组成，且不能以数字开头（如 duration_days）。"),
    ({"items-1-key": "duration days"}, 1, "key", "代码只能由字母、数字和下划线组成"),
    ({"items-3-key": "duration_days"}, 3, "key", "代码 “duration_days” 重复使用。"),
    ({"items-1-label": "  "}, 1, "label", "这个字段是必填项。"),
    ({"items-1-key": ""}, 1, "key", "这个字段是必填项。"),
    ({"items-2-choices": ""}, 2, "choices", "“选项”类型须填写可选项。"),
    ({"items-2-choices": "合格、优良、合格"}, 2, "choices", "有选项重复。"),
    ({"items-1-type": "date"}, 1, "type", "选择一个有效的选项"),
])
def test_a_column_that_breaks_a_rule_is_refused_beside_its_field(people, change, row, field, message):
    page = post(people, {**rules_form(people.project), **change})
    assert page.status_code == 200
    if row is None:
        errors = [str(m) for m in page.context["items"].non_form_errors()]
    else:
        errors = row_errors(page, row, field)
    assert errors and message in errors[0]
    assert "尚未保存" in page.content.decode()
    assert nothing_saved(people)


def test_the_service_keeps_the_same_rules_for_any_caller(people):
    with pytest.raises(RuleViolation) as caught:
        services.update_rules(actor=people["center_staff"], project=people.project,
                              declared_items=[{"key": "duration_days", "label": "工期", "type": "integer", "required": True}])
    assert caught.value.message == "开标一览表必须包含投标报价：代码为 “price”、类型为“金额”的一列。"
    with pytest.raises(RuleViolation) as caught:
        services.update_rules(actor=people["center_staff"], project=people.project,
                              declared_items=[*WORKS, {"key": "price", "label": "又一个报价", "type": "money"}])
    assert "代码 “price” 重复使用。" in caught.value.message
    assert nothing_saved(people)


# --- the file size in MB ----------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "size"), [("500", 500 * MB), ("0.5", MB // 2), ("2048", 2048 * MB), ("1.25", 1310720)])
def test_the_largest_file_is_typed_in_mb_and_stored_in_bytes(people, typed, size):
    assert post(people, rules_form(people.project, max_file_mb=typed)).status_code == 302
    assert saved(people).max_file_bytes == size


def test_the_saved_size_shows_in_mb(people):
    services.update_rules(actor=people["center_staff"], project=people.project, max_file_bytes=300 * MB)
    page = client_for(people["center_staff"]).get(reverse("bidding:sealing_setup", args=[people.project.pk]))
    assert page.context["form"]["max_file_mb"].value() == Decimal("300")
    assert 'value="300"' in page.content.decode()


def test_a_size_that_is_no_whole_mb_is_kept_when_left_alone():
    rules = TenderRules(max_file_bytes=12345)
    form = TenderRulesForm(instance=rules)
    assert form["max_file_mb"].value() == Decimal("0.01")
    bound = TenderRulesForm({**{k: v for k, v in rules_form(_Project()).items() if not k.startswith("items")},
                             "max_file_mb": "0.01"}, instance=rules)
    assert bound.is_valid(), bound.errors
    assert bound.values()["max_file_bytes"] == 12345


class _Project:
    category = "works"


@pytest.mark.parametrize(("typed", "message"), [
    ("abc", "请填写兆字节数，如 2048。"),
    ("0", "不得小于 0.01 MB。"),
    ("-3", "不得小于 0.01 MB。"),
    ("1.234", "最多两位小数。"),
    ("", "这个字段是必填项。"),
])
def test_a_size_that_is_not_a_number_of_mb_is_refused_beside_it(people, typed, message):
    page = post(people, rules_form(people.project, max_file_mb=typed))
    assert rules_errors(page, "max_file_mb") == [message]
    assert nothing_saved(people)


# --- the range of K ---------------------------------------------------------------------------------


def test_a_range_of_k_is_saved_as_typed(people):
    assert post(people, rules_form(people.project, k_low=" 0.02", k_high="0.05", k_step="0.0005")).status_code == 302
    rules = saved(people)
    assert (rules.k_low, rules.k_high, rules.k_step) == ("0.02", "0.05", "0.0005")


@pytest.mark.parametrize(("k", "field", "message"), [
    (("0.02", "", ""), "k_high", "K 的下限、上限和步长须全部填写，或全部留空。"),
    (("", "0.05", "0.0005"), "k_low", "K 的下限、上限和步长须全部填写，或全部留空。"),
    (("0.02", "0.05", "0.007"), "k_step", "从 0.02 到 0.05 不是步长 0.007 的整数倍"),
    (("0.05", "0.02", "0.01"), "k_high", "K 上限不得小于 K 下限。"),
    (("0.02", "1.5", "0.01"), "k_high", "K 是小于 1 的小数（0.05 即 5%）。"),
    (("0.025", "0.05", "0.01"), "k_low", "小数位数多于步长"),
    (("2%", "0.05", "0.01"), "k_low", "请填写小数，如 0.02。"),
    (("0.02", "0.05", "0"), "k_step", "步长必须大于零。"),
])
def test_a_range_of_k_the_hall_cannot_draw_from_is_refused_beside_the_field(people, k, field, message):
    low, high, step = k
    page = post(people, rules_form(people.project, k_low=low, k_high=high, k_step=step))
    errors = rules_errors(page, field)
    assert errors and message in errors[0]
    assert page.context["form"]["k_low"].value() == low  # kept as typed
    assert nothing_saved(people)


def test_the_service_refuses_a_range_of_k_whoever_calls_it(people):
    with pytest.raises(RuleViolation) as caught:
        services.update_rules(actor=people["center_staff"], project=people.project, k_low="0.02", k_high="0.05",
                              k_step="0.007")
    assert caught.value.field == "k_step"
    assert nothing_saved(people)


# --- the custodians, ticked -------------------------------------------------------------------------


def custodians(n=3):
    people = [UserFactory(role=Role.CUSTODIAN, username=f"custodian.{i}") for i in range(n)]
    for i, person in enumerate(people):
        CustodianKey.objects.create(user=person, recipient=f"age1placeholder{i}")
    return people


def test_the_custodians_are_check_boxes_of_those_with_a_key(people):
    ready = custodians(2)
    UserFactory(role=Role.CUSTODIAN, username="custodian.nokey")
    page = client_for(people["center_staff"]).get(reverse("bidding:sealing_setup", args=[people.project.pk]))
    html = page.content.decode()
    assert html.count('type="checkbox" name="custodians"') == 2
    assert f"（{ready[0].username}）" in html and "custodian.nokey" not in html


@pytest.mark.parametrize(("k", "message"), [
    ("1", "开标须至少两名密钥保管人共同参与"),
    ("4", "k 须介于 1 与密钥保管人数（3）之间"),
])
def test_an_invitation_the_service_refuses_is_said_beside_k_with_the_ticks_kept(people, k, message):
    ready = custodians(3)
    page = client_for(people["center_staff"]).post(reverse("bidding:invite_custodians", args=[people.project.pk]),
                                                   {"custodians": [c.pk for c in ready], "k": k})
    assert page.status_code == 200
    errors = [str(m) for m in page.context["invite"].errors.get("k", [])]
    assert errors and message in errors[0], errors
    assert page.content.decode().count("checked") >= 3
    assert not KeyCeremony.objects.exists()


def test_an_invitation_without_a_tick_is_refused_beside_the_list(people):
    custodians(3)
    page = client_for(people["center_staff"]).post(reverse("bidding:invite_custodians", args=[people.project.pk]), {"k": "2"})
    assert [str(m) for m in page.context["invite"].errors["custodians"]] == ["请勾选持有开标密钥分片的密钥保管人。"]


# --- a bid security, in yuan --------------------------------------------------------------------------


def test_a_bid_security_is_typed_as_people_write_an_amount(people):
    payer = bidder().organization
    lot = people.project.lots.get()
    answer = client_for(people["center_staff"]).post(reverse("bidding:record_security", args=[lot.pk]), {
        "organization": payer.pk, "amount": "20,000.00", "method": "transfer", "reference": "T-9"})
    assert answer.status_code == 302
    assert lot.securities.get().amount == Decimal("20000.00")


def test_a_bid_security_below_the_tenders_is_refused_beside_the_amount_as_typed(people):
    payer = bidder().organization
    lot = people.project.lots.get()
    page = client_for(people["center_staff"]).post(reverse("bidding:record_security", args=[lot.pk]), {
        "organization": payer.pk, "amount": "10,000", "method": "transfer", "reference": "T-9"})
    assert page.status_code == 200
    form = next(each.security_form for each in page.context["lots"] if each.pk == lot.pk)
    assert "10,000.00 元" in str(form.errors["amount"][0]) or "10,000.00" in str(form.errors["amount"][0])
    assert 'value="10,000"' in page.content.decode() and 'value="T-9"' in page.content.decode()
    assert not lot.securities.exists()


def test_the_bidder_list_of_a_bid_security_holds_bidders_only(people):
    payer = bidder().organization
    page = client_for(people["center_staff"]).get(reverse("bidding:sealing_setup", args=[people.project.pk]))
    form = page.context["lots"][0].security_form
    assert set(form.fields["organization"].queryset) == {payer, people["bidder"].organization}
    assert people.project.tenderee not in form.fields["organization"].queryset
