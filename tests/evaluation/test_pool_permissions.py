"""Who may do what on the pool's routes: every person against every route, in one table.

The pool is the province center's: its staff keep it (review, the specialty list); the staff and
supervisors of the centers below it read it; an expert reads and keeps only their own record;
bidders, tenderees, agents, custodians and other experts are refused (403), the public is sent to
log in. The services refuse too, whatever a page asks (tested at the end)."""

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from evaluation import pool_services, profile_services, specialty_services
from evaluation.choices import ExpertStatus
from evaluation.models import Specialty
from tests.evaluation.factories import ExpertFactory, province_center
from tests.trading.factories import CenterFactory, UserFactory, bidder, party, staff, supervisor
from trading.choices import CenterLevel, Role
from trading.errors import NotFound, PermissionDenied

pytestmark = pytest.mark.django_db

PEOPLE = ("anonymous", "bidder", "tenderee", "agent", "custodian", "supervisor", "city_staff", "province_staff",
          "other_expert", "the_expert")
ROUTES = ("pool", "detail", "review", "specialties", "specialty_add", "specialty_change", "record", "record_save",
          "absence_add", "relation_add", "enrol")

ok, login, refused, to_own, to_enrol = 200, "login", 403, "own", "enrol"
# ok: the page (or the action done, for a POST: its redirect); login: sent to log in; refused: 403;
# own: the expert's own record (another expert is shown theirs, never this one's).
MATRIX = {
    #                  pool     detail   review   spec     spec+    spec~    record   save     away     relation enrol
    "anonymous":      (login,   login,   login,   login,   login,   login,   login,   login,   login,   login,   ok),
    "bidder":         (refused, refused, refused, refused, refused, refused, refused, refused, refused, refused, ok),
    "tenderee":       (refused, refused, refused, refused, refused, refused, refused, refused, refused, refused, ok),
    "agent":          (refused, refused, refused, refused, refused, refused, refused, refused, refused, refused, ok),
    "custodian":      (refused, refused, refused, refused, refused, refused, refused, refused, refused, refused, ok),
    "supervisor":     (ok,      ok,      refused, ok,      refused, refused, refused, refused, refused, refused, ok),
    "city_staff":     (ok,      ok,      refused, ok,      refused, refused, refused, refused, refused, refused, ok),
    "province_staff": (ok,      ok,      ok,      ok,      ok,      ok,      refused, refused, refused, refused, ok),
    "other_expert":   (refused, refused, refused, refused, refused, refused, to_own,  to_own,  to_own,  to_own,  to_own),
    "the_expert":     (refused, refused, refused, refused, refused, refused, ok,      ok,      ok,      ok,      to_own),
}
assert set(MATRIX) == set(PEOPLE) and all(len(row) == len(ROUTES) for row in MATRIX.values())


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Network:
    province: object
    expert: object
    other: object
    people: dict


@pytest.fixture
def network() -> Network:
    province = province_center()
    city = CenterFactory(level=CenterLevel.CITY, parent=province, region_code="450200")
    county = CenterFactory(level=CenterLevel.COUNTY, parent=city, region_code="450223")
    expert = ExpertFactory(pool=province, status=ExpertStatus.APPROVED, user__full_name="黄志强", phone="13907710001")
    other = ExpertFactory(pool=province, user__full_name="韦丽萍")
    people = {
        "anonymous": AnonymousUser(),
        "bidder": bidder(),
        "tenderee": party(Role.TENDEREE),
        "agent": party(Role.AGENT),
        "custodian": UserFactory(role=Role.CUSTODIAN),
        "supervisor": supervisor(county),
        "city_staff": staff(city),
        "province_staff": staff(province),
        "other_expert": other.user,
        "the_expert": expert.user,
    }
    return Network(province, expert, other, people)


def request(route: str, net: Network, client: Client):
    expert = net.expert
    specialty = Specialty.objects.get(code="A0105")
    tomorrow = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    a0101 = str(Specialty.objects.get(code="A0101").pk)
    calls = {
        "pool": ("get", reverse("evaluation:pool"), None),
        "detail": ("get", reverse("evaluation:pool_expert", args=[expert.pk]), None),
        "review": ("post", reverse("evaluation:pool_review", args=[expert.pk]),
                   {"step": "suspend", "reason": "核查", "confirmed": "yes"}),
        "specialties": ("get", reverse("evaluation:specialties"), None),
        "specialty_add": ("post", reverse("evaluation:specialties"),
                          {"parent": specialty.parent_id, "code": "A0199", "name": "幕墙工程"}),
        "specialty_change": ("post", reverse("evaluation:specialty_change", args=[specialty.pk]), {"deactivate": "1"}),
        "record": ("get", reverse("evaluation:profile"), None),
        "record_save": ("post", reverse("evaluation:profile"), {
            "title": "正高级工程师", "employer_name": expert.employer_name, "employer_uscc": "",
            "employed_since": "2010-01-01", "region_code": "450103", "phone": "13907719999", "specialties": [a0101]}),
        "absence_add": ("post", reverse("evaluation:absence_add"), {"starts_on": tomorrow, "ends_on": tomorrow}),
        "relation_add": ("post", reverse("evaluation:relation_add"),
                         {"kind": "person", "name": "黄某", "note": "配偶"}),
        "enrol": ("get", reverse("evaluation:enrol"), None),
    }
    method, url, data = calls[route]
    return getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)


def cells():
    return [pytest.param(person, route, MATRIX[person][i], id=f"{person}-{route}")
            for person in PEOPLE for i, route in enumerate(ROUTES)]


@pytest.mark.parametrize("person, route, expected", cells())
def test_every_person_on_every_pool_route(network, person, route, expected):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    user = network.people[person]
    if user.is_authenticated:
        client.force_login(user)
    response = request(route, network, client)
    if expected == login:
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    elif expected == refused:
        assert response.status_code == 403
        page = response.content.decode()
        assert network.expert.id_number not in page and "13907710001" not in page
    elif expected == to_own:
        if response.status_code == 302:
            assert response.url == reverse("evaluation:profile")
            response = client.get(response.url)
        page = response.content.decode()
        own, other = (network.expert, network.other) if person == "the_expert" else (network.other, network.expert)
        # (200, or 400 where the form posted does not fit their own record: either way, their own)
        assert response.status_code in (200, 400) and own.id_number in page and other.id_number not in page
    else:
        assert response.status_code in (200, 302), response.content.decode()[:2000]
        if response.status_code == 302:  # an action done: it says where to look next, on the site
            assert response.url.startswith("/")


def test_a_reader_who_is_not_a_keeper_sees_the_id_number_and_phone_masked(client, network):
    client.force_login(network.people["city_staff"])
    page = client.get(reverse("evaluation:pool_expert", args=[network.expert.pk])).content.decode()
    assert network.expert.id_number not in page and network.expert.id_number[:6] + "********" in page
    assert "13907710001" not in page and "139****0001" in page
    client.force_login(network.people["province_staff"])
    page = client.get(reverse("evaluation:pool_expert", args=[network.expert.pk])).content.decode()
    assert network.expert.id_number in page and "13907710001" in page


def test_staff_of_another_network_do_not_find_this_pool_s_experts(client, network):
    elsewhere = staff(province_center(region_code="440000"))
    client.force_login(elsewhere)
    assert client.get(reverse("evaluation:pool_expert", args=[network.expert.pk])).status_code == 404
    assert "黄志强" not in client.get(reverse("evaluation:pool")).content.decode()


# --- the services refuse whatever the page asks ----------------------------------------------


@pytest.mark.parametrize("person", ["bidder", "tenderee", "agent", "custodian", "other_expert", "the_expert"])
def test_the_services_refuse_who_may_not_read_the_pool(network, person):
    user = network.people[person]
    with pytest.raises(PermissionDenied):
        pool_services.access_expert(user, network.expert.pk)
    with pytest.raises(PermissionDenied):
        pool_services.review_expert(actor=user, expert=network.expert, step="suspend", reason="核查")
    with pytest.raises(PermissionDenied):
        specialty_services.add_specialty(actor=user, parent=Specialty.objects.get(code="A01"), code="A0199", name="幕墙")


@pytest.mark.parametrize("person", ["supervisor", "city_staff", "province_staff"])
def test_only_the_expert_keeps_their_record(network, person):
    with pytest.raises(NotFound):
        profile_services.own_expert(network.people[person])
    assert profile_services.own_expert(network.people["the_expert"]) == network.expert
