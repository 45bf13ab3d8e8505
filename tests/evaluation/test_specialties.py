"""The specialty list kept by the province center's staff: a code added under its field, renamed,
taken out of use and back; never deleted; each change audited."""

import pytest
from django.urls import reverse

from evaluation import specialty_services as services
from evaluation.models import Specialty
from tests.evaluation.factories import ExpertFactory, province_center
from tests.trading.factories import CenterFactory, staff
from trading.choices import CenterLevel
from trading.errors import PermissionDenied, RuleViolation
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def keeper():
    return staff(province_center())


def a01():
    return Specialty.objects.get(code="A01")


def test_the_list_ships_two_levels_each_code_extending_its_parent_s():
    for s in Specialty.objects.filter(parent__isnull=False).select_related("parent"):
        assert s.code.startswith(s.parent.code) and len(s.code) == len(s.parent.code) + 2
    assert Specialty.objects.get(code="A0101").name == "房屋建筑"


def test_a_keeper_adds_a_code_under_a_field(keeper):
    added = services.add_specialty(actor=keeper, parent=a01(), code="a0106", name="幕墙工程", name_en="Curtain walls")
    assert (added.code, added.parent, added.active) == ("A0106", a01(), True)
    event = AuditEvent.objects.get(action="specialty.added")
    assert event.data == {"specialty_code": "A0106", "specialty_name": "幕墙工程", "specialty_name_en": "Curtain walls",
                          "parent_code": "A01"}


@pytest.mark.parametrize("code", ["A0201", "A016", "A01060", "B0106", "A01XY"])
def test_a_code_must_be_its_field_s_code_and_two_digits(keeper, code):
    with pytest.raises(RuleViolation) as err:
        services.add_specialty(actor=keeper, parent=a01(), code=code, name="幕墙工程")
    assert err.value.field == "code"


def test_a_taken_code_or_a_second_level_parent_is_refused(keeper):
    with pytest.raises(RuleViolation) as err:
        services.add_specialty(actor=keeper, parent=a01(), code="A0101", name="房屋建筑二")
    assert err.value.field == "code"
    with pytest.raises(RuleViolation) as err:
        services.add_specialty(actor=keeper, parent=Specialty.objects.get(code="A0101"), code="A010101", name="住宅")
    assert err.value.field == "parent"


def test_the_next_free_code_is_suggested(keeper):
    with pytest.raises(RuleViolation) as err:
        services.add_specialty(actor=keeper, parent=a01(), code="A0999", name="幕墙工程")
    assert "A0106" in str(err.value.message)


def test_rename_deactivate_and_reactivate_are_audited_and_the_experts_keep_it(keeper):
    specialty = Specialty.objects.get(code="A0104")
    expert = ExpertFactory(specialties=["A0104"])
    services.change_specialty(actor=keeper, specialty=specialty, name="钢结构工程", name_en="Steel structure works")
    services.change_specialty(actor=keeper, specialty=specialty, active=False)
    specialty.refresh_from_db()
    assert (specialty.name, specialty.active) == ("钢结构工程", False)
    assert list(expert.specialties.values_list("code", flat=True)) == ["A0104"]  # never taken from anyone
    services.change_specialty(actor=keeper, specialty=specialty, active=True)
    changes = list(AuditEvent.objects.filter(action="specialty.changed").order_by("seq").values_list("data", flat=True))
    assert changes[0]["name_before"] == "钢结构" and changes[0]["specialty_name"] == "钢结构工程"
    assert [c.get("specialty_in_use") for c in changes] == [None, False, True]


def test_a_specialty_cannot_come_back_into_use_while_its_field_is_out(keeper):
    services.change_specialty(actor=keeper, specialty=a01(), active=False)
    child = Specialty.objects.get(code="A0102")
    services.change_specialty(actor=keeper, specialty=child, active=False)
    with pytest.raises(RuleViolation):
        services.change_specialty(actor=keeper, specialty=child, active=True)


def test_a_code_out_of_use_is_not_offered_to_enrol(client, keeper):
    province_center()
    services.change_specialty(actor=keeper, specialty=Specialty.objects.get(code="A0104"), active=False)
    page = client.get(reverse("evaluation:enrol")).content.decode()
    assert "A0104" not in page and "A0103" in page


def test_nothing_deletes_a_specialty():
    assert not any("delete" in name for name in dir(services))


def test_city_staff_read_the_list_and_may_not_change_it(client, keeper):
    city_staff = staff(CenterFactory(level=CenterLevel.CITY, parent=keeper.center))
    with pytest.raises(PermissionDenied):
        services.add_specialty(actor=city_staff, parent=a01(), code="A0106", name="幕墙工程")
    client.force_login(city_staff)
    page = client.get(reverse("evaluation:specialties")).content.decode()
    assert "A0101" in page and 'id="add-specialty"' not in page and 'name="deactivate"' not in page


def test_the_page_adds_and_says_a_wrong_code_beside_the_field(client, keeper):
    client.force_login(keeper)
    url = reverse("evaluation:specialties")
    wrong = client.post(url, {"parent": a01().pk, "code": "B0101", "name": "幕墙工程"}, HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 400 and wrong.context["add_form"].errors["code"]
    assert 'value="幕墙工程"' in wrong.content.decode()
    assert client.post(url, {"parent": a01().pk, "code": "A0106", "name": "幕墙工程"}).status_code == 302
    assert Specialty.objects.filter(code="A0106", parent=a01()).exists()
    change = reverse("evaluation:specialty_change", args=[Specialty.objects.get(code="A0106").pk])
    assert client.post(change, {"deactivate": "1"}).status_code == 302
    assert not Specialty.objects.get(code="A0106").active
    pk = Specialty.objects.get(code="A0106").pk
    assert client.post(change, {"rename": "1", f"s{pk}-name": "建筑幕墙", f"s{pk}-name_en": ""}).status_code == 302
    assert Specialty.objects.get(code="A0106").name == "建筑幕墙"
