"""The random coefficient K (docs/random-coefficient.md): the range, the commitment, the draw,
and the published script that recomputes K from the published inputs. No database, no Django:
bidding.draw is pure, and tools/recompute_k.py is plain Python 3."""

import ast
import hashlib
import json
import random
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from bidding import draw
from bidding.draw import DrawError, make_range

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "recompute_k.py"
SPEC = ROOT / "docs" / "random-coefficient.md"

LOT = "GC2026-0001/1"
RNG = make_range("0.02", "0.05", "0.0005")


def seed_of(i, label=b"seed") -> bytes:
    """Deterministic 32-byte seeds for the statistical tests."""
    return hashlib.sha256(label + i.to_bytes(8, "big")).digest()


def nonce_of(i, label=b"nonce") -> str:
    return hashlib.sha256(label + i.to_bytes(8, "big")).hexdigest()


def bidders(n, salt=0):
    return [(f"9111000{k:011d}", nonce_of(salt * 1000 + k)) for k in range(n)]


def run_script(*paths, cwd):
    """The published script as anyone would run it: the venv's Python in isolated mode (no
    project on the path, no PYTHON* variables), from a folder outside the repository."""
    return subprocess.run([sys.executable, "-I", str(SCRIPT), *map(str, paths)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


# --- the range --------------------------------------------------------------------------------


@pytest.mark.parametrize(("low", "high", "step", "canonical", "decimals", "count"), [
    ("0.02", "0.05", "0.0005", ("0.0200", "0.0500", "0.0005"), 4, 61),
    ("0.0200", "0.0500", "0.0005", ("0.0200", "0.0500", "0.0005"), 4, 61),
    ("0.02", "0.05", "0.0050", ("0.0200", "0.0500", "0.0050"), 4, 7),
    ("0", "0.9", "0.1", ("0.0", "0.9", "0.1"), 1, 10),
    ("0.03", "0.03", "0.01", ("0.03", "0.03", "0.01"), 2, 1),
    ("00.01", "0.99", "0.01", ("0.01", "0.99", "0.01"), 2, 99),
    ("0", "0", "1", ("0", "0", "1"), 0, 1),
    (Decimal("0.02"), Decimal("0.05"), Decimal("0.0005"), ("0.0200", "0.0500", "0.0005"), 4, 61),
])
def test_a_valid_range_is_made_canonical(low, high, step, canonical, decimals, count):
    rng = make_range(low, high, step)
    assert (rng.low, rng.high, rng.step) == canonical
    assert (rng.decimals, rng.count) == (decimals, count)
    assert rng.value(0) == rng.low and rng.value(count - 1) == rng.high


@pytest.mark.parametrize(("low", "high", "step", "why"), [
    ("0.02", "0.05", "0", "greater than zero"),
    ("0.02", "0.05", "0.0000", "greater than zero"),
    ("0.05", "0.02", "0.0005", "greater than high"),
    ("0.02", "1", "0.01", "below 1"),
    ("0.02", "1.00", "0.01", "below 1"),
    ("0.5", "1.5", "0.5", "below 1"),
    ("-0.01", "0.05", "0.01", "plain decimal"),
    ("0.02", "0.05", "-0.01", "plain decimal"),
    ("0.02", "0.05", "1e-3", "plain decimal"),
    ("0.02", "0.05", ".001", "plain decimal"),
    ("0.02", "0.05", "0.001.", "plain decimal"),
    (" 0.02", "0.05", "0.01", "plain decimal"),
    ("0,02", "0.05", "0.01", "plain decimal"),
    ("0.02", "0.05", "NaN", "plain decimal"),
    ("0.02", "0.05", "０.０１", "plain decimal"),  # full-width digits
    ("0.02", "0.05", 0.01, "plain decimal"),  # a float is not a published decimal
    ("0.02", None, "0.01", "plain decimal"),
    ("0.02001", "0.05", "0.0005", "more decimals than the step"),
    ("0.02", "0.05001", "0.0005", "more decimals than the step"),
    ("0.02", "0.0503", "0.0005", "whole number of steps"),
    ("0.02", "0.05", "0.07", "whole number of steps"),
])
def test_a_bad_range_is_refused(low, high, step, why):
    with pytest.raises(DrawError, match=why):
        make_range(low, high, step)


# --- the commitment ---------------------------------------------------------------------------


def test_seeds_are_32_fresh_bytes():
    seeds = {draw.new_seed() for _ in range(50)}
    assert len(seeds) == 50 and all(len(s) == 32 for s in seeds)


def test_the_commitment_binds_seed_lot_and_range():
    seed = seed_of(1)
    c = draw.commitment(seed, lot=LOT, rng=RNG)
    assert re.fullmatch("[0-9a-f]{64}", c)
    assert draw.verify_commitment(seed, c, lot=LOT, rng=RNG)
    assert draw.verify_commitment(seed, c.upper(), lot=LOT, rng=RNG)
    # The same range written differently is the same range.
    assert draw.commitment(seed, lot=LOT, rng=make_range("0.0200", "0.050", "0.0005")) == c

    flipped = bytes([seed[0] ^ 1]) + seed[1:]
    others = {
        "seed": (flipped, LOT, RNG),
        "lot": (seed, "GC2026-0001/2", RNG),
        "low": (seed, LOT, make_range("0.0205", "0.05", "0.0005")),
        "high": (seed, LOT, make_range("0.02", "0.0495", "0.0005")),
        "step": (seed, LOT, make_range("0.02", "0.05", "0.0010")),
    }
    for what, (s, lot, rng) in others.items():
        assert draw.commitment(s, lot=lot, rng=rng) != c, what
        assert not draw.verify_commitment(s, c, lot=lot, rng=rng), what

    assert not draw.verify_commitment(seed, "", lot=LOT, rng=RNG)
    assert not draw.verify_commitment(seed, None, lot=LOT, rng=RNG)
    assert not draw.verify_commitment(seed[:31], c, lot=LOT, rng=RNG)
    # Domain separation: the commitment is not the draw digest of the same seed.
    assert c != draw.draw(seed, [], lot=LOT, rng=RNG).digest_hex


def test_the_commitment_fields_cannot_run_into_each_other():
    """Length prefixes keep the fields apart: ("ab", "c") is not ("a", "bc")."""
    seed = seed_of(2)
    assert draw.commitment(seed, lot="A1", rng=RNG) != draw.commitment(seed, lot="A", rng=RNG)
    contributions_a = [("ab", nonce_of(1)), ("c", nonce_of(2))]
    contributions_b = [("a", nonce_of(1)), ("bc", nonce_of(2))]
    assert (draw.draw(seed, contributions_a, lot=LOT, rng=RNG).digest_hex
            != draw.draw(seed, contributions_b, lot=LOT, rng=RNG).digest_hex)


@pytest.mark.parametrize("seed", [b"", b"x" * 31, b"x" * 33, "00" * 32, None])
def test_a_seed_is_exactly_32_bytes(seed):
    with pytest.raises(DrawError, match="32 bytes"):
        draw.commitment(seed, lot=LOT, rng=RNG)
    with pytest.raises(DrawError, match="32 bytes"):
        draw.draw(seed, [], lot=LOT, rng=RNG)


@pytest.mark.parametrize("lot", ["", None, 7])
def test_a_lot_is_a_non_empty_string(lot):
    with pytest.raises(DrawError, match="lot"):
        draw.commitment(seed_of(1), lot=lot, rng=RNG)


# --- contributions ----------------------------------------------------------------------------


def test_the_order_of_contributions_does_not_matter():
    contributions = bidders(7)
    expected = draw.draw(seed_of(3), contributions, lot=LOT, rng=RNG)
    shuffler = random.Random(3)
    for _ in range(20):
        shuffled = contributions[:]
        shuffler.shuffle(shuffled)
        assert draw.draw(seed_of(3), shuffled, lot=LOT, rng=RNG) == expected
        assert draw.draw(seed_of(3), iter(shuffled), lot=LOT, rng=RNG) == expected
    upper = [(who, nonce.upper()) for who, nonce in contributions]
    assert draw.draw(seed_of(3), upper, lot=LOT, rng=RNG) == expected
    published = draw.published_inputs(seed_of(3), reversed(contributions), lot=LOT, rng=RNG)
    assert [c["contributor"] for c in published["contributions"]] == sorted(who for who, _ in contributions)


@pytest.mark.parametrize(("contributions", "why"), [
    ([("A", nonce_of(1)), ("A", nonce_of(2))], "more than once"),
    ([("A", nonce_of(1)), ("A", nonce_of(1))], "more than once"),
    ([("", nonce_of(1))], "non-empty"),
    ([(None, nonce_of(1))], "non-empty"),
    ([("A", nonce_of(1)[:62])], "32 bytes"),
    ([("A", nonce_of(1) + "00")], "32 bytes"),
    ([("A", "g" + nonce_of(1)[1:])], "32 bytes"),
    ([("A", " " + nonce_of(1)[1:])], "32 bytes"),
    ([("A", bytes(32))], "32 bytes"),
    ([("A",)], "pair"),
    (["A"], "pair"),
])
def test_bad_contributions_are_refused(contributions, why):
    with pytest.raises(DrawError, match=why):
        draw.draw(seed_of(1), contributions, lot=LOT, rng=RNG)


def test_with_no_contributions_k_depends_on_the_seed_alone():
    first = draw.draw(seed_of(4), [], lot=LOT, rng=RNG)
    assert draw.draw(seed_of(4), (), lot=LOT, rng=RNG) == first
    assert draw.draw(seed_of(4), [("A", nonce_of(1))], lot=LOT, rng=RNG).digest_hex != first.digest_hex
    ks = {draw.draw(seed_of(i), [], lot=LOT, rng=RNG).k for i in range(200)}
    assert len(ks) > 40  # of 61


# --- the draw ---------------------------------------------------------------------------------


CHANGES = {
    "a nonce": lambda i, c: (seed_of(i), c[:1] + [(c[1][0], nonce_of(i, b"other"))] + c[2:], LOT),
    "the seed": lambda i, c: (seed_of(i, b"other"), c, LOT),
    "the lot": lambda i, c: (seed_of(i), c, LOT + "x"),
    "one more bidder": lambda i, c: (seed_of(i), c + [("Z", nonce_of(i, b"late"))], LOT),
    "one bidder fewer": lambda i, c: (seed_of(i), c[1:], LOT),
    "a contributor id": lambda i, c: (seed_of(i), [("X" + c[0][0], c[0][1])] + c[1:], LOT),
}


@pytest.mark.parametrize("change", CHANGES)
def test_any_change_of_input_changes_k(change):
    """Over 300 draws: the digest always changes, and K stays the same about once in 61
    (expected ~5) — far from 'rarely changes'."""
    same_k = 0
    for i in range(300):
        contributions = bidders(4, salt=i)
        before = draw.draw(seed_of(i), contributions, lot=LOT, rng=RNG)
        seed, changed, lot = CHANGES[change](i, contributions)
        after = draw.draw(seed, changed, lot=lot, rng=RNG)
        assert after.digest_hex != before.digest_hex
        same_k += after.k == before.k
    assert same_k < 20


def random_range(r: random.Random):
    decimals = r.randint(1, 6)
    unit = Decimal(1).scaleb(-decimals)
    step = r.choice([1, 1, 2, 5, 25, r.randint(1, 50)])
    count = r.randint(1, min(200, (10**decimals - 1) // step + 1))
    low = r.randint(0, 10**decimals - 1 - (count - 1) * step)
    as_text = lambda units: format(units * unit, "f")  # noqa: E731
    return make_range(as_text(low), as_text(low + (count - 1) * step), as_text(step))


def test_k_is_always_in_the_range_and_on_a_step():
    r = random.Random(5)
    for i in range(500):
        rng = random_range(r)
        result = draw.draw(seed_of(i), bidders(r.randint(0, 5), salt=i), lot=f"L{i}", rng=rng)
        k, low, high, step = (Decimal(x) for x in (result.k, rng.low, rng.high, rng.step))
        assert low <= k <= high
        assert (k - low) % step == 0 and (k - low) / step == result.index
        assert len(result.k.partition(".")[2]) == rng.decimals
        assert 0 <= result.index < result.count == rng.count
        assert result.k == rng.value(result.index)
        assert re.fullmatch("[0-9a-f]{64}", result.digest_hex)


@pytest.mark.parametrize(("rng", "draws"), [(RNG, 61 * 200), (make_range("0.01", "0.03", "0.01"), 3000)])
def test_k_is_roughly_uniform(rng, draws):
    """A chi-square sanity check with deterministic seeds and a loose bound: the statistic has
    count - 1 degrees of freedom; the bound is that plus eight standard deviations."""
    counts = [0] * rng.count
    for i in range(draws):
        counts[draw.draw(seed_of(i), bidders(2, salt=i), lot=LOT, rng=rng).index] += 1
    expected = draws / rng.count
    chi2 = sum((c - expected) ** 2 / expected for c in counts)
    dof = rng.count - 1
    assert chi2 < dof + 8 * (2 * dof) ** 0.5, counts
    assert min(counts) > 0


def huge_range(count):
    """A range of `count` values (count may pass 2**255) with 77 decimals: 0 up by 10**-77."""
    text = lambda units: f"0.{units:077d}"  # noqa: E731
    return make_range(text(0), text(count - 1), text(1))


def test_rejection_sampling_skips_blocks_above_the_limit():
    """With count = 2**255 + 1 nearly half of block 0s lie above the largest multiple of count,
    so the later counter blocks are exercised; the index is still the first block below it."""
    count = 2**255 + 1
    rng = huge_range(count)
    limit = 2**256 - 2**256 % count
    skipped = 0
    for i in range(64):
        result = draw.draw(seed_of(i), [], lot=LOT, rng=rng)
        digest = bytes.fromhex(result.digest_hex)
        blocks = [int.from_bytes(hashlib.sha256(digest + j.to_bytes(4, "big")).digest(), "big") for j in range(40)]
        first = next(x for x in blocks if x < limit)
        assert result.index == first % count
        skipped += blocks[0] >= limit
    assert 10 < skipped < 54


# --- published inputs and the published script ------------------------------------------------


def test_published_inputs_are_exactly_what_the_hall_publishes():
    contributions = bidders(3)
    inputs = draw.published_inputs(seed_of(6), contributions[::-1], lot=LOT, rng=RNG)
    assert set(inputs) == {"lot", "range", "commitment", "seed", "contributions", "k"}
    assert inputs["range"] == {"low": "0.0200", "high": "0.0500", "step": "0.0005"}
    assert inputs["commitment"] == draw.commitment(seed_of(6), lot=LOT, rng=RNG)
    assert inputs["seed"] == seed_of(6).hex()
    assert inputs["contributions"] == [{"contributor": w, "nonce": n} for w, n in sorted(contributions)]
    assert inputs["k"] == draw.draw(seed_of(6), contributions, lot=LOT, rng=RNG).k
    assert json.loads(json.dumps(inputs)) == inputs


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add("." if node.level else node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"__import__", "exec", "eval"}:
            names.add(node.func.id)
    return names


def test_the_script_imports_only_the_standard_library():
    assert imported_modules(SCRIPT) <= {"hashlib", "json", "re", "sys"}
    source = SCRIPT.read_text(encoding="utf-8")
    assert not re.search(r"^\s*(import|from)\s+(bidding|django|kaibiao|trading)\b", source, re.M)
    assert "importlib" not in source


def test_the_module_imports_no_django():
    assert imported_modules(ROOT / "bidding" / "draw.py") <= {
        "hashlib", "hmac", "re", "secrets", "dataclasses", "decimal"}
    probe = "import sys; import bidding.draw; assert not any(m.startswith('django') for m in sys.modules)"
    done = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); {probe}"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def random_inputs(r: random.Random, i: int) -> tuple[dict, draw.DrawResult]:
    """A random draw: a random range (now and then one whose count passes 2**255, so blocks get
    rejected), a lot and contributor ids with non-ASCII text, 0 to 8 contributions in the file
    in arbitrary order and case."""
    rng = huge_range(2**255 + r.randint(1, 2**200)) if i % 10 == 0 else random_range(r)
    lot = r.choice(["GC2026-0001/1", "工程施工/3", f"L{i}", "a\u00e9\u4e00\U0001f600"])
    ids = r.sample(["91110000MA00000001", "9131000MA1", "北京建工", "b", "B", "ä", "a b", "z" * 40, "1", "01"],
                   r.randint(0, 8))
    contributions = [(who, r.randbytes(32).hex()) for who in ids]
    seed = r.randbytes(32)
    inputs = draw.published_inputs(seed, contributions, lot=lot, rng=rng)
    if i % 2:
        r.shuffle(inputs["contributions"])
        for c in inputs["contributions"]:
            c["nonce"] = c["nonce"].upper()
    return inputs, draw.draw(seed, contributions, lot=lot, rng=rng)


def test_the_script_recomputes_the_k_drawn_for_200_random_inputs(tmp_path):
    r = random.Random(7)
    paths, expected = [], []
    for i in range(200):
        inputs, result = random_inputs(r, i)
        path = tmp_path / f"inputs-{i:03d}.json"
        path.write_text(json.dumps(inputs, ensure_ascii=False, indent=1), encoding="utf-8")
        paths.append(path)
        expected.append(result.k)
    done = run_script(*paths, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == expected
    # One file on its own, without the published k: the script still recomputes it.
    inputs = json.loads(paths[1].read_text(encoding="utf-8"))
    del inputs["k"]
    (tmp_path / "no-k.json").write_text(json.dumps(inputs), encoding="utf-8")
    done = run_script("no-k.json", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, expected[1] + "\n")


def test_both_implementations_agree_on_many_more_inputs():
    """The script's rule, loaded as a module (no subprocess per input), against draw()."""
    namespace = {"__name__": "recompute_k"}
    exec(compile(SCRIPT.read_text(encoding="utf-8"), str(SCRIPT), "exec"), namespace)
    r = random.Random(8)
    for i in range(2000):
        inputs, result = random_inputs(r, i)
        assert namespace["recompute"](inputs) == result.k


def write(tmp_path, name, inputs):
    path = tmp_path / name
    path.write_text(inputs if isinstance(inputs, str) else json.dumps(inputs), encoding="utf-8")
    return path


def test_a_tampered_seed_makes_the_script_exit_1(tmp_path):
    inputs = draw.published_inputs(seed_of(9), bidders(3), lot=LOT, rng=RNG)
    assert run_script(write(tmp_path, "good.json", inputs), cwd=tmp_path).returncode == 0
    last_digit_flipped = inputs["seed"][:-1] + format(int(inputs["seed"][-1], 16) ^ 1, "x")
    for tampered_seed in (seed_of(10).hex(), last_digit_flipped, inputs["seed"].upper()[:-1] + "Z"):
        done = run_script(write(tmp_path, "bad.json", {**inputs, "seed": tampered_seed}), cwd=tmp_path)
        assert done.returncode == 1 and done.stdout == ""
        assert ("does not match the commitment" if tampered_seed[-1] != "Z" else "malformed inputs") in done.stderr
    # A commitment for another lot or another range does not match either.
    for key, value in (("lot", LOT + "x"), ("range", {"low": "0.02", "high": "0.05", "step": "0.0010"})):
        done = run_script(write(tmp_path, "bad.json", {**inputs, key: value}), cwd=tmp_path)
        assert done.returncode == 1 and "does not match the commitment" in done.stderr


def test_a_published_k_that_differs_makes_the_script_exit_1(tmp_path):
    inputs = draw.published_inputs(seed_of(9), bidders(3), lot=LOT, rng=RNG)
    drawn = draw.draw(seed_of(9), bidders(3), lot=LOT, rng=RNG)
    other = RNG.value((drawn.index + 1) % RNG.count)
    done = run_script(write(tmp_path, "k.json", {**inputs, "k": other}), cwd=tmp_path)
    assert done.returncode == 1 and "differs from the recomputed K" in done.stderr
    # A bidder's nonce swapped after the draw: the recomputed K no longer matches (for this one).
    swapped = json.loads(json.dumps(inputs))
    swapped["contributions"][0]["nonce"] = nonce_of(99)
    assert draw.draw(seed_of(9), [(c["contributor"], c["nonce"]) for c in swapped["contributions"]],
                     lot=LOT, rng=RNG).k != inputs["k"]
    done = run_script(write(tmp_path, "nonce.json", swapped), cwd=tmp_path)
    assert done.returncode == 1 and "differs from the recomputed K" in done.stderr


def malformed_cases(inputs):
    c0 = inputs["contributions"][0]
    return {
        "not json": "{",
        "a list": [],
        "no seed": {k: v for k, v in inputs.items() if k != "seed"},
        "no contributions": {k: v for k, v in inputs.items() if k != "contributions"},
        "seed not hex": {**inputs, "seed": "zz" * 32},
        "seed too short": {**inputs, "seed": inputs["seed"][:62]},
        "seed with spaces": {**inputs, "seed": inputs["seed"][:2] + " " + inputs["seed"][3:]},
        "empty lot": {**inputs, "lot": ""},
        "lot a number": {**inputs, "lot": 1},
        "range a float": {**inputs, "range": {"low": 0.02, "high": "0.05", "step": "0.0005"}},
        "range off the step": {**inputs, "range": {"low": "0.02", "high": "0.0503", "step": "0.0005"}},
        "K of 1": {**inputs, "range": {"low": "0.5", "high": "1.0", "step": "0.5"}},
        "step zero": {**inputs, "range": {"low": "0.02", "high": "0.05", "step": "0.0000"}},
        "commitment a number": {**inputs, "commitment": 5},
        "duplicate contributor": {**inputs, "contributions": [c0, {**c0, "nonce": nonce_of(5)}]},
        "short nonce": {**inputs, "contributions": [{**c0, "nonce": c0["nonce"][:-2]}]},
        "empty contributor": {**inputs, "contributions": [{**c0, "contributor": ""}]},
        "contribution a list": {**inputs, "contributions": [[c0["contributor"], c0["nonce"]]]},
    }


def test_malformed_inputs_make_the_script_exit_1(tmp_path):
    inputs = draw.published_inputs(seed_of(9), bidders(3), lot=LOT, rng=RNG)
    for name, bad in malformed_cases(inputs).items():
        done = run_script(write(tmp_path, "bad.json", bad), cwd=tmp_path)
        assert done.returncode == 1, name
        assert done.stdout == "" and "Traceback" not in done.stderr, name
        assert "bad.json: malformed inputs" in done.stderr, (name, done.stderr)
    done = run_script(tmp_path / "missing.json", cwd=tmp_path)
    assert done.returncode == 1 and "malformed inputs" in done.stderr
    done = run_script(cwd=tmp_path)
    assert done.returncode == 1 and "usage" in done.stderr


# --- the worked example in the spec -----------------------------------------------------------


def test_the_worked_example_in_the_spec():
    spec = SPEC.read_text(encoding="utf-8")
    example = json.loads(re.search(r"<!-- worked-example -->\s*```json\n(.*?)```", spec, re.S).group(1))
    seed = bytes(range(32))
    contributions = [(c["contributor"], c["nonce"]) for c in example["contributions"]]
    rng = make_range("0.02", "0.05", "0.0005")
    assert example["seed"] == seed.hex()
    assert contributions == [("91110000MA00000001", "11" * 32), ("91310000MA00000002", "22" * 32),
                             ("91440300MA00000003", "33" * 32)]
    assert draw.published_inputs(seed, contributions, lot="GC2026-0001/1", rng=rng) == example

    # The committed bytes, field by field, hash to the commitment.
    rows = re.search(r"The committed bytes \((\d+) of them\), field by field:\n\n(.*?)\n\n", spec, re.S)
    committed = bytes.fromhex("".join("".join(line.split()[:2]) for line in rows.group(2).splitlines()))
    assert len(committed) == int(rows.group(1)) == 106
    assert hashlib.sha256(committed).hexdigest() == example["commitment"]

    # The draw, step by step.
    result = draw.draw(seed, contributions, lot="GC2026-0001/1", rng=rng)
    step = dict(re.findall(r"^- (count|digest|block 0|limit|index|K): (.*)$", spec, re.M))
    assert int(step["count"]) == result.count == 61
    assert step["digest"] == result.digest_hex
    block0 = hashlib.sha256(bytes.fromhex(result.digest_hex) + bytes(4)).digest()
    assert step["block 0"] == block0.hex()
    assert step["limit"].startswith(f"2²⁵⁶ − {2**256 % 61};")
    assert int.from_bytes(block0, "big") < 2**256 - 2**256 % 61
    assert int(step["index"]) == result.index == int.from_bytes(block0, "big") % 61
    assert step["K"] == f"{result.k} (0.0200 + {result.index} × 0.0005)" and result.k == example["k"] == "0.0415"

    alone = draw.draw(seed, [], lot="GC2026-0001/1", rng=rng)
    assert f"K would be {alone.k} (index {alone.index})" in spec


def test_the_script_on_the_worked_example(tmp_path):
    spec = SPEC.read_text(encoding="utf-8")
    example = re.search(r"<!-- worked-example -->\s*```json\n(.*?)```", spec, re.S).group(1)
    done = run_script(write(tmp_path, "inputs.json", example), cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "0.0415\n", "")
    # The range as the tender wrote it: the script writes it canonically itself.
    as_written = {**json.loads(example), "range": {"low": "0.02", "high": "0.050", "step": "0.0005"}}
    done = run_script(write(tmp_path, "as-written.json", as_written), cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "0.0415\n", "")
