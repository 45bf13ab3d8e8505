"""专家注册: a person creates an expert account and applies to the province pool in one go,
through the page; each wrong field is said beside it and nothing typed is lost."""

import datetime

import pytest
from django.urls import reverse

from evaluation.choices import ExpertStatus
from evaluation.models import Expert
from tests.evaluation.factories import ExpertFactory, make_id_number, province_center
from tests.trading.factories import CenterFactory, UserFactory, make_uscc, staff
from trading.choices import CenterLevel, Role
from trading.models import AuditEvent, User

pytestmark = pytest.mark.django_db

URL = "/experts/enrol/"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client(client):
    """Pages in English: the words checked below are the interface's own, whatever the catalog."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def province():
    return province_center(name="广西壮族自治区公共资源交易中心")


def posted(province, **changes) -> dict:
    data = {
        "full_name": "黄志强", "email": "huang@example.cn", "username": "huang.zq",
        "password": "correct-horse-battery", "password_again": "correct-horse-battery",
        "id_number": "11010519491231002X", "pool": str(province.pk),
        "title": "高级工程师", "employer_name": "广西建筑科学研究设计院", "employer_uscc": make_uscc(),
        "employed_since": "2015-03-01", "region_code": "450103", "phone": "13907710001",
        "specialties": [str(pk) for pk in codes_to_pks("A0101", "A0601")],
        "employments-TOTAL_FORMS": "1", "employments-INITIAL_FORMS": "0",
        "employments-0-employer_name": "南宁市政设计院", "employments-0-employer_uscc": "",
        "employments-0-started_on": "2008-07-01", "employments-0-ended_on": "2015-02-28",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def codes_to_pks(*codes):
    from evaluation.models import Specialty

    return list(Specialty.objects.filter(code__in=codes).values_list("pk", flat=True))


def test_the_page_offers_the_only_province_pool_preselected_and_the_grouped_specialties(client, province):
    CenterFactory(level=CenterLevel.CITY, parent=province)
    page = client.get(URL).content.decode()
    assert f'<option value="{province.pk}" selected>' in page
    assert "A01 Building works" in page and "A0101 Housing and buildings" in page
    assert "Expert registration" in page


def test_a_person_enrols_and_waits_for_review(client, province):
    response = client.post(URL, posted(province))
    assert response.status_code == 302 and response.url == reverse("evaluation:profile")
    expert = Expert.objects.get(id_number="11010519491231002X")
    user = expert.user
    assert (user.username, user.role, user.full_name, user.email) == ("huang.zq", Role.EXPERT, "黄志强", "huang@example.cn")
    assert user.check_password("correct-horse-battery")
    assert expert.status == ExpertStatus.PENDING and expert.pool == province
    assert sorted(expert.specialties.values_list("code", flat=True)) == ["A0101", "A0601"]
    assert list(expert.employments.values_list("employer_name", "started_on", "ended_on")) == [
        ("南宁市政设计院", datetime.date(2008, 7, 1), datetime.date(2015, 2, 28))]
    event = AuditEvent.objects.get(action="expert.enrolled")
    assert event.actor_id == user.pk and event.object_id == str(expert.pk)
    assert event.data["id_number"] == "110105********002X"  # the trail keeps no full ID number
    # logged in, on their own record
    page = client.get(response.url).content.decode()
    assert "Awaiting review" in page and "Your application waits for the review" in page


@pytest.mark.parametrize("field, value, words", [
    ("id_number", "110105194912310021", "check character"),
    ("id_number", "1101051949", "has 10"),
    ("region_code", "45010", "6"),
    ("region_code", "45A103", "6 digits"),
    ("employer_uscc", "91450100MA5L0000X1", None),
    ("specialties", [], "at least one specialty"),
    ("password_again", "something-else-entirely", None),
    ("email", "not-an-address", None),
    ("employed_since", "2999-01-01", None),
    ("employments-0-ended_on", "2001-01-01", None),
])
def test_each_invalid_field_is_said_beside_it_and_the_input_is_kept(client, province, field, value, words):
    response = client.post(URL, posted(province, **{field: value}))
    assert response.status_code == 200
    assert not Expert.objects.exists() and not User.objects.filter(username="huang.zq").exists()
    page = response.content.decode()
    form = response.context["form"]
    errors = (form.errors.get(field) if field in form.fields
              else response.context["employments"].forms[0].errors.get(field.split("-")[-1]))
    assert errors, f"no error beside {field}"
    if words:
        assert words in " ".join(errors)
    assert 'value="广西建筑科学研究设计院"' in page and 'value="黄志强"' in page  # what was typed is still there
    assert 'value="南宁市政设计院"' in page


def test_a_duplicate_id_number_is_refused_beside_the_field(client, province):
    ExpertFactory(id_number="11010519491231002X", pool=province)
    response = client.post(URL, posted(province))
    assert response.status_code == 200
    assert "already applied" in " ".join(response.context["form"].errors["id_number"])
    assert not User.objects.filter(username="huang.zq").exists()


def test_a_taken_user_name_is_refused_beside_the_field(client, province):
    UserFactory(username="huang.zq", role=Role.EXPERT)
    response = client.post(URL, posted(province))
    assert response.context["form"].errors["username"]
    assert not Expert.objects.exists()


def test_a_city_center_is_not_a_pool(client, province):
    city = CenterFactory(level=CenterLevel.CITY, parent=province)
    response = client.post(URL, posted(province, pool=str(city.pk)))
    assert response.context["form"].errors["pool"]


def test_adding_an_employer_row_without_script_keeps_everything_and_judges_nothing(client, province):
    response = client.post(URL, posted(province, add_employment="1", id_number="bad"))
    assert response.status_code == 200 and not response.context["form"].errors
    assert response.context["employments"].total_form_count() == 2
    assert 'value="南宁市政设计院"' in response.content.decode()


def test_an_expert_account_made_before_applies_without_a_second_account(client, province):
    user = UserFactory(role=Role.EXPERT, username="expert.07")
    client.force_login(user)
    page = client.get(URL).content.decode()
    assert 'name="username"' not in page and 'name="id_number"' in page
    response = client.post(URL, posted(province, id_number=make_id_number(7)))
    assert response.status_code == 302
    assert Expert.objects.get(user=user).status == ExpertStatus.PENDING


def test_another_role_is_told_to_log_out_first(client, province):
    client.force_login(staff(province))
    response = client.get(URL)
    assert 'name="id_number"' not in response.content.decode() and response.context["other_account"]


def test_visitors_find_expert_registration_beside_bidder_registration(client, province):
    page = client.get("/").content.decode()
    assert 'href="/register/"' in page and f'href="{URL}">Expert registration<' in page


def test_the_id_number_s_faults_are_said_in_chinese_on_the_chinese_page(client, province):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    response = client.post(URL, posted(province, id_number="110105194912310021"))
    assert "校验码" in " ".join(response.context["form"].errors["id_number"])
    assert "A0101 房屋建筑" in response.content.decode()  # the list's own Chinese names
