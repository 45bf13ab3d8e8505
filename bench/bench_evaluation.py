"""Benchmark: the evaluation room's summary of a lot of 200 bids, 9 experts and 30 items.

    .venv/bin/python bench/bench_evaluation.py [--bids 200] [--experts 9] [--items 30] [--runs 5] [--database-url URL]

Builds, in a throwaway SQLite database (or the PostgreSQL database named by --database-url,
which it empties first), a lot opened with `--bids` bids at distinct prices, its scoring table
of `--items` items (0–20 points), a committee of `--experts` seated members in the room's
scoring step, and every member's score on every item of every bid (200 × 9 × 30 = 54,000),
submitted, a few far from the others. Then, `--runs` times, each step undone after it:
- flags: the outliers worked out and told when the last member submits (raise_flags);
- summary: the leader's summarize (the document from the database, formulas.evaluate, stored);
- snapshot: the scoring part of one member's snapshot.
Prints each step's median and range of time and its number of SQL queries, then each step's
peak Python memory (tracemalloc, one more run: tracing slows it, so it is timed apart).

Hooks for what others add: STEPS below is the list measured, (name, prepare, step), each a
function(lot) run inside a transaction that is rolled back (prepare not measured); the report PDF (H-report: report.make_report on the
summarized room) is one more step appended there. The room's event delivery to 9 experts and
20 watchers is a benchmark of its own (bench_hall.py's pattern), not this one.
"""

import argparse
import os
import random
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


# (name, what is done first and not measured, the step measured)
STEPS = [
    ("flags (outliers worked out and told)", unflag, step_flags),
    ("summary (document, formulas, stored)", None, step_summary),
    ("snapshot's scoring part (one member)", None, step_snapshot),
    # H-report: ("report PDF", step_summary, step_report): the report made on the summarized room.
]


def one_run(lot, prepare, function, *, trace=False):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic():
        if prepare is not None:
            prepare(lot)
        if trace:
            tracemalloc.start()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            function(lot)
            took = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        if trace:
            tracemalloc.stop()
        transaction.set_rollback(True)  # undone: the next run starts from the same room
    return took, len(queries), peak


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
        for name, prepare, function in STEPS:
            runs = [one_run(lot, prepare, function) for _ in range(args.runs)]
            times = sorted(r[0] for r in runs)
            print(f"{name}: median {statistics.median(times) * 1000:.0f} ms over {args.runs} runs "
                  f"(min {times[0] * 1000:.0f}, max {times[-1] * 1000:.0f}); SQL queries {sorted({r[1] for r in runs})}")
        for name, prepare, function in STEPS:
            peak = one_run(lot, prepare, function, trace=True)[2]
            print(f"{name}: peak Python memory {peak / 2**20:.1f} MiB (tracemalloc)")


if __name__ == "__main__":
    main()
