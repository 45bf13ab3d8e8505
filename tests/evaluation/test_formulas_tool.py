"""tools/recompute_scores.py, run as anyone would run it on the file the platform publishes: it
agrees with evaluate() on random documents, prints the points and the ranking, and refuses a
tampered result, a tampered document or a seed that does not match its commitment."""

import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation import formulas

from .formulas_documents import document, documents, random_document

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "recompute_scores.py"
SPEC = ROOT / "docs" / "evaluation-format.md"
OK = "OK: matches the published result"


def run_tool(*paths, cwd, python=sys.executable):
    """The published script as anyone would run it: in isolated mode (no project on the path),
    from a folder outside the repository."""
    return subprocess.run([python, "-I", str(SCRIPT), *map(str, paths)], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", timeout=300)


def publish(folder, doc, name="scores.json", result=None):
    """The file the platform publishes after the award, as it is written."""
    published = {"document": doc, "result": formulas.evaluate(doc) if result is None else result}
    written = json.dumps(published, ensure_ascii=False, indent=1)
    (Path(folder) / name).write_text(written, encoding="utf-8")
    return json.loads(written)  # a copy, to change freely


def refused(done, why):
    assert done.returncode == 1 and done.stdout == "", (done.stdout, done.stderr)
    assert why in done.stderr and "Traceback" not in done.stderr, done.stderr


def agrees(folder, docs, python=sys.executable):
    names = [publish(folder, doc, f"{n}.json") and f"{n}.json" for n, doc in enumerate(docs)]
    done = run_tool(*names, cwd=folder, python=python)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines().count(OK) == len(docs) and done.stderr == ""


# --- agreement ----------------------------------------------------------------------------------


def test_the_tool_agrees_with_the_platform_on_300_random_documents(tmp_path):
    r = random.Random(18)
    docs = [random_document(r) for _ in range(300)]
    assert sum(len(formulas.evaluate(d)["ties"]) for d in docs) > 10  # the ties' rules are exercised too
    agrees(tmp_path, docs)


@pytest.mark.skipif(shutil.which("python3") is None, reason="no python3 on the PATH")
def test_the_system_python3_runs_the_tool_too(tmp_path):
    r = random.Random(7)
    agrees(tmp_path, [random_document(r) for _ in range(40)], python=shutil.which("python3"))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(docs=st.lists(documents(), min_size=1, max_size=15))
def test_the_tool_agrees_with_the_platform_on_hypothesis_documents(docs):
    with tempfile.TemporaryDirectory() as folder:
        agrees(folder, docs)


def test_the_tool_prints_each_bids_points_the_ranking_and_the_candidates(tmp_path):
    # Lowest benchmark, weight 40: B = 800000.00; 9002 gets 40.00, 9001 32.00, 9003 25.60.
    # One technical item 0–20, five experts: 9001 all 15 → 15.00; 9002 10,10,10,10,11 → 10.20;
    # 9003 all 20 → 20.00. Totals 47.00, 50.20, 45.60; 9004 is not responsive.
    scores = {0: ["15"] * 5, 1: ["10"] * 4 + ["11"], 2: ["20"] * 5}
    doc = document(["1000000.00", "800000.00", "1250000.00", "700000.00"], not_responsive={3},
                   items=[("technical", "0", "20")], experts=5, scores=lambda e, b, i: scores[b][e])
    publish(tmp_path, doc)
    done = run_tool("scores.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "lot NN2026-GC-0047/1, method comprehensive, price formula lowest_benchmark, weight 40",
        "benchmark 800000.00 = the lowest responsive price",
        "rank 1: bid 9002 Bidder 2, price 800000.00: "
        "price points 40.00 + technical 10.20 + commercial 0.00 = total 50.20",
        "  item 11: 10 10 10 10 11 -> 10.20",
        "rank 2: bid 9001 Bidder 1, price 1000000.00: "
        "price points 32.00 + technical 15.00 + commercial 0.00 = total 47.00",
        "  item 11: 15 15 15 15 15 -> 15.00",
        "rank 3: bid 9003 Bidder 3, price 1250000.00: "
        "price points 25.60 + technical 20.00 + commercial 0.00 = total 45.60",
        "  item 11: 20 20 20 20 20 -> 20.00",
        "not evaluated: bid 9004 Bidder 4: No bid bond",
        "candidates: 9002, 9001, 9003",
        OK,
    ]


# --- refusals -----------------------------------------------------------------------------------

TIED = document(["500000.00"] * 4)  # four equal prices, no items: every order is the draw's


def test_the_tool_refuses_a_changed_figure(tmp_path):
    published = publish(tmp_path, document(["1000000.00", "800000.00"]))
    published["result"]["bids"][0]["price_points"] = "32.01"
    publish(tmp_path, published["document"], result=published["result"])
    refused(run_tool("scores.json", cwd=tmp_path),
            'the published result differs: result.bids[0].price_points: published "32.01", recomputed "32.00"')


def test_the_tool_refuses_a_changed_ranking_or_more_than_three_candidates(tmp_path):
    published = publish(tmp_path, TIED)
    result = published["result"]
    result["ranking"] = result["ranking"][::-1]
    publish(tmp_path, TIED, result=result)
    refused(run_tool("scores.json", cwd=tmp_path), "result.ranking[0]")
    result = formulas.evaluate(TIED)
    result["candidates"] = result["ranking"]
    publish(tmp_path, TIED, result=result)
    refused(run_tool("scores.json", cwd=tmp_path), "result.candidates")


def test_the_tool_refuses_a_document_changed_after_the_result(tmp_path):
    doc = document(["1000000.00", "800000.00"], items=[("technical", "0", "20")], experts=5,
                   scores=lambda e, b, i: "15")
    published = publish(tmp_path, doc)
    published["document"]["scores"][0]["points"] = "20"
    publish(tmp_path, published["document"], result=published["result"])
    refused(run_tool("scores.json", cwd=tmp_path), "result.bids[0].items[0].scores[0].points")


def test_the_tool_refuses_a_seed_that_is_not_the_committed_one(tmp_path):
    published = publish(tmp_path, TIED)
    published["document"]["tie_break"]["seed"] = bytes(32).hex()
    publish(tmp_path, published["document"], result=published["result"])
    refused(run_tool("scores.json", cwd=tmp_path), "the tie-break seed does not match its commitment")


def test_the_tool_refuses_a_malformed_file(tmp_path):
    (tmp_path / "scores.json").write_text('{"document": {}}', encoding="utf-8")
    refused(run_tool("scores.json", cwd=tmp_path), "malformed input")
    (tmp_path / "scores.json").write_text("not json", encoding="utf-8")
    refused(run_tool("scores.json", cwd=tmp_path), "malformed input")


def leaves(value, path=()):
    if isinstance(value, dict):
        return [x for key in value for x in leaves(value[key], (*path, key))]
    if isinstance(value, list):
        return [x for n, v in enumerate(value) for x in leaves(v, (*path, n))]
    return [path]


def changed(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    return "0" if value is None else value + "1"


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(doc=documents(max_bids=4), pick=st.randoms(use_true_random=False))
def test_the_tool_refuses_any_one_changed_value_of_the_result(doc, pick):
    result = formulas.evaluate(doc)
    path = pick.choice(leaves(result))
    *parents, last = path
    holder = result
    for key in parents:
        holder = holder[key]
    holder[last] = changed(holder[last])
    with tempfile.TemporaryDirectory() as folder:
        publish(folder, doc, result=result)
        refused(run_tool("scores.json", cwd=folder), "the published result differs: result")




# --- the worked example of docs/evaluation-format.md --------------------------------------------


def example(name):
    marker = rf"<!-- worked-example: {re.escape(name)} -->\n```[a-z]*\n(.*?)```"
    found = re.search(marker, SPEC.read_text("utf-8"), re.S)
    return found.group(1)


def test_the_worked_example_is_what_the_platform_computes_and_what_the_tool_prints(tmp_path):
    published = json.loads(example("scores.json"))
    assert formulas.evaluate(published["document"]) == published["result"]
    (tmp_path / "scores.json").write_text(example("scores.json"), encoding="utf-8")
    done = run_tool("scores.json", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == example("output"), done.stderr
    # The figures worked by hand in the text.
    bids = {b["id"]: b for b in published["result"]["bids"]}
    price = published["result"]["price"]
    assert (price["benchmark"], price["mean"]) == ("1137810.00", "1173000.00")
    assert [bids[9001][k] for k in ("price_points", "technical", "commercial", "total")] == [
        "55.85", "23.60", "8.20", "87.65"]
    assert (bids[9003]["price_points"], bids[9003]["total"], bids[9003]["rank"]) == ("58.25", "88.25", 1)
    assert published["document"]["tie_break"]["seed"] == bytes(range(32)).hex()
