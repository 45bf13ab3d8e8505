"""The expert draw (docs/expert-draw.md): the snapshot, the commitment, the picks, the
replacements, a short pool, and that the choice is uniform. No database: evaluation.drawing is
pure."""

import ast
import hashlib
import json
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation import drawing
from evaluation.drawing import DrawError, ShortPool

ROOT = Path(__file__).resolve().parents[2]
LOT = "GC2026-001-01"


def seed_of(i, label=b"seed") -> bytes:
    """Deterministic 32-byte seeds: SHA-256 of a fixed label and the number i."""
    return hashlib.sha256(label + i.to_bytes(8, "big")).digest()


def expert(eid, codes, local):
    return {"id": eid, "specialties": list(codes), "local": local}


# A hand-made pool of twelve: specialties A0101 (房屋建筑), B0201, C0301; some local to the lot.
POOL = [
    expert(7, ["B0201"], True), expert(12, ["A0101", "B0201"], False), expert(19, ["A0101"], True),
    expert(23, ["C0301"], False), expert(31, ["A0101"], False), expert(38, ["B0201", "C0301"], False),
    expert(44, ["A0101"], True), expert(52, ["B0201"], False), expert(60, ["A0101", "C0301"], True),
    expert(71, ["B0201"], True), expert(85, ["A0101"], False), expert(90, ["C0301"], True),
]
GROUPS = [{"specialty": "A0101", "scope": "local", "count": 2},
          {"specialty": "B0201", "scope": "remote", "count": 2},
          {"specialty": "C0301", "scope": "any", "count": 1}]


def big_pool(n=50):
    r = random.Random(n)
    return [expert(1000 + 7 * i, sorted(r.sample(["A0101", "A0102", "B0201"], r.randint(1, 2))), r.random() < 0.4)
            for i in range(n)]


# --- fixed vectors ----------------------------------------------------------------------------


def test_a_fixed_pool_and_seed_give_the_recorded_committee():
    result = drawing.draw(LOT, seed_of(1), POOL, GROUPS)
    assert result.committee == (60, 44, 12, 38, 90)
    assert [(p.p, p.group, p.expert) for p in result.picks] == [(0, 0, 60), (1, 0, 44), (2, 1, 12), (3, 1, 38),
                                                                 (4, 2, 90)]
    # What a person checks by hand: 60 and 44 are local A0101 experts, 12 and 38 remote B0201,
    # 90 has C0301; 38 and 60 also have C0301 but were already on the committee.
    by_id = {e["id"]: e for e in POOL}
    assert all("A0101" in by_id[x]["specialties"] and by_id[x]["local"] for x in (60, 44))
    assert all("B0201" in by_id[x]["specialties"] and not by_id[x]["local"] for x in (12, 38))
    assert drawing.snapshot_digest(LOT, POOL) == "31a94157d47c52a63debcce80cae1d4faeff7b1078878488cc6b6c7604a2ab03"
    assert result.snapshot_digest == drawing.snapshot_digest(LOT, POOL)


def test_replacements_continue_the_numbering_and_keep_the_groups():
    result = drawing.replay(LOT, seed_of(1), POOL, GROUPS, [{"group": 0, "replaces": 60}, {"group": 1, "replaces": 12}])
    assert [(p.p, p.group, p.expert, p.replaces) for p in result.picks[5:]] == [(5, 0, 19, 60), (6, 1, 52, 12)]
    assert result.committee == (44, 38, 90, 19, 52)
    assert Counter(result.group_of(x) for x in result.committee) == {0: 2, 1: 2, 2: 1}
    # The same, one replacement at a time, as the platform does it when answers come in.
    first = drawing.draw(LOT, seed_of(1), POOL, GROUPS)
    pick = drawing.replace(LOT, seed_of(1), POOL, GROUPS, first, 0, 60)
    assert (pick.p, pick.group, pick.expert, pick.replaces) == (5, 0, 19, 60)
    second = drawing.replay(LOT, seed_of(1), POOL, GROUPS, [(0, 60)])
    assert drawing.replace(LOT, seed_of(1), POOL, GROUPS, second, 1, 12) == result.picks[6]


def test_a_replacement_may_itself_be_replaced():
    pool, groups = big_pool(50), [{"specialty": "A0101", "scope": "any", "count": 5}]
    result = drawing.draw(LOT, seed_of(4), pool, groups)
    leaving = result.committee[2]
    for _ in range(6):
        result = drawing.replay(LOT, seed_of(4), pool, groups, [*result.replacements, (0, leaving)])
        assert result.picks[-1].replaces == leaving and leaving not in result.committee
        leaving = result.picks[-1].expert  # the newcomer declines too
    experts = [p.expert for p in result.picks]
    assert len(experts) == len(set(experts)) == 11 and len(result.committee) == 5


def test_the_same_seed_and_snapshot_always_give_the_same_committee():
    expected = drawing.draw(LOT, seed_of(1), POOL, GROUPS)
    shuffler = random.Random(2)
    for _ in range(20):
        pool = [expert(e["id"], shuffler.sample(e["specialties"], len(e["specialties"])), e["local"]) for e in POOL]
        shuffler.shuffle(pool)
        assert drawing.snapshot_bytes(LOT, pool) == drawing.snapshot_bytes(LOT, POOL)
        assert drawing.draw(LOT, seed_of(1), pool, GROUPS) == expected
        assert drawing.draw(LOT, bytearray(seed_of(1)), iter(pool), iter(GROUPS)) == expected


def test_a_different_seed_gives_a_different_committee():
    pool = big_pool(50)
    groups = [{"specialty": "A0101", "scope": "any", "count": 3}, {"specialty": "B0201", "scope": "any", "count": 2}]
    base = set(drawing.draw(LOT, seed_of(0), pool, groups).committee)
    others = [set(drawing.draw(LOT, seed_of(i), pool, groups).committee) for i in range(1, 101)]
    assert all(other != base for other in others)
    assert len({frozenset(o) for o in others}) == 100


def test_the_lot_and_the_pool_enter_the_draw():
    pool = big_pool(50)
    groups = [{"specialty": "A0101", "scope": "any", "count": 5}]
    base = drawing.draw(LOT, seed_of(3), pool, groups).committee
    assert drawing.draw(LOT + "x", seed_of(3), pool, groups).committee != base
    changed = [dict(e) for e in pool]  # one expert's specialty changed, far from the picks
    outsider = next(e for e in changed if e["id"] not in base and "B0201" in e["specialties"])
    outsider["specialties"] = sorted(set(outsider["specialties"]) | {"C0301"})
    assert drawing.snapshot_digest(LOT, changed) != drawing.snapshot_digest(LOT, pool)
    assert drawing.draw(LOT, seed_of(3), changed, groups).committee != base


# --- the snapshot -----------------------------------------------------------------------------


def test_the_snapshot_bytes_are_canonical_json():
    raw = drawing.snapshot_bytes("标段-1", [expert(5, ["B2", "A1"], True), expert(2, [], False)])
    assert raw == ('{"experts":[{"id":2,"local":false,"specialties":[]},{"id":5,"local":true,'
                   '"specialties":["A1","B2"]}],"lot":"标段-1"}').encode("utf-8")
    assert drawing.snapshot_digest("标段-1", json.loads(raw)["experts"]) == hashlib.sha256(raw).hexdigest()
    # Only the three fields enter the snapshot: nothing else about an expert is published.
    with_name = [{**expert(5, ["A1", "B2"], True), "name": "张三"}, expert(2, [], False)]
    assert drawing.snapshot_bytes("标段-1", with_name) == raw


@pytest.mark.parametrize(("experts", "code", "why"), [
    ([expert(1, ["A"], True), expert(1, ["B"], False)], "duplicate_expert", "more than once"),
    ([expert("1", ["A"], True)], "bad_expert", "integer"),
    ([expert(True, ["A"], True)], "bad_expert", "integer"),
    ([expert(1.0, ["A"], True)], "bad_expert", "integer"),
    ([expert(1, ["A", "A"], True)], "bad_expert", "twice"),
    ([expert(1, [""], True)], "bad_expert", "list of codes"),
    ([expert(1, [3], True)], "bad_expert", "list of codes"),
    ([{"id": 1, "specialties": "A0101", "local": True}], "bad_expert", "list of codes"),
    ([expert(1, ["A"], 1)], "bad_expert", "true or false"),
    ([expert(1, ["A"], None)], "bad_expert", "true or false"),
    ([{"id": 1, "specialties": ["A"]}], "bad_expert", "'local'"),
    ([(1, ["A"], True)], "bad_expert", "not"),
])
def test_a_bad_snapshot_is_refused(experts, code, why):
    with pytest.raises(DrawError, match=why) as refused:
        drawing.snapshot_bytes(LOT, experts)
    assert refused.value.code == code
    with pytest.raises(DrawError):
        drawing.draw(LOT, seed_of(1), experts, [{"specialty": "A", "scope": "any", "count": 1}])


# --- the commitment ---------------------------------------------------------------------------


def test_seeds_are_32_fresh_bytes():
    seeds = {drawing.new_seed() for _ in range(50)}
    assert len(seeds) == 50 and all(len(s) == 32 for s in seeds)


def test_the_commitment_binds_seed_lot_and_snapshot():
    digest = drawing.snapshot_digest(LOT, POOL)
    c = drawing.commitment(LOT, digest, seed_of(1))
    assert re.fullmatch("[0-9a-f]{64}", c)
    expected = b"".join(len(x).to_bytes(4, "big") + x for x in
                        (b"kaibiao/expert-commit/v1", LOT.encode(), digest.encode(), seed_of(1)))
    assert c == hashlib.sha256(expected).hexdigest()
    assert drawing.verify_seed(c, LOT, digest, seed_of(1))
    assert drawing.verify_seed(c.upper(), LOT, digest.upper(), seed_of(1))
    other_digest = drawing.snapshot_digest(LOT, POOL[1:])
    for lot, dig, seed in ((LOT + "x", digest, seed_of(1)), (LOT, other_digest, seed_of(1)), (LOT, digest, seed_of(2))):
        assert drawing.commitment(lot, dig, seed) != c
        assert not drawing.verify_seed(c, lot, dig, seed)
    assert not drawing.verify_seed("", LOT, digest, seed_of(1))
    assert not drawing.verify_seed(None, LOT, digest, seed_of(1))
    assert not drawing.verify_seed(c, LOT, digest, seed_of(1)[:31])
    assert not drawing.verify_seed(c, LOT, "xyz", seed_of(1))
    # Length prefixes keep the fields apart.
    assert drawing.commitment("A1", digest, seed_of(1)) != drawing.commitment("A", digest, seed_of(1))


@pytest.mark.parametrize("seed", [b"", b"x" * 31, b"x" * 33, "00" * 32, None])
def test_a_seed_is_exactly_32_bytes(seed):
    with pytest.raises(DrawError, match="32 bytes") as refused:
        drawing.draw(LOT, seed, POOL, GROUPS)
    assert refused.value.code == "bad_seed"
    with pytest.raises(DrawError, match="32 bytes"):
        drawing.commitment(LOT, drawing.snapshot_digest(LOT, POOL), seed)


@pytest.mark.parametrize("lot", ["", None, 7])
def test_a_lot_is_a_non_empty_label(lot):
    with pytest.raises(DrawError, match="lot") as refused:
        drawing.draw(lot, seed_of(1), POOL, GROUPS)
    assert refused.value.code == "bad_lot"


# --- the request, a short pool ------------------------------------------------------------------


@pytest.mark.parametrize(("groups", "code"), [
    ([], "no_groups"),
    ([{"specialty": "", "scope": "any", "count": 1}], "bad_group"),
    ([{"specialty": "A0101", "scope": "nearby", "count": 1}], "bad_group"),
    ([{"specialty": "A0101", "scope": "any", "count": 0}], "bad_group"),
    ([{"specialty": "A0101", "scope": "any", "count": True}], "bad_group"),
    ([{"specialty": "A0101", "scope": "any", "count": "2"}], "bad_group"),
    ([{"specialty": "A0101", "scope": "any"}], "bad_group"),
])
def test_a_bad_request_is_refused(groups, code):
    with pytest.raises(DrawError) as refused:
        drawing.draw(LOT, seed_of(1), POOL, groups)
    assert refused.value.code == code and not isinstance(refused.value, ShortPool)


def test_every_short_group_is_named_before_anything_is_drawn():
    groups = [{"specialty": "A0101", "scope": "local", "count": 5},  # 19, 44, 60: short by 2
              {"specialty": "B0201", "scope": "any", "count": 2},
              {"specialty": "D0401", "scope": "remote", "count": 1},  # nobody: short by 1
              {"specialty": "C0301", "scope": "remote", "count": 3}]  # 23, 38: short by 1
    with pytest.raises(ShortPool) as refused:
        drawing.draw(LOT, seed_of(1), POOL, groups)
    assert refused.value.code == "short_pool"
    assert refused.value.short == [(0, "A0101", "local", 2), (2, "D0401", "remote", 1), (3, "C0301", "remote", 1)]
    assert drawing.shortages(POOL, groups) == refused.value.short
    assert "group 0 (A0101, local) lacks 2" in str(refused.value)


def test_groups_sharing_candidates_can_run_short_during_the_draw():
    """Expert 2 has both specialties: when group 0 takes them, group 1 has nobody left, though
    each group on its own could be filled."""
    pool = [expert(1, ["A"], True), expert(2, ["A", "B"], True)]
    groups = [{"specialty": "A", "scope": "any", "count": 1}, {"specialty": "B", "scope": "any", "count": 1}]
    assert drawing.shortages(pool, groups) == []
    outcomes = Counter()
    for i in range(40):
        try:
            result = drawing.draw(LOT, seed_of(i), pool, groups)
            assert result.committee == (1, 2)
            outcomes["filled"] += 1
        except ShortPool as short:
            assert short.short == [(1, "B", "any", 1)]
            outcomes["short"] += 1
    assert outcomes["filled"] > 5 and outcomes["short"] > 5


def test_a_replacement_must_replace_a_member_of_its_group():
    cases = [((0, 12), "wrong_group"), ((0, 7), "not_a_member"), ((3, 60), "no_such_group"),
             ({"group": 0}, "bad_replacement"), ((0, "60"), "bad_replacement"), (("x",), "bad_replacement")]
    for replacement, code in cases:
        with pytest.raises(DrawError) as refused:
            drawing.replay(LOT, seed_of(1), POOL, GROUPS, [replacement])
        assert refused.value.code == code, replacement
    with pytest.raises(DrawError) as refused:  # replaced already: no longer on the committee
        drawing.replay(LOT, seed_of(1), POOL, GROUPS, [(0, 60), (0, 60)])
    assert refused.value.code == "not_a_member"
    other = drawing.draw(LOT, seed_of(2), POOL, GROUPS)
    with pytest.raises(DrawError) as refused:
        drawing.replace(LOT, seed_of(1), POOL, GROUPS, other, 0, other.committee[0])
    assert refused.value.code in {"not_this_draw", "not_a_member"}


def test_replacements_run_short_when_the_group_has_nobody_left():
    # C0301 from anywhere: 23, 38, 60, 90; 38 and 60 are on the committee for other groups.
    result = drawing.draw(LOT, seed_of(1), POOL, GROUPS)
    assert result.committee[4] == 90
    once = drawing.replay(LOT, seed_of(1), POOL, GROUPS, [(2, 90)])
    assert once.committee[-1] == 23
    with pytest.raises(ShortPool) as refused:
        drawing.replay(LOT, seed_of(1), POOL, GROUPS, [(2, 90), (2, 23)])
    assert refused.value.short == [(2, "C0301", "any", 1)]


# --- properties over random pools and requests ---------------------------------------------------


CODES = ["A01", "A02", "B01", "C01"]
experts_st = st.lists(st.tuples(st.integers(1, 10**6), st.lists(st.sampled_from(CODES), unique=True, max_size=3),
                                st.booleans()), max_size=30, unique_by=lambda t: t[0])
groups_st = st.lists(st.fixed_dictionaries({"specialty": st.sampled_from(CODES + ["Z99"]),
                                            "scope": st.sampled_from(["local", "remote", "any"]),
                                            "count": st.integers(1, 5)}), min_size=1, max_size=4)


def candidates_of(pool, group):
    """The test's own reading of the rule: who may be drawn for a group."""
    return {e["id"] for e in pool if group["specialty"] in e["specialties"]
            and (group["scope"] == "any" or e["local"] == (group["scope"] == "local"))}


@settings(max_examples=300, deadline=None)
@given(rows=experts_st, groups=groups_st, seed=st.binary(min_size=32, max_size=32),
       answers=st.lists(st.integers(0, 100), max_size=6))
def test_picks_respect_the_pool_the_groups_and_each_other(rows, groups, seed, answers):
    pool = [expert(eid, codes, local) for eid, codes, local in rows]
    cands = [candidates_of(pool, g) for g in groups]
    short = [(g, group["specialty"], group["scope"], group["count"] - len(cands[g]))
             for g, group in enumerate(groups) if len(cands[g]) < group["count"]]
    try:
        result = drawing.draw(LOT, seed, pool, groups)
    except ShortPool as refused:
        if short:  # refused before any pick, naming every short group
            assert refused.short == short
        else:  # ran out during the draw: only when groups share candidates
            (g, _, _, missing), = refused.short
            assert missing >= 1 and any(cands[g] & cands[h] for h in range(g))
        return
    assert not short
    ids = {e["id"] for e in pool}
    experts = [p.expert for p in result.picks]
    assert len(experts) == len(set(experts)) == sum(g["count"] for g in groups)
    assert all(p.expert in ids and p.expert in cands[p.group] for p in result.picks)
    assert [p.p for p in result.picks] == list(range(len(result.picks)))
    assert Counter(p.group for p in result.picks) == {g: group["count"] for g, group in enumerate(groups)}
    assert result.committee == tuple(experts)

    # Each answer declines one member at random; a replacement never picks an earlier pick.
    for answer in answers:
        leaving = result.committee[answer % len(result.committee)]
        group = result.group_of(leaving)
        earlier = {p.expert for p in result.picks}
        try:
            pick = drawing.replace(LOT, seed, pool, groups, result, group, leaving)
        except ShortPool as refused:
            assert cands[group] <= earlier and refused.short == [(group, groups[group]["specialty"],
                                                                  groups[group]["scope"], 1)]
            return
        assert pick.expert not in earlier and pick.expert in cands[group]
        assert (pick.p, pick.group, pick.replaces) == (len(result.picks), group, leaving)
        result = drawing.replay(LOT, seed, pool, groups, [*result.replacements, (group, leaving)])
        assert result.picks[-1] == pick
        assert len(result.committee) == len(set(result.committee)) == sum(g["count"] for g in groups)
        assert Counter(result.group_of(x) for x in result.committee) == {g: gr["count"] for g, gr in enumerate(groups)}


@settings(max_examples=100, deadline=None)
@given(rows=experts_st, groups=groups_st, seed=st.binary(min_size=32, max_size=32), order=st.randoms())
def test_the_order_of_the_pool_does_not_matter(rows, groups, seed, order):
    pool = [expert(eid, codes, local) for eid, codes, local in rows]
    shuffled = [expert(e["id"], order.sample(e["specialties"], len(e["specialties"])), e["local"]) for e in pool]
    order.shuffle(shuffled)
    try:
        expected = drawing.draw(LOT, seed, pool, groups)
    except ShortPool as refused:
        with pytest.raises(ShortPool) as again:
            drawing.draw(LOT, seed, shuffled, groups)
        assert again.value.short == refused.short
        return
    assert drawing.draw(LOT, seed, shuffled, groups) == expected


# --- uniformity -------------------------------------------------------------------------------

# The 0.999 quantile of the chi-square distribution with 19 degrees of freedom: a fair draw
# exceeds it once in a thousand runs. The seeds are fixed (SHA-256 of a label and i), so the
# statistic below is the same on every run; a biased rule would push it far above.
CHI2_19_AT_0_999 = 43.82
UNIFORM_SEED = b"kaibiao expert-draw chi-square v1"


def chi_square(counts, expected):
    return sum((c - expected) ** 2 / expected for c in counts)


def test_the_first_pick_is_uniform_over_the_candidates():
    pool = [expert(100 + 3 * i, ["A0101"], i % 2 == 0) for i in range(20)]
    groups = [{"specialty": "A0101", "scope": "any", "count": 1}]
    draws = 4000
    counts = Counter(drawing.draw(LOT, seed_of(i, UNIFORM_SEED), pool, groups).committee[0] for i in range(draws))
    assert set(counts) == {e["id"] for e in pool}
    assert chi_square([counts[e["id"]] for e in pool], draws / 20) < CHI2_19_AT_0_999, counts


def test_each_expert_is_equally_likely_to_sit_on_the_committee():
    """A committee of 5 from 20 candidates, 4000 seeds: each expert's inclusion count. The five
    are drawn without replacement, so the counts are less spread than independent ones: the
    Pearson statistic is (n - k) / (n - 1) = 15/19 times a chi-square with 19 degrees of freedom,
    and is scaled back before the comparison."""
    n, k, draws = 20, 5, 4000
    pool = [expert(200 + i, ["B0201", "A0101"] if i % 3 else ["B0201"], i % 4 == 0) for i in range(n)]
    groups = [{"specialty": "B0201", "scope": "any", "count": k}]
    counts, positions = Counter(), Counter()
    for i in range(draws):
        committee = drawing.draw(LOT, seed_of(i, UNIFORM_SEED + b" committee"), pool, groups).committee
        counts.update(committee)
        positions[committee[-1]] += 1  # the last pick: uniform over the whole pool too
    statistic = chi_square([counts[e["id"]] for e in pool], draws * k / n) * (n - 1) / (n - k)
    assert statistic < CHI2_19_AT_0_999, counts
    assert chi_square([positions[e["id"]] for e in pool], draws / n) < CHI2_19_AT_0_999, positions


def test_rejection_sampling_takes_the_first_block_below_the_limit():
    n = 2**255 + 1  # nearly half of all blocks lie above the limit
    limit = 2**256 - 2**256 % n
    skipped = 0
    for i in range(64):
        digest = seed_of(i)
        blocks = [int.from_bytes(hashlib.sha256(digest + j.to_bytes(4, "big")).digest(), "big") for j in range(40)]
        assert drawing.uniform_index(digest, n) == next(x for x in blocks if x < limit) % n
        skipped += blocks[0] >= limit
    assert 10 < skipped < 54


# --- purity -----------------------------------------------------------------------------------


def test_the_module_imports_no_django():
    tree = ast.parse((ROOT / "evaluation" / "drawing.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"hashlib", "hmac", "json", "secrets", "dataclasses"}
    probe = "import sys; import evaluation.drawing; assert not any(m.startswith('django') for m in sys.modules)"
    done = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); {probe}"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
