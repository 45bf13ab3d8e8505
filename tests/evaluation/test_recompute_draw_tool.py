"""tools/recompute_draw.py, run as anyone would run it on the files the platform publishes:
it prints the platform's committee, and refuses a tampered seed, snapshot or committee. Also
the worked example of docs/expert-draw.md, checked against both implementations."""

import ast
import hashlib
import json
import random
import re
import subprocess
import sys
from pathlib import Path

from evaluation import drawing

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "recompute_draw.py"
SPEC = ROOT / "docs" / "expert-draw.md"
LOT = "GC2026-001-01"


def seed_of(i, label=b"seed") -> bytes:
    return hashlib.sha256(label + i.to_bytes(8, "big")).digest()


def pool_of(n, r: random.Random, start=1):
    codes = ["A0101", "A0102", "B0201", "C0301"]
    return [{"id": start + i, "specialties": r.sample(codes, r.randint(1, 2)), "local": r.random() < 0.4}
            for i in range(n)]


POOL = pool_of(40, random.Random(17), start=5000)
GROUPS = [{"specialty": "A0101", "scope": "local", "count": 2},
          {"specialty": "A0102", "scope": "remote", "count": 2},
          {"specialty": "B0201", "scope": "any", "count": 3}]


def run_script(*args, cwd):
    """The published script as anyone would run it: the venv's Python in isolated mode (no
    project on the path), from a folder outside the repository."""
    return subprocess.run([sys.executable, "-I", str(SCRIPT), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def publish(tmp_path, seed=seed_of(1), pool=POOL, groups=GROUPS, replacements=(), lot=LOT):
    """The two files the platform publishes after the result, as it writes them."""
    published = drawing.published_draw(lot, seed, pool, groups, replacements)
    (tmp_path / "draw.json").write_text(json.dumps(published, ensure_ascii=False, indent=1), encoding="utf-8")
    (tmp_path / "snapshot.json").write_bytes(drawing.snapshot_bytes(lot, pool))
    return published


def rewrite(tmp_path, **changes):
    published = json.loads((tmp_path / "draw.json").read_text(encoding="utf-8"))
    (tmp_path / "draw.json").write_text(json.dumps({**published, **changes}), encoding="utf-8")


def expected_lines(lot, seed, pool, groups, replacements=()):
    result = drawing.replay(lot, seed, pool, groups, replacements)
    lines = [f"p={p.p} {p.expert} {groups[p.group]['specialty']}" for p in result.picks if p.expert in result.committee]
    return lines + ["OK: matches the published committee"]


def refused(done, why):
    assert done.returncode == 1 and done.stdout == "", (done.stdout, done.stderr)
    assert why in done.stderr and "Traceback" not in done.stderr, done.stderr


# --- the platform's files ------------------------------------------------------------------------


def test_the_script_prints_the_platforms_committee(tmp_path):
    published = publish(tmp_path)
    done = run_script("draw.json", "snapshot.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == expected_lines(LOT, seed_of(1), POOL, GROUPS)
    printed = [int(line.split()[1]) for line in done.stdout.splitlines()[:-1]]
    assert printed == published["committee"] and len(printed) == 7 and done.stderr == ""


def test_the_script_follows_the_replacements(tmp_path):
    first = drawing.draw(LOT, seed_of(2), POOL, GROUPS)
    replacements = [{"group": 1, "replaces": first.committee[2]}, {"group": 2, "replaces": first.committee[6]}]
    published = publish(tmp_path, seed=seed_of(2), replacements=replacements)
    assert len(published["picks"]) == 9 and first.committee[2] not in published["committee"]
    done = run_script("draw.json", "snapshot.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == expected_lines(LOT, seed_of(2), POOL, GROUPS, replacements)
    assert [int(line.split()[1]) for line in done.stdout.splitlines()[:-1]] == published["committee"]
    assert done.stdout.splitlines()[-2].startswith("p=8 ")


# --- tampering ---------------------------------------------------------------------------------


def test_a_tampered_seed_is_refused(tmp_path):
    published = publish(tmp_path)
    flipped = published["seed"][:-1] + format(int(published["seed"][-1], 16) ^ 1, "x")
    for seed in (seed_of(9).hex(), flipped):
        rewrite(tmp_path, seed=seed)
        refused(run_script("draw.json", "snapshot.json", cwd=tmp_path), "the seed does not match the commitment")


def test_a_tampered_snapshot_is_refused(tmp_path):
    publish(tmp_path)
    snapshot = json.loads((tmp_path / "snapshot.json").read_bytes())
    changed = snapshot["experts"][3]
    changed["specialties"] = sorted({"A0101", "A0102", "B0201", "C0301"} - set(changed["specialties"]))[:1]
    tampered = drawing.snapshot_bytes(LOT, snapshot["experts"])
    (tmp_path / "snapshot.json").write_bytes(tampered)
    refused(run_script("draw.json", "snapshot.json", cwd=tmp_path), "differs from the published snapshot_digest")
    # The snapshot digest changed to match: then the commitment, which binds it, does not.
    rewrite(tmp_path, snapshot_digest=hashlib.sha256(tampered).hexdigest())
    refused(run_script("draw.json", "snapshot.json", cwd=tmp_path), "the seed does not match the commitment")


def test_a_snapshot_of_another_lot_is_refused(tmp_path):
    publish(tmp_path)
    (tmp_path / "snapshot.json").write_bytes(drawing.snapshot_bytes("GC2026-001-02", POOL))
    refused(run_script("draw.json", "snapshot.json", cwd=tmp_path), "differs from the published snapshot_digest")


def test_a_tampered_committee_is_refused(tmp_path):
    published = publish(tmp_path)
    committee = published["committee"]
    outsider = next(e["id"] for e in POOL if e["id"] not in committee)
    for changed in ([outsider, *committee[1:]], committee[::-1], committee[:-1], [*committee, outsider]):
        rewrite(tmp_path, committee=changed)
        refused(run_script("draw.json", "snapshot.json", cwd=tmp_path), "differs from the recomputed")


def test_tampered_picks_or_replacements_are_refused(tmp_path):
    published = publish(tmp_path, replacements=[(0, drawing.draw(LOT, seed_of(1), POOL, GROUPS).committee[0])])
    picks = published["picks"]
    rewrite(tmp_path, picks=[*picks[:-1], {**picks[-1], "expert": picks[0]["expert"]}])
    refused(run_script("draw.json", "snapshot.json", cwd=tmp_path), "the published picks differ")
    # The replacement hidden: the committee published no longer follows from the draw.
    rewrite(tmp_path, picks=picks, replacements=[])
    refused(run_script("draw.json", "snapshot.json", cwd=tmp_path), "differ")
    rewrite(tmp_path, replacements=published["replacements"], groups=[*GROUPS[:2], {**GROUPS[2], "count": 2}])
    refused(run_script("draw.json", "snapshot.json", cwd=tmp_path), "differ")


def test_a_snapshot_not_written_canonically_is_refused(tmp_path):
    """Even when the platform's digest and commitment name it: the file must be the canonical
    bytes, so that every reader parses the same pool."""
    publish(tmp_path)
    pretty = json.dumps(json.loads(drawing.snapshot_bytes(LOT, POOL)), indent=1).encode()
    (tmp_path / "snapshot.json").write_bytes(pretty)
    digest = hashlib.sha256(pretty).hexdigest()
    rewrite(tmp_path, snapshot_digest=digest, commitment=drawing.commitment(LOT, digest, seed_of(1)))
    refused(run_script("draw.json", "snapshot.json", cwd=tmp_path), "malformed input: the snapshot file is not")


def test_malformed_inputs_are_refused(tmp_path):
    published = publish(tmp_path)
    cases = {
        "not json": "{",
        "a list": [],
        "no seed": {k: v for k, v in published.items() if k != "seed"},
        "seed not hex": {**published, "seed": "zz" * 32},
        "seed too short": {**published, "seed": published["seed"][:62]},
        "empty lot": {**published, "lot": ""},
        "no groups": {**published, "groups": []},
        "a bad scope": {**published, "groups": [{**GROUPS[0], "scope": "nearby"}, *GROUPS[1:]]},
        "count zero": {**published, "groups": [{**GROUPS[0], "count": 0}, *GROUPS[1:]]},
        "commitment a number": {**published, "commitment": 5},
        "committee of text": {**published, "committee": [str(x) for x in published["committee"]]},
        "a replacement of no member": {**published, "replacements": [{"group": 0, "replaces": -1}]},
    }
    for name, bad in cases.items():
        (tmp_path / "bad.json").write_text(bad if isinstance(bad, str) else json.dumps(bad), encoding="utf-8")
        done = run_script("bad.json", "snapshot.json", cwd=tmp_path)
        assert done.returncode == 1 and done.stdout == "", name
        assert "malformed input" in done.stderr and "Traceback" not in done.stderr, (name, done.stderr)
    refused(run_script("draw.json", "missing.json", cwd=tmp_path), "malformed input")
    refused(run_script("draw.json", cwd=tmp_path), "usage")


def test_a_short_pool_is_refused(tmp_path):
    """A pool that cannot fill the request was never drawn: the script says so."""
    pool = [{"id": 1, "specialties": ["A"], "local": True}, {"id": 2, "specialties": ["A", "B"], "local": True}]
    groups = [{"specialty": "A", "scope": "any", "count": 1}, {"specialty": "B", "scope": "any", "count": 1}]
    i = next(i for i in range(100) if drawing.draw(LOT, seed_of(i), pool, groups[:1]).committee == (2,))
    published = publish(tmp_path, seed=seed_of(i), pool=pool, groups=groups[:1])
    rewrite(tmp_path, groups=groups, committee=[2, 1], picks=[*published["picks"], {"p": 1, "group": 1, "expert": 1}])
    refused(run_script("draw.json", "snapshot.json", cwd=tmp_path), "the pool is short")


# --- the two implementations agree -------------------------------------------------------------


def test_both_implementations_agree_on_many_draws():
    """The script's rule, loaded as a module, against evaluation.drawing over random pools,
    requests and replacements."""
    namespace = {"__name__": "recompute_draw"}
    exec(compile(SCRIPT.read_text(encoding="utf-8"), str(SCRIPT), "exec"), namespace)
    r, checked = random.Random(23), 0
    for i in range(400):
        pool = pool_of(r.randint(5, 60), r, start=r.randint(1, 10**6))
        groups = [{"specialty": r.choice(["A0101", "A0102", "B0201", "C0301"]),
                   "scope": r.choice(["local", "remote", "any"]), "count": r.randint(1, 3)} for _ in range(r.randint(1, 3))]
        lot = r.choice([LOT, "标段-二", "L" + str(i)])
        try:
            result = drawing.draw(lot, seed_of(i), pool, groups)
            replacements = []
            for _ in range(r.randint(0, 3)):
                leaving = r.choice(result.committee)
                replacements.append((result.group_of(leaving), leaving))
                result = drawing.replay(lot, seed_of(i), pool, groups, replacements)
        except drawing.ShortPool:
            continue
        published = drawing.published_draw(lot, seed_of(i), pool, groups, replacements)
        picks, committee = namespace["recompute"](published, drawing.snapshot_bytes(lot, pool))
        assert picks == [(x["p"], x["group"], x["expert"]) for x in published["picks"]]
        assert committee == published["committee"] == list(result.committee)
        checked += 1
    assert checked > 150


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
    assert not re.search(r"^\s*(import|from)\s+(evaluation|bidding|django|kaibiao|trading)\b", source, re.M)
    assert "importlib" not in source


# --- the worked example in the spec ------------------------------------------------------------


def example(name):
    spec = SPEC.read_text(encoding="utf-8")
    return re.search(rf"<!-- worked-example: {re.escape(name)} -->\s*```\w+\n(.*?)\n```", spec, re.S).group(1)


def example_inputs():
    snapshot = json.loads(example("snapshot.json"))
    published = json.loads(example("draw.json"))
    return snapshot, published


def test_the_worked_example_in_the_spec():
    spec = SPEC.read_text(encoding="utf-8")
    snapshot, published = example_inputs()
    seed = bytes(range(32))
    assert published["seed"] == seed.hex() and snapshot["lot"] == published["lot"] == LOT
    raw = drawing.snapshot_bytes(LOT, snapshot["experts"])
    assert raw == example("snapshot.json").encode("utf-8") and f"({len(raw)} bytes, no newline" in spec
    assert drawing.published_draw(LOT, seed, snapshot["experts"], published["groups"],
                                  published["replacements"]) == published

    # The committed bytes, field by field, hash to the commitment.
    rows = re.search(r"The committed bytes \((\d+) of them\), field by field:\n\n(.*?)\n\n", spec, re.S)
    committed = b""
    for line in rows.group(2).splitlines():
        length, value = line.split()[:2]
        data = value.strip('"').encode() if value.startswith('"') else bytes.fromhex(value)
        assert int(length, 16) == len(data)
        committed += bytes.fromhex(length) + data
    assert len(committed) == int(rows.group(1))
    assert hashlib.sha256(committed).hexdigest() == published["commitment"]

    # The table of picks: candidates left, n and index, as the rule computes them.
    table = re.findall(r"^\| (\d+) \| (\d+) \| ([\d ]+) \| (\d+) \| (\d+) \| (\d+) \|$", spec, re.M)
    result = drawing.replay(LOT, seed, snapshot["experts"], published["groups"], published["replacements"])
    assert len(table) == len(result.picks) == 6
    taken, digest_hex = set(), published["snapshot_digest"]
    for (p, group, left, n, index, expert), pick in zip(table, result.picks, strict=True):
        candidates = [e["id"] for e in snapshot["experts"] if drawing.is_candidate(e, published["groups"][int(group)])]
        remaining = [x for x in candidates if x not in taken]
        assert [int(x) for x in left.split()] == remaining and int(n) == len(remaining)
        assert (int(p), int(group), int(expert)) == (pick.p, pick.group, pick.expert) == (
            pick.p, pick.group, remaining[int(index)])
        assert int(index) == drawing.uniform_index(drawing.pick_digest(LOT, digest_hex, seed, pick.p), len(remaining))
        taken.add(pick.expert)

    step = dict(re.findall(r"^- (digest|block 0|limit|index): (.*)$", spec, re.M))
    digest0 = drawing.pick_digest(LOT, digest_hex, seed, 0)
    block0 = hashlib.sha256(digest0 + bytes(4)).digest()
    assert step["digest"] == digest0.hex() and step["block 0"] == block0.hex()
    assert step["limit"] == f"2²⁵⁶ − {2**256 % 6}" and int.from_bytes(block0, "big") < 2**256 - 2**256 % 6
    assert step["index"].startswith(f"{int.from_bytes(block0, 'big') % 6}, ") and step["index"].endswith(" 1075")


def test_the_script_on_the_worked_example(tmp_path):
    (tmp_path / "draw.json").write_text(example("draw.json"), encoding="utf-8")
    (tmp_path / "snapshot.json").write_text(example("snapshot.json"), encoding="utf-8")
    done = run_script("draw.json", "snapshot.json", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == example("output") + "\n"
    # A newline added at the end of the snapshot (as an editor might) changes its digest.
    (tmp_path / "snapshot.json").write_text(example("snapshot.json") + "\n", encoding="utf-8")
    refused(run_script("draw.json", "snapshot.json", cwd=tmp_path), "differs from the published snapshot_digest")

