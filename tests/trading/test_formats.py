"""One way to write money and time (trading/formats.py): half up to the fen, thousands separated,
Beijing time cut (never rounded) to the precision asked. Every value below is worked by hand."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from trading import formats
from trading.formats import (AmountError, capital_yuan, first_minute_from, local_text, money, parse_amount, utc_text,
                             wanyuan, yuan, yuan_sign, zoned_text)


@pytest.mark.parametrize(("value", "shown"), [
    ("17680000", "17,680,000.00"),
    (" 17680000 ", "17,680,000.00"),
    (Decimal("4598600"), "4,598,600.00"),
    (4598600, "4,598,600.00"),
    (Decimal("1234567.8"), "1,234,567.80"),
    ("0.5", "0.50"),
    (Decimal("0"), "0.00"),
    # half up at the fen: .005 goes up, .0049 down (Python's own format() rounds half to even)
    (Decimal("0.125"), "0.13"),
    (Decimal("2.675"), "2.68"),
    (Decimal("1234567.805"), "1,234,567.81"),
    (Decimal("999.994"), "999.99"),
    (Decimal("999.995"), "1,000.00"),
    (Decimal("0.0049"), "0.00"),
    # a float as it prints, not as its binary value (1.005 is stored as 1.00499999…)
    (1.005, "1.01"),
    (0.1, "0.10"),
    # negatives: ties away from zero, and no "-0.00"
    (Decimal("-1234.565"), "-1,234.57"),
    (Decimal("-0.005"), "-0.01"),
    ("-0.004", "0.00"),
    (-5, "-5.00"),
    (Decimal("100000000000000.00"), "100,000,000,000,000.00"),
    ("1e3", "1,000.00"),
    (None, "—"),
    ("", "—"),
    ("  ", "—"),
])
def test_money_rounds_half_up_to_the_fen(value, shown):
    assert money(value) == shown


@pytest.mark.parametrize(("value", "plain", "prose", "sign"), [
    ("4598600", "4,598,600.00", "4,598,600.00元", "¥4,598,600.00"),
    (Decimal("-12.345"), "-12.35", "-12.35元", "-¥12.35"),
    (None, "—", "—", "—"),
])
def test_yuan_in_prose_and_with_the_sign(value, plain, prose, sign):
    assert (money(value), yuan(value), yuan_sign(value)) == (plain, prose, sign)


@pytest.mark.parametrize("value", ["12,000", "abc", "NaN", "-Infinity", True, False, object(), "1e30"])
def test_money_that_is_not_an_amount_is_refused(value):
    with pytest.raises(ValueError, match="not an amount"):
        money(value)


def test_exact_money_refuses_what_it_would_have_to_round():
    assert money("1234.50", exact=True) == "1,234.50"
    assert money("1234.500", exact=True) == "1,234.50"  # trailing zeros are not fen
    with pytest.raises(ValueError, match="more than two decimals"):
        money("1234.567", exact=True)


def test_the_page_filter_is_the_platform_formatter():
    with translation.override("zh-hans"):
        page = Template("{% load kaibiao %}{{ a|yuan }} {{ b|yuan }} {{ c|yuan }}").render(
            Context({"a": Decimal("1234567.805"), "b": Decimal("-0.004"), "c": None}))
    assert page == "1,234,567.81元 0.00元 —"


def test_the_page_filters_in_english_name_the_yuan_and_have_no_wan():
    with translation.override("en"):
        page = Template("{% load kaibiao %}{{ a|yuan }} · {{ a|wanyuan }} · {{ a|capital_yuan }}").render(
            Context({"a": Decimal("4598600")}))
    assert page == "4,598,600.00 yuan · 4,598,600.00 yuan · 肆佰伍拾玖万捌仟陆佰元整"


# --- 万元: the summaries' unit -----------------------------------------------------------------


@pytest.mark.parametrize(("value", "shown"), [
    ("4598600", "459.86万元"),
    ("17680000", "1,768.00万元"),  # thousands of 万 are grouped too
    ("4598650", "459.87万元"),  # 459.865 rounds half up: a summary shows the hundred yuan
    ("4598649.99", "459.86万元"),
    ("50", "0.01万元"),  # 0.005万 rounds up, never to a bare zero for a real amount
    ("49.99", "0.00万元"),
    ("0", "0.00万元"),
    (None, "—"),
])
def test_wanyuan_for_summaries(value, shown):
    assert wanyuan(value) == shown


def test_wanyuan_filter_on_a_chinese_page():
    with translation.override("zh-hans"):
        assert Template("{% load kaibiao %}{{ a|wanyuan }}").render(Context({"a": Decimal("4598600")})) == "459.86万元"


# --- 大写: Chinese capital numerals --------------------------------------------------------------
# Worked by hand from 中国人民银行《支付结算办法》附件一 (正确填写票据和结算凭证的基本规定):
# 元 then 角 then 分; 整 after 元 only when there are no 角 and 分; one 零 for a run of zeros inside
# the amount; where the rules allow both (元 place 0 with 角 not 0; 万 place 0 with 仟 not 0) the
# first form they give. The "rule" cases are the rules' own examples.


@pytest.mark.parametrize(("value", "capital", "why"), [
    ("4598600", "肆佰伍拾玖万捌仟陆佰元整", "459|8600: 万 section 肆佰伍拾玖, then 捌仟陆佰; trailing zeros silent; 整"),
    ("10005", "壹万零伍元整", "1|0005: the 仟佰拾 places of the lower section are empty: one 零"),
    ("1000000.50", "壹佰万元零伍角", "元 place 0 and 角 not: 零 after 元 (first form); no 整 after 角"),
    ("0", "零元整", "zero"),
    ("0.05", "伍分", "below one yuan: no 元, no leading 零"),
    ("0.50", "伍角", "no 整 after 角"),
    ("1409.50", "壹仟肆佰零玖元伍角", "rule (1): a zero inside is 零"),
    ("6007.14", "陆仟零柒元壹角肆分", "rule (2): two zeros inside are one 零"),
    ("1680.32", "壹仟陆佰捌拾元零叁角贰分", "rule (3), first form: 元 place 0, 角 not"),
    ("107000.53", "壹拾万柒仟元零伍角叁分", "rule (3), first form: 万 place 0 but 仟 not: no 零 there"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分", "rule (4): 角 0 and 分 not: 零 after 元"),
    ("325.04", "叁佰贰拾伍元零肆分", "rule (4)"),
    ("10", "壹拾元整", "ten is 壹拾, never a bare 拾"),
    ("17680000", "壹仟柒佰陆拾捌万元整", "1768|0000: the lower section is all zero: nothing after 万"),
    ("100000000", "壹亿元整", "亿"),
    ("100010000", "壹亿零壹万元整", "1|0001|0000: the 万 section starts below its 仟: 零"),
    ("110000000", "壹亿壹仟万元整", "1|1000|0000: the 万 section starts at its 仟: no 零"),
    ("200500", "贰拾万零伍佰元整", "20|0500: 万 place and 仟 place 0: 零"),
    ("1000000001", "壹拾亿零壹元整", "10|0000|0001: a run of zeros across 万 is one 零"),
    ("1010.10", "壹仟零壹拾元零壹角", "a zero inside, then 元 place 0 with 角 not"),
    ("100000000.05", "壹亿元零伍分", "角 0 and 分 not, after a whole 亿"),
    ("12345678901.23", "壹佰贰拾叁亿肆仟伍佰陆拾柒万捌仟玖佰零壹元贰角叁分", "123|4567|8901: every section"),
    ("1000000000000", "壹万亿元整", "10000|0000|0000: 万亿"),
    ("101", "壹佰零壹元整", "a zero inside"),
    ("0.01", "壹分", "one fen"),
    ("-12.50", "负壹拾贰元伍角", "a negative amount: 负 before it"),
    (Decimal("4598600.00"), "肆佰伍拾玖万捌仟陆佰元整", "a Decimal as stored"),
])
def test_capital_numerals_worked_by_hand(value, capital, why):
    assert capital_yuan(Decimal(value) if isinstance(value, str) else value) == capital, why


def test_capital_numerals_never_round_and_have_a_range():
    with pytest.raises(ValueError, match="more than two decimals"):
        capital_yuan(Decimal("7350000.125"))
    with pytest.raises(ValueError, match="range"):
        capital_yuan(Decimal("10000000000000000"))
    assert capital_yuan(Decimal("9999999999999999.99")).startswith("玖仟玖佰玖拾玖万玖仟")
    assert capital_yuan(None) == "—"


# --- reading an amount as typed ------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "read"), [
    ("17,680,000.00", "17680000.00"),
    ("17680000", "17680000.00"),
    ("１７６８００００", "17680000.00"),  # full-width digits, as a Chinese input method types them
    ("１７，６８０，０００．５０", "17680000.50"),  # full-width comma and point
    ("17680000。5", "17680000.50"),  # the ideographic full stop for the point
    (" 17680000元 ", "17680000.00"),
    ("￥17,680,000", "17680000.00"),
    ("0.5", "0.50"),
    (Decimal("912345.67"), "912345.67"),
    (4598600, "4598600.00"),
])
def test_an_amount_is_read_as_people_type_it(typed, read):
    assert parse_amount(typed) == Decimal(read)
    assert str(parse_amount(typed)) == read


@pytest.mark.parametrize(("typed", "code", "says"), [
    ("", "empty", "Write the amount in yuan"),
    ("1768万", "wan", "not in 万元"),
    ("1768.5万元", "wan", "not in 万元"),
    ("1768,000", "grouping", "groups of three"),
    ("17,680,00", "grouping", "groups of three"),
    ("7350000.125", "decimals", "At most two decimals"),
    ("17 680 000", "digits", "with digits"),
    ("abc", "digits", "with digits"),
    ("1e6", "digits", "with digits"),
    ("17680000.", "digits", "with digits"),
    (1.5, "digits", "with digits"),
    (True, "digits", "with digits"),
])
def test_what_is_not_an_amount_is_told_what_to_write(typed, code, says):
    with translation.override("en"):
        with pytest.raises(AmountError) as refused:
            parse_amount(typed)
        assert refused.value.code == code
        assert says in str(refused.value)


def test_the_refusal_reads_in_chinese_on_a_chinese_page():
    with translation.override("zh-hans"):
        with pytest.raises(AmountError) as refused:
            parse_amount("1768万")
        assert str(refused.value) == "请以元为单位填写金额，不要用万元或亿元：应写 17680000.00，而不是 1768万。"


# --- time ------------------------------------------------------------------------------------

# 01:59:59.999999 UTC is 09:59:59.999999 in Beijing, one microsecond before ten o'clock
LAST_MOMENT = datetime(2026, 3, 18, 1, 59, 59, 999999, tzinfo=UTC)


@pytest.mark.parametrize(("precision", "shown"), [
    ("min", "2026-03-18 09:59"),
    ("s", "2026-03-18 09:59:59"),
    ("ms", "2026-03-18 09:59:59.999"),
    ("time", "09:59:59"),
    ("document", "2026年03月18日 09:59"),
])
def test_times_are_beijing_time_cut_never_rounded_up(precision, shown):
    assert local_text(LAST_MOMENT, precision) == shown


def test_time_across_midnight_and_absent():
    assert local_text(datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == "2027-01-01 00:00:00"
    assert local_text(datetime(2026, 3, 18, 1, 30, 0, 7000, tzinfo=UTC), ms=True) == "2026-03-18 09:30:00.007"
    assert local_text(None) == "—"


def test_a_naive_time_or_unknown_precision_is_refused():
    with pytest.raises(ValueError):
        local_text(datetime(2026, 3, 18, 9, 30))
    with pytest.raises(ValueError, match="unknown precision"):
        local_text(LAST_MOMENT, "hours")


def test_the_record_zone_is_utc_plus_8_whatever_the_settings(settings):
    settings.TIME_ZONE = "Europe/London"
    assert local_text(LAST_MOMENT, zone=formats.BEIJING) == "2026-03-18 09:59:59"
    assert local_text(LAST_MOMENT) == "2026-03-18 01:59:59"  # the platform's zone comes from settings


def test_a_time_that_stands_alone_names_its_zone():
    moment = datetime(2026, 12, 4, 13, 55, 2, 161000, tzinfo=UTC)
    with translation.override("zh-hans"):
        assert zoned_text(moment) == "2026-12-04 21:55:02（北京时间）"
        assert zoned_text(moment, "ms") == "2026-12-04 21:55:02.161（北京时间）"
        page = Template("{% load kaibiao %}{{ t|beijing_time }} · <th>时间{% zone_name %}</th> {{ t|server_time }}").render(
            Context({"t": moment}))
        assert page == "2026-12-04 21:55:02（北京时间） · <th>时间（北京时间）</th> 2026-12-04 21:55:02"
    with translation.override("en"):
        assert zoned_text(moment) == "2026-12-04 21:55:02 (Beijing time)"
    assert zoned_text(None) == "—"


def test_a_receipts_signed_time_in_utc_to_the_millisecond():
    assert utc_text("2026-12-04T13:55:02.161Z") == "2026-12-04 13:55:02.161 UTC"
    assert utc_text(datetime(2026, 12, 4, 21, 55, 2, 161999, tzinfo=formats.BEIJING)) == "2026-12-04 13:55:02.161 UTC"
    with pytest.raises(ValueError, match="no UTC offset"):
        utc_text("2026-12-04T13:55:02")


@pytest.mark.parametrize(("moment", "shown"), [
    (datetime(2026, 3, 18, 1, 0, tzinfo=UTC), "2026-03-18 09:00"),  # a whole minute is itself
    (datetime(2026, 3, 18, 1, 0, 0, 1, tzinfo=UTC), "2026-03-18 09:01"),  # one microsecond past: next minute
    (LAST_MOMENT, "2026-03-18 10:00"),
    (datetime(2026, 12, 31, 15, 59, 30, tzinfo=UTC), "2027-01-01 00:00"),
])
def test_first_minute_from_names_a_minute_that_passes(moment, shown):
    assert first_minute_from(moment) == shown
    named = datetime.strptime(shown, "%Y-%m-%d %H:%M").replace(tzinfo=formats.BEIJING)
    assert named >= moment and named - moment < timedelta(minutes=1)



def _security_refusal(*, budget: str, security: str) -> str | None:
    from tests.trading.factories import CenterFactory, staff, tenderee_organization
    from trading import services
    from trading.errors import RuleViolation

    center = CenterFactory()
    try:
        services.create_project(
            actor=staff(center), center=center, code=f"FMT-{budget}-{security}", name="保证金上限", category="works",
            region_code="450100", tenderee=tenderee_organization(), agent=None,
            lots=[{"number": 1, "name": "一标段", "budget": Decimal(budget), "ceiling_price": None,
                   "bid_security": Decimal(security), "evaluation_method": "comprehensive"}])
    except RuleViolation as err:
        return str(err.message)
    return None


@pytest.mark.django_db
def test_the_bid_security_cap_named_is_the_largest_that_passes():
    # 2% of 1,000.25 is 20.005: 20.00 passes, 20.01 does not, and the message names 20.00
    # (half up would name 20.01, the very amount it refuses)
    assert _security_refusal(budget="1000.25", security="20.00") is None
    refusal = _security_refusal(budget="1000.25", security="20.01")
    assert refusal is not None and "20.00" in refusal and "20.01" not in refusal


# --- the staff's money fields ------------------------------------------------------------------


def test_a_money_field_reads_an_amount_as_typed_and_says_what_it_wants():
    from django import forms

    from trading.money_field import MoneyField

    class AwardForm(forms.Form):
        price = MoneyField(min_value=Decimal("0.01"))

    with translation.override("en"):
        for typed in ("17,680,000.00", "17680000", "１７６８００００"):
            form = AwardForm({"price": typed})
            assert form.is_valid() and form.cleaned_data["price"] == Decimal("17680000.00"), typed
        refused = AwardForm({"price": "1768万"})
        assert not refused.is_valid() and "not in 万元" in refused.errors["price"][0]
        assert "at least 0.01 yuan" in AwardForm({"price": "0"}).errors["price"][0]
        assert not AwardForm({"price": ""}).is_valid()
        shown = AwardForm(initial={"price": Decimal("17680000.00")})
        assert 'value="17,680,000.00"' in str(shown["price"]) and 'inputmode="decimal"' in str(shown["price"])
