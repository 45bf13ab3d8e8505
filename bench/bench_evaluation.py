"""Benchmark: the evaluation room's summary and report PDF for a lot of 200 bids, 9 experts and 30 items.

    .venv/bin/python bench/bench_evaluation.py [--bids 200] [--experts 9] [--items 30] [--runs 5] [--database-url URL]
    .venv/bin/python bench/bench_evaluation.py --database-url postgres://postgres@127.0.0.1:5432/h_bench

Builds, in a throwaway SQLite database (or the PostgreSQL database named by --database-url,
which it empties first), a lot opened with `--bids` bids at distinct prices, its scoring table
of `--items` items (0–20 points), a committee of `--experts` seated members in the room's
scoring step, and every member's score on every item of every bid (200 × 9 × 30 = 54,000),
submitted, a few far from the others. Then, `--runs` times, each step undone after it:
- flags: the outliers worked out and told when the last member submits (raise_flags);
- summary: the leader's summarize (the document from the database, formulas.evaluate, stored);
- snapshot: the scoring part of one member's snapshot; and the whole snapshot a member's page
  is sent (viewer_for, viewing.snapshot, JSON), which the page asks for after events;
- report PDF: the leader's make_report on the summarized room (report_data, the PDF rendered
  with its embedded font, stored with its SHA-256); its pages (pdfinfo) and size are printed.
Prints each step's median and range of time (and each run's, with this process's CPU time: the
machine may be busy; the database server's own CPU is not in it) and its number of SQL queries, and the process's
peak resident memory during each run (VmHWM, reset before each run through /proc/self/clear_refs;
with its growth over the resident memory just before it); then each step's peak Python memory (tracemalloc,
one more run: tracing slows it, so it is timed apart), and the process's max RSS over the
whole benchmark (getrusage; the 54,000 scores built in this process included).

STEPS below is the list measured, (name, prepare, step, look), each a function(lot) run inside
a transaction that is rolled back (prepare and look not measured; look returns a line to print
once, from the step's result). The room's event delivery to 9 experts and 20 watchers is a
benchmark of its own: bench/bench_evaluation_room.py.
"""

import argparse
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from throwaway import ROOT, environment


def build(bids: int, experts: int, items: int):
    """The lot in its scoring step, every score given and submitted (see tests/evaluation/scoring_room.py)."""
    from tests.evaluation.scoring_room import scored_directly, scoring_room

    lot = scoring_room(bids=bids, members=experts, items=items,
                       prices=[f"{40_000_000 + 12_345 * n}.00" for n in range(bids)])
    pick = random.Random(2026)
    base = {(j, k): pick.randint(8, 18) for j in range(bids) for k in range(items)}
    # Most experts within two points of the bid's own level; one score in 500 far off (a flag).
    points = {(i, j, k): min(20, max(0, base[j, k] + pick.randint(-2, 2) + (9 if pick.random() < 0.002 else 0)))
              for i in range(experts) for j in range(bids) for k in range(items)}
    scored_directly(lot, lambda i, j, k: str(points[i, j, k]))
    # Every flag raised once and kept with a reason, so that the summary has none waiting.
    from django.db import transaction
    from django.utils import timezone

    from evaluation.models import Score

    with transaction.atomic():
        step_flags(lot)
        Score.objects.filter(room=lot.room, flagged_at__isnull=False).update(confirmed_at=timezone.now(),
                                                                             confirmed_reason="基准测试：坚持原评分")
    return lot


def unflag(lot):
    from evaluation.models import Score

    Score.objects.filter(room=lot.room).update(flagged_at=None, confirmed_at=None, confirmed_reason="", others_mean=None)


def step_flags(lot):
    from django.utils import timezone

    from evaluation.room import core
    from evaluation.room import scoring_facts as sf
    from evaluation.room.scoring_flags import raise_flags

    room = core.locked(lot.lot_id)
    raise_flags(room, sf.facts(room), actor=lot.user(len(lot.members) - 1), now=timezone.now())


def step_summary(lot):
    from evaluation.room import scoring

    scoring.summarize(actor=lot.leader, lot_id=lot.lot_id)


def step_snapshot(lot):
    from evaluation.room import scoring

    lot.room.refresh_from_db()
    scoring.snapshot_part(lot.room, {"role": "member", "member_id": lot.members[1].pk})


def step_whole_snapshot(lot):
    """What a member's connection is sent when its page asks for a snapshot: every part, as JSON."""
    import json

    from evaluation.room import viewing

    room, viewer = viewing.viewer_for(lot.user(1), lot.lot_id)
    json.dumps(viewing.snapshot(room.pk, viewer), ensure_ascii=False)


def step_report(lot):
    from evaluation.room import report

    report.make_report(actor=lot.leader, lot_id=lot.lot_id)


def look_report(lot) -> str:
    """The report just made: its pages (poppler's pdfinfo, else the page objects counted) and size."""
    from evaluation.models import EvaluationRoom

    pdf = bytes(EvaluationRoom.objects.values_list("report_pdf", flat=True).get(pk=lot.room.pk))
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(pdf)
        fh.flush()
        try:
            info = subprocess.run(["pdfinfo", fh.name], capture_output=True, text=True, check=True).stdout
            pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
        except (OSError, subprocess.CalledProcessError, AttributeError):
            pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    return f"{pages} pages, {len(pdf):,} bytes ({len(pdf) / 2**20:.2f} MiB), {len(pdf) / pages / 1024:.1f} KiB a page"


# (name, what is done first and not measured, the step measured, what is looked at after it)
STEPS = [
    ("flags (outliers worked out and told)", unflag, step_flags, None),
    ("summary (document, formulas, stored)", None, step_summary, None),
    ("snapshot's scoring part (one member)", None, step_snapshot, None),
    ("whole snapshot as JSON (one member's page)", None, step_whole_snapshot, None),
    ("report PDF (make_report on the summary)", step_summary, step_report, look_report),
]


def resident() -> tuple[int, int]:
    """(VmRSS, VmHWM) of this process, bytes: its resident memory now and its peak since the last reset."""
    status = open("/proc/self/status").read()
    return tuple(int(re.search(rf"^{key}:\s+(\d+) kB", status, re.M).group(1)) * 1024 for key in ("VmRSS", "VmHWM"))


HIGHEST = [0]  # the process's peak resident memory before each reset: its max RSS over the whole run


def reset_peak() -> bool:
    """Reset the process's peak resident memory (VmHWM) to its resident memory now (Linux 4.0+).
    getrusage's ru_maxrss is reset with it, so the peak so far is kept in HIGHEST first."""
    HIGHEST[0] = max(HIGHEST[0], resident()[1])
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def one_run(lot, prepare, function, look=None, *, trace=False):
    """(seconds, SQL queries, tracemalloc's peak, RSS before, peak RSS during, look's line, this
    process's CPU seconds) of one run."""
    import gc

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    seen = None
    with transaction.atomic():
        if prepare is not None:
            prepare(lot)
        gc.collect()
        if trace:
            tracemalloc.start()
        before = resident()[0] if reset_peak() else 0
        with CaptureQueriesContext(connection) as queries:
            started, cpu = time.perf_counter(), time.process_time()
            function(lot)
            took, cpu = time.perf_counter() - started, time.process_time() - cpu
        high = resident()[1] if before else 0
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        if trace:
            tracemalloc.stop()
        if look is not None and not trace:
            seen = look(lot)
        transaction.set_rollback(True)  # undone: the next run starts from the same room
    return took, len(queries), peak, before, high, seen, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bids", type=int, default=200)
    parser.add_argument("--experts", type=int, default=9)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-evaluation-") as folder:
        env = environment(Path(folder))
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
            subprocess.run([sys.executable, str(ROOT / "manage.py"), "flush", "--noinput"], env=env, check=False,
                           capture_output=True)
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], env=env, check=True)
        os.environ.update(env)
        import django

        django.setup()
        from django.conf import settings

        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the cast's few accounts
        started = time.perf_counter()
        lot = build(args.bids, args.experts, args.items)
        print(f"{args.bids} bids × {args.experts} experts × {args.items} items = "
              f"{args.bids * args.experts * args.items} scores built in {time.perf_counter() - started:.1f} s "
              f"({env['DATABASE_URL'].split(':')[0]})")
        mib = 2**20
        for name, prepare, function, look in STEPS:
            runs = [one_run(lot, prepare, function, look) for _ in range(args.runs)]
            times = sorted(r[0] for r in runs)
            print(f"{name}: median {statistics.median(times) * 1000:.0f} ms over {args.runs} runs "
                  f"(min {times[0] * 1000:.0f}, max {times[-1] * 1000:.0f}); SQL queries {sorted({r[1] for r in runs})}")
            print(f"    each run in order: {', '.join(f'{r[0] * 1000:.0f}' for r in runs)} ms; this process's CPU time: "
                  f"{', '.join(f'{r[6] * 1000:.0f}' for r in runs)} ms")
            if runs[0][3]:
                # The first run of a step may load what stays loaded (the report's font): each run apart.
                print("    peak RSS during each run: " + ", ".join(
                    f"{r[4] / mib:.0f} MiB ({(r[4] - r[3]) / mib:+.0f})" for r in runs) + " (+: over the RSS just before it)")
            if runs[-1][5]:
                print(f"    {runs[-1][5]}")
        for name, prepare, function, _look in STEPS:
            peak = one_run(lot, prepare, function, trace=True)[2]
            print(f"{name}: peak Python memory {peak / mib:.1f} MiB (tracemalloc)")
        highest = max(HIGHEST[0], resident()[1], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
        print(f"the process's max RSS over the whole benchmark: {highest / mib:.0f} MiB (the scores built in it included)")


if __name__ == "__main__":
    main()
