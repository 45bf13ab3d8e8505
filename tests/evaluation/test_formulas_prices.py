"""The price formulas of DOMAIN.md §7, table by table, each expected figure worked by hand in the
comments: the lowest-price benchmark and the average benchmark (K at both ends of its range, with
and without the highest and lowest price, a single responsive bid, all bids above the benchmark,
a bid exactly at it, points floored at zero), and the rounding."""

from decimal import Decimal, localcontext

import pytest

from evaluation import formulas

from .formulas_documents import bid, document


def price_points(doc):
    result = formulas.evaluate(doc)
    return [bid(result, b["id"])["price_points"] for b in doc["bids"]]


def average(prices, **kw):
    return document(prices, formula="average_benchmark", **kw)


# --- the lowest-price benchmark: P = B / price × W ----------------------------------------------


def test_lowest_benchmark_points_three_bids():
    # W = 40, B = 800000.00 (the lowest responsive price).
    # 800000: 800000 / 800000 × 40 = 40.00;   1000000: 0.8 × 40 = 32.00
    # 1250000: 0.64 × 40 = 25.60;   900000: 0.8888… × 40 = 35.5555… → 35.56
    doc = document(["1000000.00", "800000.00", "1250000.00", "900000.00"])
    assert price_points(doc) == ["32.00", "40.00", "25.60", "35.56"]
    price = formulas.evaluate(doc)["price"]
    assert price == {"formula": "lowest_benchmark", "benchmark": "800000.00", "mean": None,
                     "used": [9001, 9002, 9003, 9004], "dropped": []}


def test_lowest_benchmark_two_bids_tied_at_the_lowest_price_both_get_the_weight():
    # B = 500000.00 = both lowest prices: 40.00 each; 600000: 5/6 × 40 = 33.333… → 33.33
    assert price_points(document(["500000.00", "600000.00", "500000.00"])) == ["40.00", "33.33", "40.00"]


def test_lowest_benchmark_a_single_responsive_bid_is_its_own_benchmark():
    # The cheaper bid 9001 is not responsive, so it sets nothing: B = 900000.00 and the only
    # responsive bid gets 900000 / 900000 × 40 = 40.00; the other has no points and no rank.
    doc = document(["700000.00", "900000.00"], not_responsive={0})
    result = formulas.evaluate(doc)
    assert result["price"]["benchmark"] == "900000.00" and result["price"]["used"] == [9002]
    assert bid(result, 9002)["price_points"] == "40.00" and bid(result, 9002)["rank"] == 1
    assert bid(result, 9001)["price_points"] is None and bid(result, 9001)["rank"] is None
    assert result["ranking"] == result["candidates"] == [9002]


def test_lowest_benchmark_rounds_half_up_once_at_the_end():
    # W = 10, one decimal: 100 / 160 × 10 = 6.25 exactly → 6.3 (half up; half-even would give 6.2).
    # 100 / 300 × 10 = 3.333… → 3.3
    assert price_points(document(["100.00", "160.00", "300.00"], weight="10", decimals=1)) == ["10.0", "6.3", "3.3"]


def test_a_weight_of_zero_gives_no_price_points():
    assert price_points(document(["100.00", "200.00"], weight="0")) == ["0.00", "0.00"]


# --- the average benchmark: B = mean × (1 − K); P = max(0, W − |p − B| / B × 100 × E) ---------
# W = 40, E above = 1 point per %, E below = 0.5 point per %, two decimals, unless said.

THREE = ["900000.00", "1000000.00", "1100000.00"]


def test_average_benchmark_without_k():
    # mean = 3000000 / 3 = 1000000 = B.
    # 900000: −10 % → 40 − 10 × 0.5 = 35.00;  1000000: at B → 40.00;  1100000: +10 % → 40 − 10 × 1 = 30.00
    doc = average(THREE)
    result = formulas.evaluate(doc)
    assert [bid(result, i)["price_points"] for i in (9001, 9002, 9003)] == ["35.00", "40.00", "30.00"]
    assert [bid(result, i)["deviation_percent"] for i in (9001, 9002, 9003)] == ["-10.00", "0.00", "10.00"]
    assert result["price"] == {"formula": "average_benchmark", "benchmark": "1000000.00", "mean": "1000000.00",
                               "used": [9001, 9002, 9003], "dropped": []}


def test_average_benchmark_k_at_the_low_end_of_its_range():
    # Range 0.02–0.05, K = 0.02: B = 1000000 × 0.98 = 980000.
    # 900000: (900000 − 980000) / 980000 = −8.163265…% → 40 − 4.081632… = 35.918367… → 35.92
    # 1000000: +20000 / 980000 = +2.040816…% → 40 − 2.040816… = 37.959183… → 37.96
    # 1100000: +120000 / 980000 = +12.244897…% → 40 − 12.244897… = 27.755102… → 27.76
    result = formulas.evaluate(average(THREE, k="0.02"))
    assert [bid(result, i)["price_points"] for i in (9001, 9002, 9003)] == ["35.92", "37.96", "27.76"]
    assert [bid(result, i)["deviation_percent"] for i in (9001, 9002, 9003)] == ["-8.16", "2.04", "12.24"]
    assert result["price"]["benchmark"] == "980000.00" and result["price"]["mean"] == "1000000.00"


def test_average_benchmark_k_at_the_high_end_of_its_range():
    # K = 0.05: B = 1000000 × 0.95 = 950000.
    # 900000: −50000 / 950000 = −5.263157…% → 40 − 2.631578… = 37.368421… → 37.37
    # 1000000: +5.263157…% → 40 − 5.263157… = 34.736842… → 34.74
    # 1100000: +150000 / 950000 = +15.789473…% → 40 − 15.789473… = 24.210526… → 24.21
    result = formulas.evaluate(average(THREE, k="0.05"))
    assert [bid(result, i)["price_points"] for i in (9001, 9002, 9003)] == ["37.37", "34.74", "24.21"]
    assert result["price"]["benchmark"] == "950000.00"


def test_k_at_the_ends_of_what_the_format_allows():
    # K = 0 is the formula without K: the same 35.00, 40.00, 30.00 as above.
    assert price_points(average(THREE, k="0")) == ["35.00", "40.00", "30.00"]
    # K = 0.999999: B = 1000000 × 0.000001 = 1.00 yuan; every bid is ~90 million % above it:
    # 40 − 89999900 × 1 < 0 → floored at 0.00.
    doc = average(THREE, k="0.999999")
    assert price_points(doc) == ["0.00", "0.00", "0.00"]
    assert formulas.evaluate(doc)["price"]["benchmark"] == "1.00"


def test_a_bid_exactly_at_the_benchmark_gets_the_whole_weight_whatever_e():
    # mean = (950000 + 1000000 + 1050000) / 3 = 1000000; K = 0.05 → B = 950000 = bid 9001's price.
    # 9001: at B → 40.00 (neither E applies);  1000000: +5.263157…% × 3 = 15.789473… → 24.21
    # 1050000: +100000 / 950000 = +10.526315…% × 3 = 31.578947… → 8.42
    doc = average(["950000.00", "1000000.00", "1050000.00"], k="0.05", above="3", below="2")
    result = formulas.evaluate(doc)
    assert [bid(result, i)["price_points"] for i in (9001, 9002, 9003)] == ["40.00", "24.21", "8.42"]
    assert bid(result, 9001)["deviation_percent"] == "0.00"


def test_all_bids_above_the_benchmark():
    # mean = (1000000 + 1020000) / 2 = 1010000; K = 0.05 → B = 959500: both prices above it.
    # 1000000: 40500 / 959500 = 4.220948…% → 40 − 4.220948… = 35.779051… → 35.78
    # 1020000: 60500 / 959500 = 6.305367…% → 40 − 6.305367… = 33.694632… → 33.69
    result = formulas.evaluate(average(["1000000.00", "1020000.00"], k="0.05"))
    assert [bid(result, i)["price_points"] for i in (9001, 9002)] == ["35.78", "33.69"]
    assert [bid(result, i)["deviation_percent"] for i in (9001, 9002)] == ["4.22", "6.31"]
    assert result["price"]["benchmark"] == "959500.00" and result["price"]["mean"] == "1010000.00"


def test_points_are_floored_at_zero():
    # mean = (1000000 + 3000000) / 2 = 2000000 = B.
    # 1000000: −50 % → 40 − 25 = 15.00;  3000000: +50 % → 40 − 50 = −10 → 0.00
    assert price_points(average(["1000000.00", "3000000.00"])) == ["15.00", "0.00"]


FIVE = ["800000.00", "900000.00", "1000000.00", "1100000.00", "2000000.00"]


def test_average_benchmark_without_the_highest_and_lowest_price():
    # Dropped: 800000 (9001) and 2000000 (9005); mean = (900000 + 1000000 + 1100000) / 3 = 1000000 = B.
    # 800000: −20 % → 40 − 10 = 30.00;  900000: 35.00;  1000000: 40.00;  1100000: 30.00
    # 2000000: +100 % → 40 − 100 < 0 → 0.00
    result = formulas.evaluate(average(FIVE, drops=True))
    assert [b["price_points"] for b in result["bids"]] == ["30.00", "35.00", "40.00", "30.00", "0.00"]
    assert result["price"] == {"formula": "average_benchmark", "benchmark": "1000000.00", "mean": "1000000.00",
                               "used": [9002, 9003, 9004], "dropped": [9001, 9005]}


def test_the_same_five_prices_with_every_price_in_the_mean():
    # mean = 5800000 / 5 = 1160000 = B.
    # 800000: −31.034482…% × 0.5 = 15.517241… → 24.482758… → 24.48
    # 900000: −22.413793…% × 0.5 = 11.206896… → 28.793103… → 28.79
    # 1000000: −13.793103…% × 0.5 = 6.896551… → 33.103448… → 33.10
    # 1100000: −5.172413…% × 0.5 = 2.586206… → 37.413793… → 37.41
    # 2000000: +72.413793…% × 1 → below 0 → 0.00
    assert price_points(average(FIVE)) == ["24.48", "28.79", "33.10", "37.41", "0.00"]


def test_with_fewer_than_three_prices_nothing_is_dropped():
    # Two responsive prices (a third bid is not responsive): the mean of both, 1000000 = B.
    # 900000: 35.00;  1100000: 30.00
    result = formulas.evaluate(average(["900000.00", "1100000.00", "100.00"], drops=True, not_responsive={2}))
    assert [bid(result, i)["price_points"] for i in (9001, 9002)] == ["35.00", "30.00"]
    assert result["price"]["used"] == [9001, 9002] and result["price"]["dropped"] == []


def test_with_exactly_three_prices_the_middle_one_is_the_mean():
    # Dropped 900000 and 1300000: B = 1000000.
    # 900000: 35.00;  1000000: 40.00;  1300000: +30 % → 40 − 30 = 10.00
    result = formulas.evaluate(average(["900000.00", "1000000.00", "1300000.00"], drops=True))
    assert [b["price_points"] for b in result["bids"]] == ["35.00", "40.00", "10.00"]
    assert result["price"]["used"] == [9002]


def test_of_equal_extreme_prices_the_earlier_bid_is_the_one_dropped():
    # Lowest 900000 twice: 9001 (earlier) is dropped, 9002 stays; highest 1100000 (9004) dropped.
    # mean = (900000 + 1000000) / 2 = 950000 = B.
    # 900000: −5.263157…% × 0.5 → 37.368421… → 37.37 (both);  1000000: +5.263157…% → 34.74
    # 1100000: +15.789473…% → 24.21
    result = formulas.evaluate(average(["900000.00", "900000.00", "1000000.00", "1100000.00"], drops=True))
    assert result["price"]["used"] == [9002, 9003] and result["price"]["dropped"] == [9001, 9004]
    assert [b["price_points"] for b in result["bids"]] == ["37.37", "37.37", "34.74", "24.21"]


def test_average_benchmark_a_single_responsive_bid():
    # Without K the only price is its own benchmark: 40.00.
    # With K = 0.05: B = 0.95 × p, so p is 1 / 0.95 − 1 = 5.263157…% above → 34.74.
    assert price_points(average(["1000000.00"])) == ["40.00"]
    assert price_points(average(["1000000.00"], k="0.05")) == ["34.74"]
    # Dropping the extremes changes nothing with one price.
    assert price_points(average(["1000000.00"], drops=True)) == ["40.00"]


def test_the_benchmark_shown_is_rounded_but_the_points_use_the_exact_one():
    # mean = (100.00 + 100.00 + 100.01) / 3 = 100.003333… = B, shown as 100.00. 100.01 is
    # 0.006666… / 100.003333… ≈ 0.0066664 % above the exact B → 40 − 0.0066664 ≈ 39.99333 → 39.99
    # (against the shown 100.00 it would be 0.01 % → 39.99 too, but 100.00 would get 40.00 from
    # either); 100.00 is ≈ 0.0033332 % below → 40 − 0.0016666 ≈ 39.99833 → 40.00
    result = formulas.evaluate(average(["100.00", "100.00", "100.01"]))
    assert result["price"]["benchmark"] == "100.00"
    assert [b["price_points"] for b in result["bids"]] == ["40.00", "40.00", "39.99"]


def test_no_responsive_bid_has_no_benchmark_and_no_ranking():
    result = formulas.evaluate(average(["100.00"], not_responsive={0}))
    assert result["price"] == {"formula": "average_benchmark", "benchmark": None, "mean": None, "used": [],
                               "dropped": []}
    assert result["ranking"] == result["candidates"] == result["ties"] == []


# --- the single formulas and the rounding -------------------------------------------------------


def test_the_single_formulas_agree_with_the_tables():
    d = Decimal
    exact = formulas.lowest_benchmark_points(d(800000), d(900000), d(40))  # 320 / 9, to 100 digits
    assert str(exact) == "35." + "5" * 97 + "6" and formulas.round_half_up(exact, 2) == d("35.56")
    assert formulas.average_benchmark([d(900000), d(1000000), d(1100000)], d("0.05")) == d(950000)
    assert formulas.average_benchmark([d(900000)]) == d(900000)
    assert formulas.average_benchmark_points(d(1100000), d(1000000), d(40), d(1), d("0.5")) == d(30)
    assert formulas.average_benchmark_points(d(900000), d(1000000), d(40), d(1), d("0.5")) == d(35)
    assert formulas.deviation_percent(d(900000), d(1000000)) == d(-10)
    # [5, 1, 9, 1]: the lowest is the earlier 1 (position 1), the highest 9 (position 2).
    assert formulas.benchmark_prices([d(5), d(1), d(9), d(1)], True) == ([0, 3], [1, 2])
    assert formulas.benchmark_prices([d(5), d(1)], True) == ([0, 1], [])


@pytest.mark.parametrize("value, places, expected", [
    ("2.345", 2, "2.35"), ("-2.345", 2, "-2.35"), ("0.125", 2, "0.13"), ("2.5", 0, "3"), ("3.5", 0, "4"),
    ("2.344999", 2, "2.34"), ("-0.004", 2, "0.00"), ("17.5", 4, "17.5000"), ("0", 0, "0"),
])
def test_round_half_up(value, places, expected):
    assert format(formulas.round_half_up(Decimal(value), places), "f") == expected


def test_rounding_is_of_the_exact_value_not_of_its_last_digit_noise():
    # 1/30 + 26/70 + 2/21 = 7/210 + 78/210 + 20/210 = 105/210 = 0.5 exactly → 1 (half up).
    # Each quotient has 100 digits, so their sum comes out as 0.4999…9 (100 digits) here.
    with localcontext(formulas.CONTEXT):
        total = Decimal(1) / 30 + Decimal(26) / 70 + Decimal(2) / 21
    assert total < Decimal("0.5")
    assert formulas.round_half_up(total, 0) == 1
