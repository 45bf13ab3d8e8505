"""Properties of the formulas on random documents (hypothesis): points stay within their ranges,
a lower price never gets fewer points under the lowest-price method, dropping the highest and
lowest changes nothing where the experts agree, and the result is a fixed function of its document."""

import json
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation import formulas

from .formulas_documents import documents

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def evaluated(result):
    return [b for b in result["bids"] if b["responsive"]]


@SETTINGS
@given(doc=documents())
def test_every_figure_stays_within_its_range(doc):
    # A figure is rounded to the table's decimals, and so are its bounds here: an item from 0.01
    # to 0.02 scored 0.01 publishes 0 with no decimals.
    result = formulas.evaluate(doc)

    def bound(value):
        return formulas.round_half_up(value, doc["decimals"])

    weight = Decimal(doc["price"]["weight"])
    items = {i["id"]: i for i in doc["items"]}
    highest = {c: sum((Decimal(i["high"]) for i in doc["items"] if i["category"] == c), Decimal(0))
               for c in formulas.CATEGORIES}
    for b in evaluated(result):
        assert 0 <= Decimal(b["price_points"]) <= bound(weight)
        for it in b["items"]:
            item = items[it["item"]]
            assert bound(Decimal(item["low"])) <= Decimal(it["points"]) <= bound(Decimal(item["high"]))
            assert len(it["dropped"]) in (0, 2)
        assert 0 <= Decimal(b["technical"]) <= bound(highest["technical"])
        assert 0 <= Decimal(b["commercial"]) <= bound(highest["commercial"])
        assert 0 <= Decimal(b["total"]) <= bound(weight + highest["technical"] + highest["commercial"])
        for figure in ("price_points", "technical", "commercial", "total"):  # rounded to the table's decimals
            assert -Decimal(b[figure]).as_tuple().exponent == doc["decimals"]


@SETTINGS
@given(doc=documents(method="lowest_price", formula="lowest_benchmark"))
def test_under_the_lowest_price_method_a_lower_price_never_gets_fewer_points_nor_a_worse_rank(doc):
    bids = evaluated(formulas.evaluate(doc))
    for a in bids:
        for b in bids:
            if Decimal(a["price"]) < Decimal(b["price"]):
                assert Decimal(a["price_points"]) >= Decimal(b["price_points"])
                assert a["rank"] < b["rank"]
    if bids:  # the lowest price has the whole weight
        assert min(bids, key=lambda b: Decimal(b["price"]))["price_points"] == format(
            formulas.round_half_up(Decimal(doc["price"]["weight"]), doc["decimals"]), "f")


@SETTINGS
@given(doc=documents(agreeing=True, drop_high_low=False))
def test_dropping_the_highest_and_lowest_changes_nothing_when_all_experts_agree(doc):
    kept = formulas.evaluate(doc)
    doc["drop_high_low"] = True
    dropped = formulas.evaluate(doc)
    many = len(doc["experts"]) >= formulas.DROP_SCORES_FROM
    for a, b in zip(kept["bids"], dropped["bids"]):
        assert [i["points"] for i in a["items"]] == [i["points"] for i in b["items"]]
        assert all(len(i["dropped"]) == (2 if many else 0) for i in b["items"])
        assert {k: v for k, v in a.items() if k != "items"} == {k: v for k, v in b.items() if k != "items"}
    assert kept["ranking"] == dropped["ranking"] and kept["ties"] == dropped["ties"]


@SETTINGS
@given(doc=documents(), order=st.randoms(use_true_random=False))
def test_the_order_of_the_scores_in_the_document_does_not_matter(doc, order):
    result = formulas.evaluate(doc)
    order.shuffle(doc["scores"])
    assert formulas.evaluate(doc) == result
    assert json.loads(json.dumps(result)) == result  # plain JSON: strings, integers, lists


@SETTINGS
@given(doc=documents())
def test_the_ranking_lists_every_responsive_bid_once_and_three_candidates_at_most(doc):
    result = formulas.evaluate(doc)
    responsive = [b["id"] for b in doc["bids"] if b["responsive"]]
    assert sorted(result["ranking"]) == sorted(responsive)
    assert result["candidates"] == result["ranking"][:3]
    assert [b["rank"] for b in result["bids"]] == [result["ranking"].index(b["id"]) + 1 if b["responsive"] else None
                                                   for b in doc["bids"]]
    for tie in result["ties"]:
        at = result["ranking"].index(tie["bids"][0])
        assert result["ranking"][at:at + len(tie["bids"])] == tie["bids"]
        assert len(tie["decided"]) == len(tie["bids"]) - 1
