"""The draw's SQL does not grow with the pool or the bidders (the benchmark's 50,000 experts and
200 bidders: bench/bench_draw.py): set-up and draw each take the same number of queries for a
small pool with three bidders and a pool ten times the size with forty."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation.draw_services import DrawRequest, draw_committee, set_up
from evaluation.models import Absence, Employment, Relation

from .opened import later, opened_lot

pytestmark = pytest.mark.django_db


def lot_with(experts: int, bidders: int):
    o = opened_lot(bidders=bidders)
    hall = o.lot.hall
    pool = o.pool(experts, "A0101", "A0102")
    # every kind of exclusion present, so that each screening query runs
    Employment.objects.create(expert=pool[0], employer_name=o.bidders[0].name, employer_uscc=o.bidders[0].uscc,
                              started_on=date(2020, 1, 1), ended_on=date(2025, 1, 1))
    Relation.objects.create(expert=pool[1], kind="company", name=o.bidders[1].name, uscc=o.bidders[1].uscc)
    Relation.objects.create(expert=pool[2], kind="person", name="王五")
    day = later().date()
    Absence.objects.create(expert=pool[3], starts_on=day, ends_on=day)
    assert hall.openings.count() == bidders
    return o


def queries(o) -> tuple[int, int]:
    request = DrawRequest(size=7, representatives=["招标人代表"], specialties=[("A0101", 4), ("A0102", 2)],
                          evaluation_at=later())
    with CaptureQueriesContext(connection) as setting_up:
        set_up(o.staff, o.lot.pk, request)
    with CaptureQueriesContext(connection) as drawing:
        draw_committee(o.staff, o.lot.pk)
    return len(setting_up), len(drawing)


def test_the_draw_takes_as_many_queries_for_a_pool_ten_times_larger(django_assert_max_num_queries):
    small_setup, small_draw = queries(lot_with(experts=20, bidders=3))
    large = lot_with(experts=200, bidders=40)
    request = DrawRequest(size=7, representatives=["招标人代表"], specialties=[("A0101", 4), ("A0102", 2)],
                          evaluation_at=later())
    with django_assert_max_num_queries(small_setup):
        set_up(large.staff, large.lot.pk, request)
    with django_assert_max_num_queries(small_draw):
        draw_committee(large.staff, large.lot.pk)
    # And few: set-up is a handful of set-based reads and writes; the draw adds, per seat, its row,
    # its notification's event and its timeout task (six seats here), never a query per expert.
    assert small_setup <= 30 and small_draw <= 16 + 5 * 6


def test_the_same_with_more_bidders_than_experts(django_assert_max_num_queries):
    small_setup, _ = queries(lot_with(experts=20, bidders=2))
    large = lot_with(experts=20, bidders=60)
    request = DrawRequest(size=7, representatives=["招标人代表"], specialties=[("A0101", 4), ("A0102", 2)],
                          evaluation_at=later())
    with django_assert_max_num_queries(small_setup):
        set_up(large.staff, large.lot.pk, request)


