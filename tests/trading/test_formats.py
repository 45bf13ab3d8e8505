"""One way to write money and time (trading/formats.py): half up to the fen, thousands separated,
Beijing time cut (never rounded) to the precision asked. Every value below is worked by hand."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template

from trading import formats
from trading.formats import first_minute_from, local_text, money, yuan, yuan_sign


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
    page = Template("{% load kaibiao %}{{ a|yuan }} {{ b|yuan }} {{ c|yuan }}").render(
        Context({"a": Decimal("1234567.805"), "b": Decimal("-0.004"), "c": None}))
    assert page == "¥1,234,567.81 ¥0.00 —"


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
