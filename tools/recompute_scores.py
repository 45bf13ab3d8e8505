#!/usr/bin/env python3
"""Recompute a lot's evaluation (every point and the ranking) from the file Kaibiao publishes after the award.

    python3 recompute_scores.py scores.json [more.json ...]

Each file is {"document": ..., "result": ...} (docs/evaluation-format.md). For each, the script
recomputes the whole result from the document, prints every responsive bid's points and rank,
the bids not evaluated, the ties and the candidates, then "OK: matches the published result".
Plain Python 3, standard library only: this file re-implements the rule of
docs/evaluation-format.md on purpose, in exact fractions, so that anyone can check the points
without trusting Kaibiao's code. Exit status 1, with the first difference or the reason, if the
published result differs from the recomputed one in any figure, list or order, if the tie-break
seed does not match its commitment, or if the file is malformed."""

import hashlib
import json
import math
import re
import sys
from fractions import Fraction

NUMBER = re.compile(r"(0|[1-9][0-9]*)(?:\.([0-9]+))?")
HEX64 = re.compile(r"[0-9a-f]{64}")


class Refused(Exception):
    pass


def check(ok, why):
    if not ok:
        raise ValueError(why)


def whole(x):  # a JSON integer (true and false are not numbers here)
    return isinstance(x, int) and not isinstance(x, bool)


def number(text, what, places=4, digits=6):
    m = NUMBER.fullmatch(text) if isinstance(text, str) else None
    check(m and len(m.group(1)) <= digits and len(m.group(2) or "") <= places,
          f"{what}: not a decimal string as the format allows")
    return Fraction(text)


def text(x, places):
    """x rounded half up (a half away from zero) to `places` decimals, written out."""
    n = math.floor(abs(x) * 10**places + Fraction(1, 2))
    digits = str(n).rjust(places + 1, "0")
    body = digits[:-places] + "." + digits[-places:] if places else digits
    return ("-" if x < 0 and n else "") + body


def echo(x):  # an input number written back as given: its digits are already canonical
    return None if x is None else x[1]


def rows(value, keys, what):
    check(isinstance(value, list), f"{what}: a list")
    for r in value:
        check(isinstance(r, dict) and set(r) == set(keys), f"{what}: each has exactly the keys {', '.join(keys)}")
    ids = [r["id"] for r in value] if "id" in keys else []
    check(all(whole(i) for i in ids) and len(set(ids)) == len(ids), f"{what}: integer ids, each once")
    return value


def recompute(doc):
    """The result, recomputed from the document alone."""
    check(isinstance(doc, dict) and doc.get("format") == "kaibiao/evaluation v1", "document.format")
    lot, method, p, places = doc["lot"], doc["method"], doc["price"], doc["decimals"]
    check(isinstance(lot, str) and lot and "\0" not in lot, "document.lot")
    check(method in ("lowest_price", "comprehensive", "lowest_evaluated"), "document.method")
    check(p["formula"] in ("lowest_benchmark", "average_benchmark"), "price.formula")
    check(whole(places) and 0 <= places <= 4, "document.decimals")
    check(isinstance(doc["drop_high_low"], bool) and isinstance(p["average_drops_extremes"], bool), "true or false")
    weight = number(p["weight"], "price.weight")
    k = Fraction(0) if p["k"] is None else number(p["k"], "price.k", 6, 1)
    check(k < 1, "price.k below 1")
    above = number(p["points_per_percent_above"], "above")
    below = number(p["points_per_percent_below"], "below")
    items = rows(doc["items"], ("id", "name", "category", "low", "high"), "items")
    for it in items:
        check(it["category"] in ("technical", "commercial"), "an item's category")
        check(number(it["low"], "low") < number(it["high"], "high"), "an item's low is below its high")
    experts = rows(doc["experts"], ("id", "name"), "experts")
    bids = rows(doc["bids"], ("id", "bidder", "price", "responsive", "reasons"), "bids")
    for b in bids:
        check(isinstance(b["responsive"], bool), "a bid's responsive")
        b["_price"] = None if b["price"] is None else (number(b["price"], "a price", 2, 13), b["price"])
        check(not b["responsive"] or b["_price"] and b["_price"][0] > 0, "a responsive bid's price is above 0")
    scores = {}
    for s in rows(doc["scores"], ("expert", "bid", "item", "points"), "scores"):
        key = (s["expert"], s["bid"], s["item"])
        check(key not in scores, f"score {key} twice")
        scores[key] = (number(s["points"], f"score {key}"), s["points"])
    wanted = {(e["id"], b["id"], it["id"]) for e in experts for b in bids if b["responsive"] for it in items}
    check(set(scores) == wanted, "the scores are not exactly one per expert, responsive bid and item")
    for (e, b, i), (x, _) in scores.items():
        it = next(it for it in items if it["id"] == i)
        check(number(it["low"], "low") <= x <= number(it["high"], "high"), f"score {(e, b, i)} out of its range")
    seed = doc["tie_break"]["seed"]
    commitment = doc["tie_break"]["commitment"]
    check(isinstance(commitment, str) and HEX64.fullmatch(commitment), "tie_break.commitment")
    if seed is not None:
        check(isinstance(seed, str) and HEX64.fullmatch(seed), "tie_break.seed")
        seed = bytes.fromhex(seed)
        if hashlib.sha256(b"kaibiao/tie-break v1\0" + lot.encode() + b"\0" + seed).hexdigest() != commitment:
            raise Refused("the tie-break seed does not match its commitment")

    ok = [b for b in bids if b["responsive"]]
    prices = [b["_price"][0] for b in ok]
    used, dropped, mean, bench = list(range(len(ok))), [], None, None
    if ok and p["formula"] == "lowest_benchmark":
        bench = min(prices)
    elif ok:
        if p["average_drops_extremes"] and len(ok) >= 3:
            by_price = sorted(range(len(ok)), key=lambda i: (prices[i], i))
            dropped = [by_price[0], by_price[-1]]
            used = [i for i in used if i not in dropped]
        mean = sum(prices[i] for i in used) / len(used)
        bench = mean * (1 - k)

    out, figures = {}, []
    for b in ok:
        price = b["_price"][0]
        sums = {"technical": Fraction(0), "commercial": Fraction(0)}
        item_rows = []
        for it in items:
            given = [(e["id"], scores[(e["id"], b["id"], it["id"])]) for e in experts]
            off = []
            if doc["drop_high_low"] and len(given) >= 7:
                by_points = sorted(given, key=lambda g: (g[1][0], g[0]))
                off = [by_points[0][0], by_points[-1][0]]
            kept = [x for e, (x, _) in given if e not in off]
            sums[it["category"]] += sum(kept) / len(kept)
            item_rows.append({"item": it["id"], "scores": [{"expert": e, "points": s} for e, (_, s) in given],
                              "dropped": off, "points": text(sum(kept) / len(kept), places)})
        if p["formula"] == "lowest_benchmark":
            points, deviation = bench / price * weight, None
        else:
            per_percent = above if price > bench else below
            points = max(Fraction(0), weight - abs(price - bench) / bench * 100 * per_percent)
            deviation = text((price - bench) / bench * 100, places)
        total = points + sums["technical"] + sums["commercial"]
        out[b["id"]] = {"items": item_rows, "technical": text(sums["technical"], places),
                        "commercial": text(sums["commercial"], places), "price_points": text(points, places),
                        "deviation_percent": deviation, "total": text(total, places), "evaluated_price": b["price"]}
        figures.append((b["id"], price, Fraction(out[b["id"]]["total"]), Fraction(out[b["id"]]["technical"])))

    def first(f):  # the method's own rule; then lower price, higher technical points
        return (-f[2] if method == "comprehensive" else f[1], f[1], -f[3])

    same = {}
    for f in figures:
        same.setdefault(first(f), []).append(f[0])
    lots = {}
    for f in figures:
        if len(same[first(f)]) > 1:
            if seed is None:
                raise Refused(f"bid {f[0]} is tied on every rule but the tie-break seed is not published")
            lots[f[0]] = hashlib.sha256(b"kaibiao/tie-draw v1\0" + lot.encode() + b"\0" + seed + b"\0"
                                        + str(f[0]).encode()).hexdigest()
    figures.sort(key=lambda f: (*first(f), lots.get(f[0], "")))
    order = [f[0] for f in figures]
    ties, i = [], 0
    while i < len(figures):
        j = i
        while j + 1 < len(figures) and first(figures[j + 1])[0] == first(figures[i])[0]:
            j += 1
        if j > i:
            group = figures[i:j + 1]
            on = "total" if method == "comprehensive" else "evaluated_price"
            ties.append({"on": on, "value": out[group[0][0]][on], "bids": [g[0] for g in group],
                         "decided": ["price" if a[1] != c[1] else "technical" if a[3] != c[3] else "draw"
                                     for a, c in zip(group, group[1:])],
                         "draws": [{"bid": g[0], "digest": lots[g[0]]} for g in group if g[0] in lots]})
        i = j + 1
    none = dict.fromkeys(("technical", "commercial", "price_points", "deviation_percent", "total", "evaluated_price"))
    return {
        "format": "kaibiao/evaluation-result v1",
        "price": {"formula": p["formula"], "benchmark": None if bench is None else text(bench, 2),
                  "mean": None if mean is None else text(mean, 2),
                  "used": [ok[i]["id"] for i in used], "dropped": [ok[i]["id"] for i in dropped]},
        "bids": [{"id": b["id"], "bidder": b["bidder"], "price": echo(b["_price"]), "responsive": b["responsive"],
                  "reasons": b["reasons"], **out.get(b["id"], {"items": [], **none}),
                  "rank": order.index(b["id"]) + 1 if b["id"] in order else None} for b in bids],
        "ranking": order,
        "candidates": order[:3],
        "ties": ties,
    }


def difference(published, recomputed, where="result"):
    """Where the two first differ, or None: the same keys, lists, order, types and strings."""
    if isinstance(recomputed, dict):
        if not isinstance(published, dict) or set(published) != set(recomputed):
            return f"{where}: published keys {sorted(published) if isinstance(published, dict) else published!r}"
        for key in recomputed:
            found = difference(published[key], recomputed[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(recomputed, list):
        if not isinstance(published, list) or len(published) != len(recomputed):
            return f"{where}: published {json.dumps(published)}, recomputed {json.dumps(recomputed)}"
        for n, (a, b) in enumerate(zip(published, recomputed)):
            found = difference(a, b, f"{where}[{n}]")
            if found:
                return found
        return None
    if type(published) is not type(recomputed) or published != recomputed:
        shown = [json.dumps(x, ensure_ascii=False) for x in (published, recomputed)]
        return f"{where}: published {shown[0]}, recomputed {shown[1]}"
    return None


def report(doc, result):
    """The lines a reader checks: the benchmark, each bid's points and rank, the ties, the candidates."""
    p = result["price"]
    lines = [f"lot {doc['lot']}, method {doc['method']}, price formula {p['formula']}, weight {doc['price']['weight']}"]
    if p["mean"] is not None:
        k = doc["price"]["k"] or "0"
        lines.append(f"benchmark {p['benchmark']} = mean {p['mean']} of bids {', '.join(map(str, p['used']))} "
                     f"x (1 - {k})" + (f", without bids {', '.join(map(str, p['dropped']))}" if p["dropped"] else ""))
    elif p["benchmark"] is not None:
        lines.append(f"benchmark {p['benchmark']} = the lowest responsive price")
    ranked = sorted((b for b in result["bids"] if b["rank"]), key=lambda b: b["rank"])
    for b in ranked:
        lines.append(f"rank {b['rank']}: bid {b['id']} {b['bidder']}, price {b['price']}: "
                     f"price points {b['price_points']}"
                     f" + technical {b['technical']} + commercial {b['commercial']} = total {b['total']}")
        for it in b["items"]:
            dropped = f" (without experts {', '.join(map(str, it['dropped']))})" if it["dropped"] else ""
            given = " ".join(s["points"] for s in it["scores"])
            lines.append(f"  item {it['item']}: {given} -> {it['points']}{dropped}")
    for b in result["bids"]:
        if not b["responsive"]:
            lines.append(f"not evaluated: bid {b['id']} {b['bidder']}: {'; '.join(b['reasons']) or 'not responsive'}")
    for t in result["ties"]:
        lines.append(f"tie on {t['on']} {t['value']}: {', '.join(map(str, t['bids']))} by {', '.join(t['decided'])}")
    lines.append(f"candidates: {', '.join(map(str, result['candidates'])) or 'none'}")
    return lines


def main(paths):
    sys.stdout.reconfigure(errors="backslashreplace")  # a console that cannot show a bidder's name
    for path in paths:
        name = f"{path}: " if len(paths) > 1 else ""
        try:
            with open(path, encoding="utf-8") as f:
                published = json.load(f)
            check(isinstance(published, dict) and set(published) == {"document", "result"},
                  "the file is {\"document\": ..., \"result\": ...}")
            recomputed = recompute(published["document"])
        except Refused as e:
            sys.exit(f"refused: {name}{e}")
        except (OSError, LookupError, TypeError, AttributeError, ValueError, ZeroDivisionError) as e:
            sys.exit(f"malformed input: {name}{e}")
        found = difference(published["result"], recomputed)
        if found:
            sys.exit(f"refused: {name}the published result differs: {found}")
        print("\n".join(report(published["document"], recomputed)))
        print("OK: matches the published result")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python3 recompute_scores.py scores.json [more.json ...]")
    main(sys.argv[1:])
