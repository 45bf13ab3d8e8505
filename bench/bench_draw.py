"""Benchmark: a committee draw over a pool of 50,000 experts with 200 opened bidders to screen.

    .venv/bin/python bench/bench_draw.py [--experts 50000] [--bidders 200] [--runs 10] [--database-url URL]

Builds, in a throwaway SQLite database (or the PostgreSQL database named by --database-url,
which it empties first), a province pool of `--experts` approved experts over the shipped
specialty list, a lot opened with `--bidders` bidders, and a share of the experts in conflict
(employed by a bidder now or lately, a declared relation, away on the day). Then, `--runs` times:
set up the draw (screen, snapshot, commitment) and draw a committee of 9 (one tenderee
representative, eight experts from two specialties, a mix of local and remote), and undo it.
Prints the median and range of each step's time and its number of SQL queries.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from throwaway import ROOT, environment


def build(experts: int, bidders: int):
    from django.utils import timezone

    from bidding.choices import BidState, HallState, OpeningStatus
    from bidding.models import Bid, BidOpening, OpeningHall
    from evaluation.idcard import check_character
    from evaluation.models import Absence, Employment, Expert, Relation, Specialty
    from tests.trading.factories import make_uscc
    from trading.choices import Category, CenterLevel, LotState, Role
    from trading.models import Center, Lot, Organization, Project, User

    province = Center.objects.create(name="自治区交易中心", code="bench-province", level=CenterLevel.PROVINCE, region_code="450000")
    city = Center.objects.create(name="南宁市交易中心", code="bench-city", level=CenterLevel.CITY, region_code="450100", parent=province)
    staff = User.objects.create(username="bench-staff", role=Role.STAFF, center=city, full_name="抽取经办人")
    tenderee = Organization.objects.create(name="招标人", uscc=make_uscc(1))
    project = Project.objects.create(center=city, code="BENCH-2026-001", name="基准测试项目", category=Category.WORKS,
                                     region_code="450100", tenderee=tenderee, created_by=staff,
                                     bid_deadline=timezone.now() - timedelta(hours=2),
                                     documents_published_at=timezone.now() - timedelta(days=25))
    lot = Lot.objects.create(project=project, number=1, name="第一标段", budget="50000000.00",
                             evaluation_method="comprehensive", state=LotState.EVALUATION)
    hall = OpeningHall.objects.create(lot=lot, state=HallState.ENDED)
    orgs = Organization.objects.bulk_create([Organization(name=f"投标人{i:03d}有限公司", uscc=make_uscc(100 + i),
                                                          contact_name=f"联系人{i}") for i in range(bidders)])
    user = User.objects.create(username="bench-bidder", role=Role.BIDDER, organization=orgs[0])
    bids = Bid.objects.bulk_create([Bid(lot=lot, organization=o, version=1, state=BidState.COMPLETE, created_by=user,
                                        completed_at=project.bid_deadline - timedelta(minutes=5)) for o in orgs])
    BidOpening.objects.bulk_create([BidOpening(hall=hall, bid=b, order=i + 1, status=OpeningStatus.DECRYPTED,
                                               outcome="decrypted") for i, b in enumerate(bids)])
    codes = list(Specialty.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    regions = ["450102", "450103", "450203", "450302", "450402", "450502", "450602", "450702"]
    users = User.objects.bulk_create([User(username=f"bx{i}", role=Role.EXPERT, full_name=f"专家{i}")
                                      for i in range(experts)], batch_size=2000)
    pool = []
    for i, u in enumerate(users):
        first17 = f"450102{1950 + i // 1000 % 50}{1 + i // 50000 % 12:02d}{1 + i // 1000 % 28:02d}{i % 1000:03d}"
        employer = orgs[i % bidders] if i % 97 == 0 else None
        pool.append(Expert(user=u, pool=province, id_number=first17 + check_character(first17), title="高级工程师",
                           employer_name=employer.name if employer else f"设计院{i % 500}",
                           employer_uscc=employer.uscc if employer else "", region_code=regions[i % len(regions)],
                           phone=f"139{i:08d}", status="approved"))
    Expert.objects.bulk_create(pool, batch_size=2000)
    link = Expert.specialties.through
    link.objects.bulk_create([link(expert_id=e.pk, specialty_id=codes[j % len(codes)])
                              for n, e in enumerate(pool) for j in (n % 7, n % 7 + 7)], batch_size=5000)
    day = timezone.localdate() + timedelta(days=1)
    Employment.objects.bulk_create([Employment(expert=e, employer_name=orgs[n % bidders].name,
                                               employer_uscc=orgs[n % bidders].uscc, started_on=date(2018, 1, 1),
                                               ended_on=date(2025, 6, 30)) for n, e in enumerate(pool) if n % 89 == 1])
    Relation.objects.bulk_create([Relation(expert=e, kind="company", name=orgs[n % bidders].name,
                                           uscc=orgs[n % bidders].uscc) for n, e in enumerate(pool) if n % 83 == 2])
    Absence.objects.bulk_create([Absence(expert=e, starts_on=day, ends_on=day) for n, e in enumerate(pool) if n % 79 == 3])
    return staff, lot, Specialty.objects.get(pk=codes[0]).code, Specialty.objects.get(pk=codes[7]).code


def one_run(staff, lot, first, second):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from evaluation.draw_services import DrawRequest, draw_committee, set_up

    request = DrawRequest(size=9, representatives=["招标人代表"], specialties=[(first, 5), (second, 3)],
                          region_scope="mix", local_percent=40, evaluation_at=timezone.now() + timedelta(days=1))
    with transaction.atomic():
        with CaptureQueriesContext(connection) as q1:
            t0 = time.perf_counter()
            draw = set_up(staff, lot.pk, request)
            t1 = time.perf_counter()
        with CaptureQueriesContext(connection) as q2:
            draw_committee(staff, lot.pk)
            t2 = time.perf_counter()
        facts = (len(draw.exclusions), len(draw.snapshot))
        transaction.set_rollback(True)  # undo, so that the next run sets up the same draw again
    return t1 - t0, t2 - t1, len(q1), len(q2), facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experts", type=int, default=50000)
    parser.add_argument("--bidders", type=int, default=200)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-draw-") as folder:
        env = environment(Path(folder))
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
            subprocess.run([sys.executable, str(ROOT / "manage.py"), "flush", "--noinput"], env=env, check=False,
                           capture_output=True)
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], env=env, check=True)
        os.environ.update(env)
        import django

        django.setup()
        started = time.perf_counter()
        staff, lot, first, second = build(args.experts, args.bidders)
        print(f"pool of {args.experts} experts and {args.bidders} opened bidders built in {time.perf_counter() - started:.1f} s "
              f"({env['DATABASE_URL'].split(':')[0]})")
        runs = [one_run(staff, lot, first, second) for _ in range(args.runs)]
        for name, i, q in (("set up (screen, snapshot, commitment)", 0, 2), ("draw (9 members, notified)", 1, 3)):
            times = sorted(r[i] for r in runs)
            print(f"{name}: median {statistics.median(times) * 1000:.0f} ms over {args.runs} runs "
                  f"(min {times[0] * 1000:.0f}, max {times[-1] * 1000:.0f}); SQL queries {sorted({r[q] for r in runs})}")
        exclusions, snapshot = runs[0][4]
        print(f"exclusions kept: {exclusions}; snapshot: {snapshot / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
