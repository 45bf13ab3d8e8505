"""The pool's list for its readers: filtered by status, specialty, region, name or ID number, a
page at a time, in a number of queries that does not grow with the page."""

import pytest
from django.urls import reverse

from evaluation.choices import ExpertStatus
from evaluation.pool_selectors import PER_PAGE
from tests.evaluation.factories import ExpertFactory, province_center
from tests.trading.factories import CenterFactory, staff
from trading.choices import CenterLevel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def pool():
    return province_center()


@pytest.fixture
def reader(client, pool):
    client.force_login(staff(CenterFactory(level=CenterLevel.CITY, parent=pool)))
    return client


def names(response) -> list[str]:
    return sorted(e.user.full_name for e in response.context["page"])


@pytest.fixture
def experts(pool):
    return [
        ExpertFactory(pool=pool, user__full_name="黄志强", specialties=["A0101"], region_code="450103"),
        ExpertFactory(pool=pool, user__full_name="韦丽萍", specialties=["A0201", "A0601"], region_code="450203",
                      id_number="11010519491231002X"),
        ExpertFactory(pool=pool, user__full_name="覃建华", specialties=["A0202"], region_code="450223",
                      status=ExpertStatus.PENDING),
        ExpertFactory(pool=pool, user__full_name="陆海燕", specialties=["B0101"], region_code="450300",
                      status=ExpertStatus.SUSPENDED),
        ExpertFactory(pool=province_center(region_code="440000"), user__full_name="别省专家"),
    ]


@pytest.mark.parametrize("query, expected", [
    ({}, ["覃建华", "陆海燕", "韦丽萍", "黄志强"]),
    ({"status": "pending"}, ["覃建华"]),
    ({"specialty": "A0201"}, ["韦丽萍"]),
    ({"specialty": "A02"}, ["覃建华", "韦丽萍"]),  # a field takes in its specialties
    ({"region": "4502"}, ["覃建华", "韦丽萍"]),
    ({"region": "450223"}, ["覃建华"]),
    ({"q": "丽萍"}, ["韦丽萍"]),
    ({"q": "110105194912"}, ["韦丽萍"]),
    ({"q": "11010519491231002x"}, ["韦丽萍"]),
    ({"status": "approved", "specialty": "A01"}, ["黄志强"]),
])
def test_the_filters(reader, experts, query, expected):
    assert names(reader.get(reverse("evaluation:pool"), query)) == sorted(expected)


def test_a_page_at_a_time_keeping_the_filters_in_its_links(reader, pool):
    for _ in range(PER_PAGE + 3):
        ExpertFactory(pool=pool, specialties=["A0301"])
    first = reader.get(reverse("evaluation:pool"), {"specialty": "A0301"})
    assert len(first.context["page"]) == PER_PAGE and first.context["page"].paginator.count == PER_PAGE + 3
    assert "specialty=A0301&amp;page=2" in first.content.decode()
    second = reader.get(reverse("evaluation:pool"), {"specialty": "A0301", "page": 2})
    assert len(second.context["page"]) == 3


def test_the_queries_do_not_grow_with_the_page(reader, pool, django_assert_max_num_queries):
    for _ in range(12):
        ExpertFactory(pool=pool, specialties=["A0101", "A0601"])
    with django_assert_max_num_queries(15):
        reader.get(reverse("evaluation:pool"))
