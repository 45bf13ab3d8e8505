"""The opening form's price as bidders write it: "17,680,000.00" and full-width digits are
amounts (the server reads them as the browser does before sealing), compared with the ceiling
as amounts; what is not an amount is flagged, as sealed, never corrected."""

from decimal import Decimal

import pytest

from bidding.hall.reading import _above_ceiling
from bidding.opening_form import check_form

ITEMS = [{"key": "price", "label": "投标报价（元）", "type": "money", "required": True}]


@pytest.mark.parametrize("price", ["17680000.00", "17680000", "17,680,000.00", "１７６８００００", "17,680,000", 17680000])
def test_a_price_written_as_people_write_it_fits(price):
    assert check_form({"price": price}, ITEMS) == []


@pytest.mark.parametrize(("price", "problem"), [
    ("1768,000", "投标报价（元）: '1768,000' is not an amount"),
    ("1768万", "投标报价（元）: '1768万' is not an amount"),
    ("7350000.125", "投标报价（元）: at most two decimals (fen)"),
    ("0", "投标报价（元）: the amount must be positive"),
    ("-5", "投标报价（元）: the amount must be positive"),
    (7350000.5, "投标报价（元）: write the amount as a string such as \"1234567.89\" (never a floating-point number)"),
])
def test_a_price_that_is_not_an_amount_is_flagged(price, problem):
    assert check_form({"price": price}, ITEMS) == [problem]


@pytest.mark.parametrize(("price", "above"), [
    ("8,800,000.00", True),  # grouped: before, this was read as no amount and never marked
    ("８８０００００", True),
    ("8,765,432.10", False),  # at the ceiling is not above it
    ("8765432.105", True),  # flagged for its third decimal, and still above the ceiling
    (8800000.5, True),
    ("abc", False),
])
def test_the_price_is_compared_with_the_ceiling_as_an_amount(price, above):
    marked, reason = _above_ceiling({"price": price}, Decimal("8765432.10"))
    assert marked is above
    assert ("8,765,432.10" in reason) is above
