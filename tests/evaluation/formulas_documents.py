"""Evaluation documents for the formulas' tests: one written out by hand, or drawn at random (hypothesis)."""

import random
from decimal import Decimal

from hypothesis import strategies as st

from evaluation import formulas

LOT = "NN2026-GC-0047/1"
SEED = bytes(range(32))
BID0, ITEM0, EXPERT0 = 9001, 11, 501


def tie_break(seed=SEED, lot=LOT, revealed=True):
    return {"commitment": formulas.tie_commitment(seed, lot), "seed": seed.hex() if revealed else None}


def document(prices, *, method="comprehensive", formula="lowest_benchmark", weight="40", drops=False, k=None,
             above="1", below="0.5", decimals=2, drop_high_low=False, outlier="30", items=(), experts=0,
             scores=None, not_responsive=(), seed=SEED, revealed=True, lot=LOT):
    """A document: bids 9001, 9002, … at `prices` (those at positions in `not_responsive` are not);
    items 11, 12, … from (category, low, high); experts 501, 502, …; scores(e, b, i) gives the
    points of the e-th expert for the b-th bid and the i-th item (positions from 0), as a string."""
    return {
        "format": formulas.FORMAT, "lot": lot, "method": method,
        "price": {"formula": formula, "weight": weight, "average_drops_extremes": drops, "k": k,
                  "points_per_percent_above": above, "points_per_percent_below": below},
        "decimals": decimals, "drop_high_low": drop_high_low, "outlier_percent": outlier,
        "items": [{"id": ITEM0 + i, "name": f"Item {i + 1}", "category": c, "low": lo, "high": hi}
                  for i, (c, lo, hi) in enumerate(items)],
        "experts": [{"id": EXPERT0 + e, "name": f"Expert {e + 1}"} for e in range(experts)],
        "bids": [{"id": BID0 + b, "bidder": f"Bidder {b + 1}", "price": p, "responsive": b not in not_responsive,
                  "reasons": ["No bid bond"] if b in not_responsive else []} for b, p in enumerate(prices)],
        "scores": [{"expert": EXPERT0 + e, "bid": BID0 + b, "item": ITEM0 + i, "points": scores(e, b, i)}
                   for b in range(len(prices)) if b not in not_responsive
                   for i in range(len(items)) for e in range(experts)],
        "tie_break": tie_break(seed, lot, revealed),
    }


def bid(result, bid_id):
    return next(b for b in result["bids"] if b["id"] == bid_id)


def cents(n) -> str:
    return format(Decimal(n) / 100, "f")


# --- random documents ---------------------------------------------------------------------------
# Few distinct values on purpose: equal prices, equal totals and agreeing experts come up often.

PRICES = ["100.00", "160.00", "333.33", "999999.99", "1000000.00", "1000000.01", "1234567.89"]


@st.composite
def documents(draw, *, method=None, formula=None, agreeing=False, drop_high_low=None, max_bids=7):
    """A complete document (every expert scores every item of every responsive bid)."""
    n = draw(st.integers(0, max_bids))
    prices = [draw(st.one_of(st.sampled_from(PRICES), st.integers(1, 10**12).map(cents))) for _ in range(n)]
    not_responsive = {b for b in range(n) if draw(st.integers(0, 4)) == 0}
    items = []
    for _ in range(draw(st.integers(0, 4))):
        low = draw(st.integers(0, 500))
        items.append((draw(st.sampled_from(formulas.CATEGORIES)), cents(low), cents(low + draw(st.integers(1, 3000)))))
    experts = draw(st.integers(1, 9)) if items else draw(st.integers(0, 2))
    table = {}
    for b in range(n):
        for i, (_, low, high) in enumerate(items):
            lo, hi = int(Decimal(low) * 100), int(Decimal(high) * 100)
            shared = draw(st.integers(lo, hi))
            for e in range(experts):
                table[e, b, i] = shared if agreeing else draw(st.one_of(st.just(shared), st.integers(lo, hi)))
    k = draw(st.one_of(st.none(), st.sampled_from(["0", "0.02", "0.05", "0.999999"]),
                       st.integers(0, 999999).map(lambda x: f"0.{x:06d}")))
    return document(
        prices, method=method or draw(st.sampled_from(formulas.METHODS)),
        formula=formula or draw(st.sampled_from(formulas.FORMULAS)),
        weight=draw(st.sampled_from(["0", "10", "30", "40", "60.5", "100"])), drops=draw(st.booleans()), k=k,
        above=draw(st.integers(0, 500).map(cents)), below=draw(st.integers(0, 500).map(cents)),
        decimals=draw(st.integers(0, 4)),
        drop_high_low=draw(st.booleans()) if drop_high_low is None else drop_high_low,
        outlier=draw(st.sampled_from(["30", "10", "100", "0.5"])), items=items, experts=experts,
        scores=lambda e, b, i: cents(table[e, b, i]), not_responsive=not_responsive)


def random_document(r: random.Random) -> dict:
    """A complete document from a seeded random source (for a batch without hypothesis)."""
    n = r.randint(0, 12)
    prices = [r.choice(PRICES) if r.random() < 0.4 else cents(r.randint(1, 10**12)) for _ in range(n)]
    items = []
    for _ in range(r.randint(0, 5)):
        low = r.randint(0, 500)
        items.append((r.choice(formulas.CATEGORIES), cents(low), cents(low + r.randint(1, 3000))))
    experts = r.randint(5, 9) if items else 0
    table = {}
    for b in range(n):
        for i, (_, low, high) in enumerate(items):
            lo, hi = int(Decimal(low) * 100), int(Decimal(high) * 100)
            shared = r.randint(lo, hi)
            for e in range(experts):
                table[e, b, i] = shared if r.random() < 0.5 else r.randint(lo, hi)
    return document(
        prices, method=r.choice(formulas.METHODS), formula=r.choice(formulas.FORMULAS),
        weight=r.choice(["10", "30", "40", "60.5", "100"]), drops=r.random() < 0.5,
        k=r.choice([None, "0.02", "0.05", f"0.{r.randint(0, 999999):06d}"]),
        above=cents(r.randint(0, 500)), below=cents(r.randint(0, 500)), decimals=r.randint(0, 4),
        drop_high_low=r.random() < 0.5, items=items, experts=experts,
        scores=lambda e, b, i: cents(table[e, b, i]), not_responsive={b for b in range(n) if r.random() < 0.2})
