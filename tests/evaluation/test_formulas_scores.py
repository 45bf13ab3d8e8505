"""Items, outliers, the ranking and its ties (DOMAIN.md §7), worked by hand in the comments; and
the documents evaluate() refuses."""

import ast
import hashlib
import sys
from pathlib import Path

import pytest

from evaluation import formulas
from evaluation.room import core

from .formulas_documents import LOT, SEED, bid, document


def scored(prices, table, *, items=(("technical", "0", "20"),), **kw):
    """table[b][i] is the list of the experts' scores of bid b's item i."""
    experts = len(table[0][0]) if table and table[0] else 0
    return document(prices, items=items, experts=experts, scores=lambda e, b, i: table[b][i][e], **kw)


# --- an item's points: the mean of the experts' scores ------------------------------------------


def test_an_items_points_are_the_mean_of_the_experts_scores():
    # (15 + 16 + 17 + 18 + 19) / 5 = 85 / 5 = 17.00
    result = formulas.evaluate(scored(["100.00"], [[["15", "16", "17", "18", "19"]]]))
    item = bid(result, 9001)["items"][0]
    assert item["points"] == "17.00" and item["dropped"] == []
    assert item["scores"] == [{"expert": 501 + e, "points": p} for e, p in enumerate(["15", "16", "17", "18", "19"])]


SEVEN = ["10", "14", "15", "15", "16", "16", "20"]


def test_with_seven_experts_the_highest_and_lowest_are_dropped():
    # Dropped 10 (expert 501) and 20 (expert 507): (14 + 15 + 15 + 16 + 16) / 5 = 76 / 5 = 15.20.
    # Without dropping: 106 / 7 = 15.142857… → 15.14.
    item = bid(formulas.evaluate(scored(["100.00"], [[SEVEN]], drop_high_low=True)), 9001)["items"][0]
    assert item["points"] == "15.20" and item["dropped"] == [501, 507]
    item = bid(formulas.evaluate(scored(["100.00"], [[SEVEN]])), 9001)["items"][0]
    assert item["points"] == "15.14" and item["dropped"] == []


def test_with_six_experts_nothing_is_dropped():
    # Fewer than 7: (10 + 14 + 15 + 15 + 16 + 20) / 6 = 90 / 6 = 15.00, all kept.
    item = bid(formulas.evaluate(scored(["100.00"], [[SEVEN[:5] + ["20"]]], drop_high_low=True)), 9001)["items"][0]
    assert item["points"] == "15.00" and item["dropped"] == []


def test_of_equal_highest_scores_the_larger_expert_id_is_dropped():
    # Nine experts: eight give 12, expert 509 gives 3. Dropped: 3 (509) as the lowest and, of the
    # 12s, expert 508 (the largest id) as the highest; (7 × 12) / 7 = 12.00.
    item = bid(formulas.evaluate(scored(["100.00"], [[["12"] * 8 + ["3"]]], drop_high_low=True)), 9001)["items"][0]
    assert item["points"] == "12.00" and item["dropped"] == [509, 508]


def test_an_items_mean_rounds_half_up():
    # One decimal: (10.25 + 10 + 10 + 10 + 10) / 5 = 50.25 / 5 = 10.05 → 10.1 (half-even: 10.0).
    item = bid(formulas.evaluate(scored(["100.00"], [[["10.25", "10", "10", "10", "10"]]], decimals=1)), 9001)
    assert item["items"][0]["points"] == "10.1"


def test_technical_and_commercial_points_are_the_sums_of_their_items_means_rounded_once():
    # Three experts. Technical items: (10 + 10 + 11) / 3 = 10.333…, (5 + 5 + 6) / 3 = 5.333…;
    # technical = 15.666… → 15.67 (the rounded items 10.33 + 5.33 would make 15.66).
    # Commercial: (2 + 2 + 2) / 3 = 2.00.  Price: a single bid, 40.00.
    # total = 40 + 15.666… + 2 = 57.666… → 57.67.
    table = [[["10", "10", "11"], ["5", "5", "6"], ["2", "2", "2"]]]
    items = (("technical", "0", "20"), ("technical", "0", "10"), ("commercial", "0", "5"))
    b = bid(formulas.evaluate(scored(["100.00"], table, items=items)), 9001)
    assert [i["points"] for i in b["items"]] == ["10.33", "5.33", "2.00"]
    assert (b["technical"], b["commercial"], b["price_points"], b["total"]) == ("15.67", "2.00", "40.00", "57.67")


# --- outliers: further than outlier_percent of the range from the OTHER experts' mean --------


def test_a_score_far_from_the_others_mean_is_flagged():
    # Range 0–20, 30 % → threshold 6. Expert 505's 8: others' mean 15, |8 − 15| = 7 > 6 → flagged.
    # Each 15: others' mean (15 × 3 + 8) / 4 = 13.25, |15 − 13.25| = 1.75 → not flagged.
    doc = scored(["100.00"], [[["15", "15", "15", "15", "8"]]])
    assert formulas.outliers(doc) == [{"expert": 505, "bid": 9001, "item": 11, "points": "8", "others_mean": "15.00",
                                       "threshold": "6.00"}]


def test_a_score_exactly_at_the_threshold_is_not_flagged():
    # |9 − 15| = 6, not further than 6.
    assert formulas.outliers(scored(["100.00"], [[["15", "15", "15", "15", "9"]]])) == []


def test_the_threshold_follows_the_tables_percentage():
    # 10 % of 0–20 = 2: the 12 is 3 from 15 → flagged; with 30 % it is not.
    doc = scored(["100.00"], [[["15", "15", "15", "15", "12"]]], outlier="10")
    assert [f["expert"] for f in formulas.outliers(doc)] == [505]
    assert formulas.outliers(scored(["100.00"], [[["15", "15", "15", "15", "12"]]])) == []


def test_outliers_reads_a_document_still_being_scored():
    # Only two of five experts have scored so far: 2 and 20 on 0–20 → each 18 from the other → both.
    doc = scored(["100.00"], [[["2", "20", "10", "10", "10"]]])
    doc["scores"] = doc["scores"][:2]
    assert [(f["expert"], f["others_mean"]) for f in formulas.outliers(doc)] == [(501, "20.00"), (502, "2.00")]
    with pytest.raises(formulas.DocumentError, match="expert 503 has not scored item 11 of bid 9001"):
        formulas.evaluate(doc)
    doc["scores"] = doc["scores"][:1]  # alone: no others, no flag
    assert formulas.outliers(doc) == []


def test_outliers_never_changes_a_score():
    doc = scored(["100.00"], [[["15", "15", "15", "15", "8"]]])
    before = formulas.evaluate(doc)
    assert formulas.outliers(doc) and formulas.evaluate(doc) == before
    assert bid(before, 9001)["items"][0]["scores"][4] == {"expert": 505, "points": "8"}


# --- ranking and ties --------------------------------------------------------------------------


def digest(bid_id, seed=SEED, lot=LOT):
    """The draw's lot for a bid, written out from docs/evaluation-format.md."""
    return hashlib.sha256(b"kaibiao/tie-draw v1\x00" + lot.encode() + b"\x00" + seed + b"\x00"
                          + str(bid_id).encode()).hexdigest()


def test_comprehensive_ranks_by_total_at_most_three_candidates():
    # Lowest benchmark, W = 40, B = 800000, technical all experts alike:
    # 9001 1000000: 32.00 + 10 = 42.00;  9002 800000: 40.00 + 1 = 41.00;  9003 1600000: 20.00 + 20 = 40.00
    # 9004 2000000: 16.00 + 20 = 36.00;  9005 not responsive.
    table = [[["10"] * 5], [["1"] * 5], [["20"] * 5], [["20"] * 5], [["0"] * 5]]
    doc = scored(["1000000.00", "800000.00", "1600000.00", "2000000.00", "1.00"], table, not_responsive={4})
    doc["scores"] = [s for s in doc["scores"] if s["bid"] != 9005]
    result = formulas.evaluate(doc)
    assert [bid(result, i)["total"] for i in (9001, 9002, 9003, 9004)] == ["42.00", "41.00", "40.00", "36.00"]
    assert result["ranking"] == [9001, 9002, 9003, 9004] and result["candidates"] == [9001, 9002, 9003]
    assert [bid(result, i)["rank"] for i in (9001, 9002, 9003, 9004, 9005)] == [1, 2, 3, 4, None]
    assert result["ties"] == []


def test_equal_totals_go_to_the_lower_price():
    # 9001 1000000: 32.00 + 18 = 50.00;  9002 800000: 40.00 + 10 = 50.00 → 9002 first, by price.
    result = formulas.evaluate(scored(["1000000.00", "800000.00"], [[["18"] * 5], [["10"] * 5]]))
    assert result["ranking"] == [9002, 9001]
    assert result["ties"] == [{"on": "total", "value": "50.00", "bids": [9002, 9001], "decided": ["price"],
                               "draws": []}]


def test_equal_totals_and_prices_go_to_the_higher_technical_points():
    # Both 800000 (40.00). 9001: technical 15 + commercial 5 = 60.00; 9002: 18 + 2 = 60.00 → 9002.
    items = (("technical", "0", "20"), ("commercial", "0", "10"))
    result = formulas.evaluate(scored(["800000.00", "800000.00"], [[["15"] * 5, ["5"] * 5], [["18"] * 5, ["2"] * 5]],
                                      items=items))
    assert result["ranking"] == [9002, 9001]
    assert result["ties"][0]["decided"] == ["technical"] and result["ties"][0]["value"] == "60.00"


def test_bids_equal_on_every_rule_are_ordered_by_the_draw():
    # Four bids at 500000, no items: all 40.00, same price, same technical 0 → the draw: the
    # smaller SHA-256("kaibiao/tie-draw v1" 0 lot 0 seed 0 bid id) first.
    result = formulas.evaluate(document(["500000.00"] * 4))
    expected = sorted(range(9001, 9005), key=digest)
    assert result["ranking"] == expected and result["candidates"] == expected[:3]
    assert result["ties"] == [{"on": "total", "value": "40.00", "bids": expected, "decided": ["draw"] * 3,
                               "draws": [{"bid": i, "digest": digest(i)} for i in expected]}]
    # Another committed seed draws another order (for these two seeds).
    other = bytes(range(1, 33))
    assert formulas.evaluate(document(["500000.00"] * 4, seed=other))["ranking"] == sorted(
        range(9001, 9005), key=lambda i: digest(i, other)) != expected


def test_a_tie_on_the_published_total_counts_even_where_the_exact_totals_differ():
    # No decimals. 9001 800000: 40 + 9.6 = 49.6 → 50;  9002 1000000: 32 + 18.4 = 50.4 → 50.
    # Exactly 9002 is ahead, but both publish 50: the lower price (9001) ranks first.
    result = formulas.evaluate(scored(["800000.00", "1000000.00"], [[["9.6"] * 5], [["18.4"] * 5]], decimals=0))
    assert [bid(result, i)["total"] for i in (9001, 9002)] == ["50", "50"]
    assert result["ranking"] == [9001, 9002] and result["ties"][0]["decided"] == ["price"]


@pytest.mark.parametrize("method", ["lowest_price", "lowest_evaluated"])
def test_lowest_price_methods_rank_by_price_then_technical_then_draw(method):
    # 9001 and 9003 at 700000, 9003 with more technical points; 9002 at 600000 first; 9004 at
    # 800000; 9005 and 9006 at 900000 with the same technical points: the draw.
    tech = ["5", "5", "9", "0", "3", "3"]
    doc = scored(["700000.00", "600000.00", "700000.00", "800000.00", "900000.00", "900000.00"],
                 [[[t] * 5] for t in tech], method=method)
    result = formulas.evaluate(doc)
    last = sorted([9005, 9006], key=digest)
    assert result["ranking"] == [9002, 9003, 9001, 9004, *last] and result["candidates"] == [9002, 9003, 9001]
    assert result["ties"] == [
        {"on": "evaluated_price", "value": "700000.00", "bids": [9003, 9001], "decided": ["technical"], "draws": []},
        {"on": "evaluated_price", "value": "900000.00", "bids": last, "decided": ["draw"],
         "draws": [{"bid": i, "digest": digest(i)} for i in last]}]
    assert bid(result, 9002)["evaluated_price"] == "600000.00"


def test_a_draw_needs_the_revealed_seed_and_only_then():
    with pytest.raises(formulas.DocumentError, match="tie-break seed must be revealed"):
        formulas.evaluate(document(["500000.00"] * 2, revealed=False))
    assert formulas.evaluate(document(["500000.00", "600000.00"], revealed=False))["ranking"] == [9001, 9002]


def test_a_seed_that_is_not_the_committed_one_is_refused():
    doc = document(["500000.00"] * 2)
    doc["tie_break"]["seed"] = bytes(32).hex()
    with pytest.raises(formulas.DocumentError, match="does not match its commitment"):
        formulas.evaluate(doc)


def test_the_commitment_is_the_rooms():
    seed = bytes(range(7, 39))
    assert formulas.tie_commitment(seed, LOT) == core.tie_commitment(seed, LOT) == hashlib.sha256(
        b"kaibiao/tie-break v1\x00" + LOT.encode() + b"\x00" + seed).hexdigest()


# --- documents refused -------------------------------------------------------------------------


def refusal(change):
    doc = scored(["100.00", "200.00"], [[["15"] * 5], [["15"] * 5]])
    change(doc)
    with pytest.raises(formulas.DocumentError) as refused:
        formulas.evaluate(doc)
    return str(refused.value)


def test_documents_evaluate_refuses():
    assert "outside item 11's range" in refusal(lambda d: d["scores"][0].update(points="20.5"))
    assert "is given twice" in refusal(lambda d: d["scores"].append(dict(d["scores"][0])))
    assert "has not scored" in refusal(lambda d: d["scores"].pop())
    assert "not responsive" in refusal(lambda d: d["bids"][1].update(responsive=False))
    assert "price must be above 0" in refusal(lambda d: d["bids"][1].update(price="0.00"))
    assert "price must be a decimal string" in refusal(lambda d: d["bids"][1].update(price="1e5"))
    assert "price must be a decimal string" in refusal(lambda d: d["bids"][1].update(price="100.001"))
    assert "price.k must be below 1" in refusal(lambda d: d["price"].update(k="1"))
    assert "exactly the keys" in refusal(lambda d: d.update(extra=1))
    assert "the method must be" in refusal(lambda d: d.update(method="highest_price"))
    assert "decimals must be" in refusal(lambda d: d.update(decimals=5))
    assert "outlier_percent must be" in refusal(lambda d: d.update(outlier_percent="0"))
    assert "low must be below high" in refusal(lambda d: d["items"][0].update(low="20"))
    assert "same id" in refusal(lambda d: d["bids"][1].update(id=9001))


@pytest.mark.parametrize("path", ["evaluation/formulas.py", "tools/recompute_scores.py"])
def test_the_formulas_and_the_tool_import_nothing_but_the_standard_library(path):
    tree = ast.parse((Path(__file__).resolve().parents[2] / path).read_text("utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported and imported <= sys.stdlib_module_names, imported - sys.stdlib_module_names
