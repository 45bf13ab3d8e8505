#!/usr/bin/env python3
"""Recompute a lot's expert committee from the files Kaibiao publishes after the result.

    python3 recompute_draw.py draw.json snapshot.json

prints the committee, one member a line ("p=<pick number> <expert id> <specialty>"), then
"OK: matches the published committee". Plain Python 3, standard library only: this file
re-implements the rule of docs/expert-draw.md on purpose, so that anyone can check the draw
without trusting Kaibiao's code. Exit status 1, with the reason, if the snapshot file's digest
differs from the published one, the seed does not match the commitment, the published picks or
committee differ from the recomputed ones, or the files are malformed."""

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


def whole(x):  # a JSON integer (true and false are not numbers here)
    return isinstance(x, int) and not isinstance(x, bool)


def read_snapshot(raw, lot, published_digest):
    """The experts of the snapshot file, after checking it is the one the commitment names."""
    if hashlib.sha256(raw).hexdigest() != published_digest.lower():
        raise Refused("the snapshot file's SHA-256 differs from the published snapshot_digest")
    snapshot = json.loads(raw.decode("utf-8"))
    check(isinstance(snapshot, dict) and set(snapshot) == {"lot", "experts"}, "the snapshot has keys lot and experts")
    check(snapshot["lot"] == lot, "the snapshot is of another lot")
    experts = snapshot["experts"]
    check(isinstance(experts, list), "the snapshot's experts must be a list")
    for e in experts:
        check(isinstance(e, dict) and set(e) == {"id", "local", "specialties"}, "an expert is {id, local, specialties}")
        check(whole(e["id"]) and isinstance(e["local"], bool), "an expert's id is an integer, local true or false")
        codes = e["specialties"]
        check(isinstance(codes, list) and all(isinstance(c, str) and c for c in codes), "specialties: a list of codes")
        check(codes == sorted(set(codes)), "an expert's specialties must be sorted, each once")
    ids = [e["id"] for e in experts]
    check(ids == sorted(set(ids)), "the experts must be in order of id, each once")
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    check(canonical == raw, "the snapshot file is not written canonically (see docs/expert-draw.md)")
    return experts


def recompute(d, raw_snapshot):
    """Every pick of the draw, as (p, group, expert id), and the final committee."""
    lot, seed_hex, digest_hex, groups = d["lot"], d["seed"], d["snapshot_digest"], d["groups"]
    check(isinstance(lot, str) and lot != "", "the lot must be a non-empty string")
    check(isinstance(seed_hex, str) and re.fullmatch("[0-9a-fA-F]{64}", seed_hex), "the seed must be 64 hex digits")
    check(isinstance(digest_hex, str) and re.fullmatch("[0-9a-fA-F]{64}", digest_hex), "snapshot_digest: 64 hex")
    check(isinstance(d["commitment"], str), "the commitment must be a string")
    check(isinstance(groups, list) and groups, "groups: a non-empty list")
    for g in groups:
        check(isinstance(g, dict) and isinstance(g["specialty"], str) and g["specialty"] != "", "a group's specialty")
        check(g["scope"] in ("local", "remote", "any"), "a group's scope is local, remote or any")
        check(whole(g["count"]) and g["count"] >= 1, "a group's count is a whole number of at least 1")
    experts = read_snapshot(raw_snapshot, lot, digest_hex)
    digest_hex, seed = digest_hex.lower(), bytes.fromhex(seed_hex)
    if hashlib.sha256(fields("kaibiao/expert-commit/v1", lot, digest_hex, seed)).hexdigest() != d["commitment"].lower():
        raise Refused("the seed does not match the commitment published before the draw")

    def candidates(g):  # ids ascending, as the snapshot lists them
        return [e["id"] for e in experts if g["specialty"] in e["specialties"]
                and (g["scope"] == "any" or e["local"] == (g["scope"] == "local"))]

    short = [f"group {i} ({g['specialty']}, {g['scope']}) lacks {g['count'] - len(candidates(g))}"
             for i, g in enumerate(groups) if len(candidates(g)) < g["count"]]
    if short:
        raise Refused("the pool is short: " + "; ".join(short))
    taken, picks, members = set(), [], {}  # members: expert id -> group, for the committee now

    def pick(i):
        left = [x for x in candidates(groups[i]) if x not in taken]
        if not left:
            raise Refused(f"the pool is short: no candidate left for group {i} at pick p={len(picks)}")
        digest = hashlib.sha256(fields("kaibiao/expert-draw/v1", lot, digest_hex, seed, str(len(picks)))).digest()
        limit = 2**256 - 2**256 % len(left)  # below it, x % len(left) is uniform
        for n in range(2**32):  # counter blocks until one falls below the limit (in practice the first)
            x = int.from_bytes(hashlib.sha256(digest + n.to_bytes(4, "big")).digest(), "big")
            if x < limit:
                break
        expert = left[x % len(left)]
        taken.add(expert)
        members[expert] = i
        picks.append((len(picks), i, expert))

    for i, g in enumerate(groups):
        for _ in range(g["count"]):
            pick(i)
    for r in d["replacements"]:
        check(isinstance(r, dict) and whole(r["group"]) and whole(r["replaces"]), "a replacement: {group, replaces}")
        check(members.get(r["replaces"]) == r["group"], f"replacement of {r['replaces']}: not a member of that group")
        del members[r["replaces"]]
        pick(r["group"])
    return picks, [expert for _, _, expert in picks if expert in members]


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python3 recompute_draw.py draw.json snapshot.json")
    try:
        with open(sys.argv[1], encoding="utf-8") as f:
            published = json.load(f)
        with open(sys.argv[2], "rb") as f:
            raw = f.read()
        picks, committee = recompute(published, raw)
        listed = [(x["p"], x["group"], x["expert"]) for x in published["picks"]]
        check(all(whole(n) for row in listed for n in row), "picks: p, group and expert are integers")
        check(isinstance(published["committee"], list) and all(map(whole, published["committee"])),
              "committee: a list of expert ids")
        same_committee = published["committee"] == committee
    except Refused as e:
        sys.exit(f"refused: {e}")
    except (OSError, LookupError, TypeError, AttributeError, ValueError) as e:
        sys.exit(f"malformed input: {e}")
    if listed != picks:
        sys.exit("refused: the published picks differ from the recomputed picks")
    if not same_committee:
        sys.exit(f"refused: the published committee {published['committee']} differs from the recomputed {committee}")
    for p, group, expert in picks:
        if expert in committee:
            print(f"p={p} {expert} {published['groups'][group]['specialty']}")
    print("OK: matches the published committee")
