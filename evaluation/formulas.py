"""The scoring formulas of DOMAIN.md §7 as pure functions: a published document in, every point and the ranking out.

No Django here: this module is the rule docs/evaluation-format.md states and tools/recompute_scores.py
implements again with the standard library alone. Every number is a Decimal computed in CONTEXT (100
significant digits) and never rounded on the way; each published figure is rounded once, half up (round_half_up)."""

import hashlib
import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from decimal import localcontext
from types import SimpleNamespace

FORMAT = "kaibiao/evaluation v1"
RESULT_FORMAT = "kaibiao/evaluation-result v1"
METHODS = ("lowest_price", "comprehensive", "lowest_evaluated")
FORMULAS = ("lowest_benchmark", "average_benchmark")
CATEGORIES = ("technical", "commercial")
CONTEXT = Context(prec=100, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])
MONEY_DECIMALS = 2  # the benchmark and the mean are published in yuan to the fen
DROP_SCORES_FROM = 7  # experts scoring an item from which its highest and lowest are dropped
DROP_PRICES_FROM = 3  # responsive prices from which the average benchmark drops its extremes
CANDIDATES = 3  # 实施条例 第53条: at most three ranked candidates
# A computed figure is first snapped to 60 places: that removes a quotient's last-digit error (1/30 + 26/70 +
# 2/21 comes out as 0.4999…9 but is 1/2), while a figure not exactly at a half lies more than 1e-45 from one for
# the documents read() accepts (prices to the fen, points to 4 places, K to 6): snapping never moves it across.
_SNAP = Decimal("1e-60")
_ZERO, _ONE, _HUNDRED = Decimal(0), Decimal(1), Decimal(100)
_NUMBER = re.compile(r"(0|[1-9][0-9]*)(?:\.([0-9]+))?")
_HEX64 = re.compile(r"[0-9a-f]{64}")


class DocumentError(ValueError):
    """The document is not a well-formed kaibiao/evaluation v1 document; the message says where."""


# --- the single formulas (DOMAIN.md §7) ---------------------------------------------------------


def round_half_up(value, decimals: int) -> Decimal:
    """value rounded to `decimals` places, a 5 in the first dropped place rounding away from
    zero: 2.345 → 2.35, −2.345 → −2.35 (DOMAIN.md §7 rounds once, at the end, per published
    figure). A computed value first loses its last-digit noise (snapped to 60 places, see _SNAP);
    an exact one is unchanged by that. Never a negative zero."""
    with localcontext(CONTEXT):
        snapped = Decimal(value).quantize(_SNAP, rounding=ROUND_HALF_EVEN)
        rounded = snapped.quantize(_ONE.scaleb(-decimals), rounding=ROUND_HALF_UP)
    return abs(rounded) if rounded == 0 else rounded


def lowest_benchmark(prices: list[Decimal]) -> Decimal:
    """The lowest-price benchmark (DOMAIN.md §7; 政府采购 87号令 第55条): B = min(responsive prices)."""
    return min(prices)


def lowest_benchmark_points(benchmark: Decimal, price: Decimal, weight: Decimal) -> Decimal:
    """Price points against the lowest-price benchmark (DOMAIN.md §7):
    P = B / price × W, with W the price weight; in [0, W] since B ≤ price. Computed as
    B × W / price, one division, last."""
    with localcontext(CONTEXT):
        return benchmark * weight / price


def benchmark_prices(prices: list[Decimal], drop_extremes: bool) -> tuple[list[int], list[int]]:
    """Which responsive prices enter the average benchmark (DOMAIN.md §7), as positions in
    `prices`: (used, dropped). All of them, or, where the table drops the extremes and there
    are 3 or more prices, all but one lowest and one highest (among equal prices the earlier
    counts as lower). With 1 or 2 prices nothing is dropped: the mean is of them all."""
    if not drop_extremes or len(prices) < DROP_PRICES_FROM:
        return list(range(len(prices))), []
    order = sorted(range(len(prices)), key=lambda i: (prices[i], i))
    dropped = [order[0], order[-1]]
    return [i for i in range(len(prices)) if i not in dropped], dropped


def mean(values: list[Decimal]) -> Decimal:
    """M = (v1 + … + vn) / n."""
    with localcontext(CONTEXT):
        return sum(values, _ZERO) / len(values)


def average_benchmark(prices: list[Decimal], k: Decimal | None = None) -> Decimal:
    """The average benchmark (DOMAIN.md §7): B = (p1 + … + pn) / n × (1 − K), over the prices
    benchmark_prices keeps; K, drawn at the opening from the published range (0 ≤ K < 1), is 0
    where the tender draws none. Computed as sum × (1 − K) / n, one division, last."""
    with localcontext(CONTEXT):
        return sum(prices, _ZERO) * (_ONE - (k or _ZERO)) / len(prices)


def deviation_percent(price: Decimal, benchmark: Decimal) -> Decimal:
    """How far a price is from the benchmark, in percent, signed (DOMAIN.md §7):
    D = (price − B) / B × 100."""
    with localcontext(CONTEXT):
        return (price - benchmark) * _HUNDRED / benchmark


def average_benchmark_points(price: Decimal, benchmark: Decimal, weight: Decimal,
                             above: Decimal, below: Decimal) -> Decimal:
    """Price points against the average benchmark (DOMAIN.md §7):
    P = max(0, W − |price − B| / B × 100 × E), with E = `above` points per percent where the
    price is above B and `below` where it is below (at B: P = W)."""
    with localcontext(CONTEXT):
        e = above if price > benchmark else below
        return max(_ZERO, weight - abs(price - benchmark) * _HUNDRED * e / benchmark)


def dropped_scores(scores: list[tuple[int, Decimal]], drop_high_low: bool) -> list[int]:
    """The experts whose score on an item is left out (DOMAIN.md §7): none, or, where the table
    drops them and 7 or more experts score, [the lowest's, the highest's]. scores: (expert id,
    points); among equal scores the smaller expert id counts as lower, so that the choice is
    fixed (the points do not depend on it)."""
    if not drop_high_low or len(scores) < DROP_SCORES_FROM:
        return []
    order = sorted(scores, key=lambda s: (s[1], s[0]))
    return [order[0][0], order[-1][0]]


def item_points(scores: list[tuple[int, Decimal]], drop_high_low: bool = False) -> Decimal:
    """An item's points for a bid (DOMAIN.md §7): the mean of the experts' scores, without the
    highest and lowest where dropped_scores drops them: I = (s1 + … + sm) / m."""
    dropped = dropped_scores(scores, drop_high_low)
    return mean([points for expert, points in scores if expert not in dropped])


def is_outlier(score: Decimal, others: list[Decimal], low: Decimal, high: Decimal, percent: Decimal) -> bool:
    """Whether a score is flagged for its expert to review (DOMAIN.md §7): it is further than
    `percent` % of the item's range from the OTHER experts' mean,
    |s − mean(others)| > percent / 100 × (high − low). Never with no other score. Compared
    exactly, without a division: |n·s − Σothers| × 100 > percent × (high − low) × n."""
    if not others:
        return False
    with localcontext(CONTEXT):
        n = len(others)
        return abs(n * score - sum(others, _ZERO)) * _HUNDRED > percent * (high - low) * n


def tie_commitment(seed: bytes, lot: str) -> str:
    """The room's tie-break commitment, published when the room opens, before any point is
    known: SHA-256("kaibiao/tie-break v1" 0x00 lot 0x00 seed), lowercase hex; the same bytes as
    evaluation/room/core.py tie_commitment (a test holds them equal)."""
    return hashlib.sha256(b"kaibiao/tie-break v1\0" + lot.encode() + b"\0" + seed).hexdigest()


def tie_draw(seed: bytes, lot: str, bid_id: int) -> str:
    """A bid's lot in the tie-break draw (DOMAIN.md §7: lots drawn in the open):
    SHA-256("kaibiao/tie-draw v1" 0x00 lot 0x00 seed 0x00 bid id in decimal), lowercase hex.
    Among bids still tied after price and technical points, the smaller digest ranks first."""
    text = b"kaibiao/tie-draw v1\0" + lot.encode() + b"\0" + seed + b"\0" + str(bid_id).encode()
    return hashlib.sha256(text).hexdigest()


def ranking(bids: list[dict], method: str, draw=None) -> tuple[list[int], list[dict]]:
    """The ranking of the responsive bids (DOMAIN.md §7) and its ties. bids: [{"id", "price",
    "evaluated_price", "total", "technical"}], the figures as published (rounded). comprehensive:
    total points, highest first; lowest_price and lowest_evaluated: evaluated price, lowest first.
    Ties: lower price first, then higher technical points, then `draw(bid id)` (tie_draw), the
    smaller first. Returns (bid ids in order, [{"on", "value", "bids", "decided", "draws"}] for
    each group equal on the first rule): decided[i] is the rule that put bids[i] before bids[i+1]."""
    on = "total" if method == "comprehensive" else "evaluated_price"

    def first(b):
        return -b["total"] if on == "total" else b["evaluated_price"]

    still_tied: dict[tuple, int] = {}
    for b in bids:
        key = (first(b), b["price"], -b["technical"])
        still_tied[key] = still_tied.get(key, 0) + 1
    lots = {}
    for b in bids:
        if still_tied[(first(b), b["price"], -b["technical"])] > 1:
            if draw is None:
                raise DocumentError(f"bid {b['id']} is tied with another on every rule: "
                                    "the tie-break seed must be revealed")
            lots[b["id"]] = draw(b["id"])
    order = sorted(bids, key=lambda b: (first(b), b["price"], -b["technical"], lots.get(b["id"], "")))
    ties, i = [], 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and first(order[j + 1]) == first(order[i]):
            j += 1
        if j > i:
            group = order[i:j + 1]
            decided = ["price" if a["price"] != b["price"] else "technical" if a["technical"] != b["technical"]
                       else "draw" for a, b in zip(group, group[1:])]
            ties.append({"on": on, "value": _text(order[i][on]), "bids": [b["id"] for b in group], "decided": decided,
                         "draws": [{"bid": b["id"], "digest": lots[b["id"]]} for b in group if b["id"] in lots]})
        i = j + 1
    return [b["id"] for b in order], ties


# --- the document and the result (docs/evaluation-format.md) ------------------------------------


def evaluate(document: dict) -> dict:
    """The result of a complete document (every expert has scored every item of every responsive
    bid): each bid's item points, technical, commercial and price points, total, evaluated price
    and rank; the price benchmark and its inputs; the ranking, at most three candidates, the ties
    and how each was broken. Its exact shape is docs/evaluation-format.md's."""
    doc = read(document, complete=True)
    d, price = doc.decimals, doc.price
    responsive = [b for b in doc.bids if b["responsive"]]
    prices = [b["price"] for b in responsive]
    used, dropped, mean_price, benchmark = list(range(len(prices))), [], None, None
    if prices and price["formula"] == "lowest_benchmark":
        benchmark = lowest_benchmark(prices)
    elif prices:
        used, dropped = benchmark_prices(prices, price["average_drops_extremes"])
        mean_price = mean([prices[i] for i in used])
        benchmark = average_benchmark([prices[i] for i in used], price["k"])
    score = {(s["expert"], s["bid"], s["item"]): s["points"] for s in doc.scores}
    entries, figures = {}, []
    for b in responsive:
        items, sums = [], {c: _ZERO for c in CATEGORIES}
        for item in doc.items:
            scores = [(e["id"], score[(e["id"], b["id"], item["id"])]) for e in doc.experts]
            exact = item_points(scores, doc.drop_high_low)
            with localcontext(CONTEXT):
                sums[item["category"]] += exact
            items.append({"item": item["id"], "scores": [{"expert": e, "points": _text(p)} for e, p in scores],
                          "dropped": dropped_scores(scores, doc.drop_high_low),
                          "points": _text(round_half_up(exact, d))})
        if price["formula"] == "lowest_benchmark":
            points, deviation = lowest_benchmark_points(benchmark, b["price"], price["weight"]), None
        else:
            points = average_benchmark_points(b["price"], benchmark, price["weight"], price["above"], price["below"])
            deviation = _text(round_half_up(deviation_percent(b["price"], benchmark), d))
        with localcontext(CONTEXT):
            total = points + sums["technical"] + sums["commercial"]
        figure = {"id": b["id"], "price": b["price"], "evaluated_price": b["price"],
                  "technical": round_half_up(sums["technical"], d), "total": round_half_up(total, d)}
        figures.append(figure)
        entries[b["id"]] = {"items": items, "technical": _text(figure["technical"]),
                            "commercial": _text(round_half_up(sums["commercial"], d)),
                            "price_points": _text(round_half_up(points, d)), "deviation_percent": deviation,
                            "total": _text(figure["total"]), "evaluated_price": _text(b["price"])}
    seed = doc.seed
    order, ties = ranking(figures, doc.method, None if seed is None else (lambda i: tie_draw(seed, doc.lot, i)))
    rank = {bid: n for n, bid in enumerate(order, 1)}
    empty = {"items": [], "technical": None, "commercial": None, "price_points": None, "deviation_percent": None,
             "total": None, "evaluated_price": None}
    return {
        "format": RESULT_FORMAT,
        "price": {"formula": price["formula"], "benchmark": _money(benchmark), "mean": _money(mean_price),
                  "used": [responsive[i]["id"] for i in used], "dropped": [responsive[i]["id"] for i in dropped]},
        "bids": [{"id": b["id"], "bidder": b["bidder"], "price": _maybe(b["price"]), "responsive": b["responsive"],
                  "reasons": list(b["reasons"]), **entries.get(b["id"], empty), "rank": rank.get(b["id"])}
                 for b in doc.bids],
        "ranking": order, "candidates": order[:CANDIDATES], "ties": ties,
    }


def outliers(document: dict) -> list[dict]:
    """The scores to flag (DOMAIN.md §7, is_outlier), of the scores the document has so far:
    [{"expert", "bid", "item", "points", "others_mean", "threshold"}] in the document's order of
    bids, then items, then experts; others_mean and threshold rounded to the table's decimals,
    for reading (the comparison is exact). The system never changes a score."""
    doc = read(document, complete=False)
    score = {(s["expert"], s["bid"], s["item"]): s["points"] for s in doc.scores}
    flagged = []
    for b in doc.bids:
        for item in doc.items:
            given = [(e["id"], score[(e["id"], b["id"], item["id"])]) for e in doc.experts
                     if (e["id"], b["id"], item["id"]) in score]
            with localcontext(CONTEXT):
                threshold = doc.outlier_percent / _HUNDRED * (item["high"] - item["low"])
            for expert, points in given:
                others = [p for e, p in given if e != expert]
                if is_outlier(points, others, item["low"], item["high"], doc.outlier_percent):
                    flagged.append({"expert": expert, "bid": b["id"], "item": item["id"], "points": _text(points),
                                    "others_mean": _text(round_half_up(mean(others), doc.decimals)),
                                    "threshold": _text(round_half_up(threshold, doc.decimals))})
    return flagged


def _text(value) -> str:
    return format(value, "f")


def _maybe(value):
    return None if value is None else _text(value)


def _money(value):
    return None if value is None else _text(round_half_up(value, MONEY_DECIMALS))


def _need(ok, why: str, *args) -> None:
    if not ok:
        raise DocumentError(why.format(*args) if args else why)


def _whole(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _number(text, what: str, key=None, *, places: int = 4, digits: int = 6) -> Decimal:
    """A decimal string as the format writes one: digits, optionally a point and more digits; no
    sign, exponent or leading zero; at most `digits` before the point and `places` after."""
    found = _NUMBER.fullmatch(text) if isinstance(text, str) else None
    if not (found and len(found.group(1)) <= digits and len(found.group(2) or "") <= places):
        raise DocumentError(f'{what}{"" if key is None else f" {key}"} must be a decimal string like "12.5" '
                            f"({digits} digits before the point at most, {places} after)")
    return Decimal(text)


def _rows(rows, names: tuple, what: str) -> list:
    keys = set(names)
    _need(isinstance(rows, list), f"{what} must be a list")
    for row in rows:
        _need(isinstance(row, dict) and row.keys() == keys, "each of {} has exactly the keys {}", what,
              ", ".join(names))
    return rows


def _ids(rows, what: str) -> dict:
    _need(all(_whole(r["id"]) for r in rows), f"each of {what} has an integer id")
    _need(len({r["id"] for r in rows}) == len(rows), f"two of {what} have the same id")
    return {r["id"]: r for r in rows}


def read(document, *, complete: bool = True) -> SimpleNamespace:
    """The document checked and read (docs/evaluation-format.md), numbers as Decimal; with
    `complete`, every expert must have scored every item of every responsive bid, once.
    Raises DocumentError saying what is wrong."""
    keys = ("format", "lot", "method", "price", "decimals", "drop_high_low", "outlier_percent", "items",
            "experts", "bids", "scores", "tie_break")
    _need(isinstance(document, dict) and set(document) == set(keys),
          f"the document has exactly the keys {', '.join(keys)}")
    _need(document["format"] == FORMAT, f'the format must be "{FORMAT}"')
    lot = document["lot"]
    _need(isinstance(lot, str) and lot and "\0" not in lot, "the lot must be a non-empty string")
    _need(document["method"] in METHODS, f"the method must be one of {', '.join(METHODS)}")
    p = document["price"]
    _need(isinstance(p, dict) and set(p) == {"formula", "weight", "average_drops_extremes", "k",
                                             "points_per_percent_above", "points_per_percent_below"},
          "price has exactly the keys formula, weight, average_drops_extremes, k, points_per_percent_above, "
          "points_per_percent_below")
    _need(p["formula"] in FORMULAS, f"price.formula must be one of {', '.join(FORMULAS)}")
    _need(isinstance(p["average_drops_extremes"], bool), "price.average_drops_extremes must be true or false")
    k = None if p["k"] is None else _number(p["k"], "price.k", places=6, digits=1)
    _need(k is None or k < 1, "price.k must be below 1")
    price = {"formula": p["formula"], "weight": _number(p["weight"], "price.weight"), "k": k,
             "average_drops_extremes": p["average_drops_extremes"],
             "above": _number(p["points_per_percent_above"], "price.points_per_percent_above"),
             "below": _number(p["points_per_percent_below"], "price.points_per_percent_below")}
    decimals = document["decimals"]
    _need(_whole(decimals) and 0 <= decimals <= 4, "decimals must be a whole number from 0 to 4")
    _need(isinstance(document["drop_high_low"], bool), "drop_high_low must be true or false")
    percent = _number(document["outlier_percent"], "outlier_percent", places=2, digits=3)
    _need(0 < percent <= 100, "outlier_percent must be above 0 and at most 100")
    items = [{**r, "low": _number(r["low"], f"item {r['id']}'s low"),
              "high": _number(r["high"], f"item {r['id']}'s high")}
             for r in _rows(document["items"], ("id", "name", "category", "low", "high"), "the items")]
    _ids(items, "the items")
    for r in items:
        _need(isinstance(r["name"], str) and r["category"] in CATEGORIES, f"item {r['id']}: a name and a category")
        _need(r["low"] < r["high"], f"item {r['id']}: low must be below high")
    experts = _rows(document["experts"], ("id", "name"), "the experts")
    _ids(experts, "the experts")
    _need(all(isinstance(r["name"], str) for r in experts), "each expert's name is a string")
    bids = []
    for r in _rows(document["bids"], ("id", "bidder", "price", "responsive", "reasons"), "the bids"):
        _need(isinstance(r["bidder"], str) and isinstance(r["responsive"], bool), f"bid {r['id']}: bidder, responsive")
        _need(isinstance(r["reasons"], list) and all(isinstance(x, str) for x in r["reasons"]),
              f"bid {r['id']}: reasons must be a list of strings")
        amount = None if r["price"] is None else _number(r["price"], f"bid {r['id']}'s price", places=2, digits=13)
        _need(amount is not None and amount > 0 or not r["responsive"],
              f"bid {r['id']} is responsive: its price must be above 0")
        bids.append({**r, "price": amount})
    by_id, item_by_id, expert_ids = _ids(bids, "the bids"), {r["id"]: r for r in items}, {r["id"] for r in experts}
    scores, seen = [], set()
    for s in _rows(document["scores"], ("expert", "bid", "item", "points"), "the scores"):
        key = (s["expert"], s["bid"], s["item"])
        # The messages are built only on failure: a lot of 200 bids, 9 experts and 30 items has 54000 scores.
        _need(_whole(s["expert"]) and _whole(s["bid"]) and _whole(s["item"]) and s["expert"] in expert_ids
              and s["item"] in item_by_id and s["bid"] in by_id, "score {}: an unknown expert, bid or item", key)
        _need(by_id[s["bid"]]["responsive"], "score {}: bid {} is not responsive and is not scored", key, s["bid"])
        _need(key not in seen, "score {} is given twice", key)
        seen.add(key)
        item = item_by_id[s["item"]]
        points = _number(s["points"], "score", key)
        _need(item["low"] <= points <= item["high"], "score {} is outside item {}'s range", key, item["id"])
        scores.append({**s, "points": points})
    if complete and len(seen) < len(experts) * len(items) * sum(b["responsive"] for b in bids):
        missing = next((e["id"], item["id"], b["id"]) for b in bids if b["responsive"] for item in items
                       for e in experts if (e["id"], b["id"], item["id"]) not in seen)
        _need(False, "expert {} has not scored item {} of bid {}", *missing)
    tie = document["tie_break"]
    _need(isinstance(tie, dict) and set(tie) == {"commitment", "seed"},
          "tie_break has exactly the keys commitment, seed")
    _need(isinstance(tie["commitment"], str) and _HEX64.fullmatch(tie["commitment"]),
          "tie_break.commitment must be 64 lowercase hex digits")
    seed = tie["seed"]
    _need(seed is None or isinstance(seed, str) and _HEX64.fullmatch(seed),
          "tie_break.seed: 64 lowercase hex digits or null")
    if seed is not None:
        seed = bytes.fromhex(seed)
        _need(tie_commitment(seed, lot) == tie["commitment"], "the tie-break seed does not match its commitment")
    return SimpleNamespace(lot=lot, method=document["method"], price=price, decimals=decimals,
                           drop_high_low=document["drop_high_low"], outlier_percent=percent, items=items,
                           experts=experts, bids=bids, scores=scores, seed=seed)
