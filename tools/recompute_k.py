#!/usr/bin/env python3
"""Recompute Kaibiao's random coefficient K from the inputs published after the draw.

    python3 recompute_k.py inputs.json [more.json ...]    prints K, one line per file

Plain Python 3, standard library only: this file re-implements the rule of
docs/random-coefficient.md on purpose, so that anyone can check K without trusting Kaibiao's
code. Exit status 1, with the reason, if a seed does not match its commitment, the published K
differs from the recomputed one, or the inputs are malformed."""

import hashlib
import json
import re
import sys


class Refused(Exception):
    pass


def check(ok, why):
    if not ok:
        raise ValueError(why)


def fields(*parts):  # each part: its length as 4 bytes big-endian, then its bytes (text as UTF-8)
    return b"".join(len(p).to_bytes(4, "big") + p for p in (x.encode() if isinstance(x, str) else x for x in parts))


def recompute(p):
    lot, seed_hex, texts = p["lot"], p["seed"], [p["range"][name] for name in ("low", "high", "step")]
    check(isinstance(lot, str) and lot != "", "the lot must be a non-empty string")
    check(isinstance(seed_hex, str) and re.fullmatch("[0-9a-fA-F]{64}", seed_hex), "the seed must be 64 hex digits")
    check(all(isinstance(t, str) and re.fullmatch(r"[0-9]+(\.[0-9]+)?", t) for t in texts), "low, high, step: decimals")
    d = len(texts[2].partition(".")[2])  # every value of the range, K too, has the step's number of decimals
    check(all(len(t.partition(".")[2]) <= d for t in texts), "low or high has more decimals than the step")
    low, high, step = (int(t.partition(".")[0] + t.partition(".")[2].ljust(d, "0")) for t in texts)  # in 10**-d
    check(0 < step and low <= high < 10**d and (high - low) % step == 0, "not a range: need 0 <= low <= high < 1, "
          "step > 0, high - low a whole number of steps")

    def text(units):  # canonical decimal text: "0.0200" for 200 units when d = 4
        return f"{units // 10**d}.{units % 10**d:0{d}d}" if d else str(units)

    head = [lot, text(low), text(high), text(step), bytes.fromhex(seed_hex)]
    if hashlib.sha256(fields("kaibiao/k-commit/v1", *head)).hexdigest() != p["commitment"].lower():
        raise Refused("the seed does not match the commitment published before the opening")
    pairs = sorted((c["contributor"], c["nonce"].lower()) for c in p["contributions"])
    check(all(isinstance(w, str) and w and re.fullmatch("[0-9a-f]{64}", n) for w, n in pairs), "bad contribution")
    check(len({w for w, _ in pairs}) == len(pairs), "a contributor appears twice")
    contributions = [x for who, nonce in pairs for x in (who, bytes.fromhex(nonce))]
    digest = hashlib.sha256(fields("kaibiao/k-draw/v1", *head, *contributions)).digest()
    count = (high - low) // step + 1
    limit = 2**256 - 2**256 % count  # the largest multiple of count up to 2**256: below it, x % count is uniform
    for i in range(2**32):  # counter blocks until one falls below the limit (the first, but for odds of count/2**256)
        x = int.from_bytes(hashlib.sha256(digest + i.to_bytes(4, "big")).digest(), "big")
        if x < limit:
            return text(low + (x % count) * step)


if __name__ == "__main__":
    for path in sys.argv[1:] or sys.exit("usage: python3 recompute_k.py inputs.json [more.json ...]"):
        try:
            with open(path, encoding="utf-8") as f:
                inputs = json.load(f)
            k = recompute(inputs)
        except Refused as e:
            sys.exit(f"{path}: {e}")
        except (OSError, LookupError, TypeError, AttributeError, ValueError) as e:
            sys.exit(f"{path}: malformed inputs: {e}")
        if "k" in inputs and inputs["k"] != k:
            sys.exit(f"{path}: the published K {inputs['k']} differs from the recomputed K {k}")
        print(k)
