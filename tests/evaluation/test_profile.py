"""我的专家档案: the expert keeps their own record current. A new employer moves the one before
into the earlier employers with its dates; dates away and declared relations are added and
withdrawn; each change is an audit event; a closed record (retired, rejected) cannot change."""

import datetime

import pytest
from django.urls import reverse

from evaluation import profile_services as services
from evaluation.choices import ExpertStatus, RelationKind
from evaluation.models import Specialty
from tests.evaluation.factories import AbsenceFactory, ExpertFactory
from tests.trading.factories import make_uscc
from trading.errors import NotFound, RuleViolation
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 5, 20)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def expert():
    return ExpertFactory(employer_name="广西建筑科学研究设计院", employer_uscc=make_uscc(1),
                         employed_since=datetime.date(2015, 3, 1), specialties=["A0101"], user__full_name="黄志强")


def profile(expert, **changes) -> dict:
    values = {"title": expert.title, "employer_name": expert.employer_name, "employer_uscc": expert.employer_uscc,
              "employed_since": expert.employed_since, "phone": expert.phone, "region_code": expert.region_code,
              "specialties": list(expert.specialties.all())}
    values.update(changes)
    return values


def test_a_change_of_employer_moves_the_old_one_into_the_earlier_employers(expert):
    old_uscc = expert.employer_uscc
    services.update_profile(actor=expert.user, today=TODAY, **profile(
        expert, employer_name="柳州市政设计院", employer_uscc="", employed_since=datetime.date(2026, 4, 1)))
    expert.refresh_from_db()
    assert (expert.employer_name, expert.employer_uscc, expert.employed_since) == (
        "柳州市政设计院", "", datetime.date(2026, 4, 1))
    moved = expert.employments.get()
    assert (moved.employer_name, moved.employer_uscc, moved.started_on, moved.ended_on) == (
        "广西建筑科学研究设计院", old_uscc, datetime.date(2015, 3, 1), datetime.date(2026, 3, 31))
    event = AuditEvent.objects.get(action="expert.profile_updated")
    assert event.data["employer"] == "柳州市政设计院"
    assert event.data["earlier_employers"] == ["广西建筑科学研究设计院 2015-03-01—2026-03-31"]


@pytest.mark.parametrize("change", [
    {"employer_name": "广西建筑科学研究设计院有限公司"},  # the same credit code: the company renamed
    {"employer_uscc": ""},  # the same name, its code taken off
])
def test_a_renamed_employer_or_a_corrected_code_is_the_same_employer(expert, change):
    services.update_profile(actor=expert.user, today=TODAY, **profile(expert, **change))
    assert not expert.employments.exists()
    expert.refresh_from_db()
    assert expert.employed_since == datetime.date(2015, 3, 1)


def test_a_new_employer_cannot_start_before_the_one_it_follows(expert):
    with pytest.raises(RuleViolation) as err:
        services.update_profile(actor=expert.user, today=TODAY, **profile(
            expert, employer_name="柳州市政设计院", employer_uscc=make_uscc(2), employed_since=datetime.date(2014, 1, 1)))
    assert err.value.field == "employed_since"
    assert not expert.employments.exists()


def test_other_changes_keep_the_employer_and_are_audited_field_by_field(expert):
    services.update_profile(actor=expert.user, today=TODAY, **profile(
        expert, title="正高级工程师", phone="13907719999", region_code="450203",
        specialties=list(Specialty.objects.filter(code__in=["A0101", "A0601"]))))
    expert.refresh_from_db()
    assert expert.title == "正高级工程师" and expert.region_code == "450203" and not expert.employments.exists()
    assert sorted(expert.specialties.values_list("code", flat=True)) == ["A0101", "A0601"]
    data = AuditEvent.objects.get(action="expert.profile_updated").data
    assert data["professional_title"] == "正高级工程师" and data["phone"] == "139****9999"
    assert data["specialty_codes"] == ["A0101 房屋建筑", "A0601 工程造价"] and "employer" not in data


def test_saving_without_a_change_writes_no_event(expert):
    services.update_profile(actor=expert.user, today=TODAY, **profile(expert))
    assert not AuditEvent.objects.filter(action="expert.profile_updated").exists()


def test_a_specialty_taken_out_of_use_is_kept_but_not_newly_chosen(expert):
    Specialty.objects.filter(code__in=["A0101", "A0102"]).update(active=False)
    services.update_profile(actor=expert.user, today=TODAY, **profile(expert, title="教授级高工"))  # keeps A0101
    with pytest.raises(RuleViolation) as err:
        services.update_profile(actor=expert.user, today=TODAY, **profile(
            expert, specialties=list(Specialty.objects.filter(code__in=["A0101", "A0102"]))))
    assert err.value.field == "specialties"


def test_the_profile_page_saves_and_moves_the_employer(client, expert):
    client.force_login(expert.user)
    response = client.post(reverse("evaluation:profile"), {
        "title": expert.title, "employer_name": "柳州市政设计院", "employer_uscc": "", "employed_since": "2026-01-05",
        "region_code": expert.region_code, "phone": expert.phone,
        "specialties": [str(s.pk) for s in expert.specialties.all()]})
    assert response.status_code == 302
    page = client.get(reverse("evaluation:profile")).content.decode()
    assert "广西建筑科学研究设计院" in page and "2026-01-04" in page


def test_an_invalid_profile_keeps_the_input_and_says_why(client, expert):
    client.force_login(expert.user)
    response = client.post(reverse("evaluation:profile"), {
        "title": "正高级工程师", "employer_name": expert.employer_name, "employed_since": "2015-03-01",
        "region_code": "4501", "phone": expert.phone, "specialties": []}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["region_code"] and "at least one specialty" in " ".join(form.errors["specialties"])
    assert 'value="正高级工程师"' in response.content.decode()


# --- dates away ---------------------------------------------------------------------------------


def test_time_away_is_added_and_withdrawn(expert):
    absence = services.add_absence(actor=expert.user, starts_on=TODAY + datetime.timedelta(days=3),
                                   ends_on=TODAY + datetime.timedelta(days=5), note="出差", today=TODAY)
    assert list(expert.absences.values_list("note", flat=True)) == ["出差"]
    services.remove_absence(actor=expert.user, absence_id=absence.pk, today=TODAY)
    assert not expert.absences.exists()
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", "data__away_from"))
    assert actions == [("expert.absence_added", "2026-05-23"), ("expert.absence_removed", "2026-05-23")]


@pytest.mark.parametrize("start, end, field", [(-1, 2, "starts_on"), (3, 2, "ends_on")])
def test_time_away_starts_today_or_later_and_ends_after_it_starts(expert, start, end, field):
    with pytest.raises(RuleViolation) as err:
        services.add_absence(actor=expert.user, starts_on=TODAY + datetime.timedelta(days=start),
                             ends_on=TODAY + datetime.timedelta(days=end), today=TODAY)
    assert err.value.field == field and not expert.absences.exists()


def test_overlapping_time_away_is_refused(expert):
    services.add_absence(actor=expert.user, starts_on=TODAY, ends_on=TODAY + datetime.timedelta(days=4), today=TODAY)
    with pytest.raises(RuleViolation):
        services.add_absence(actor=expert.user, starts_on=TODAY + datetime.timedelta(days=4),
                             ends_on=TODAY + datetime.timedelta(days=6), today=TODAY)


def test_time_away_that_has_passed_stays_on_record(expert):
    past = AbsenceFactory(expert=expert, starts_on=TODAY - datetime.timedelta(days=9),
                          ends_on=TODAY - datetime.timedelta(days=8))
    with pytest.raises(RuleViolation):
        services.remove_absence(actor=expert.user, absence_id=past.pk, today=TODAY)


def test_an_expert_cannot_withdraw_another_s_time_away(expert):
    theirs = AbsenceFactory(starts_on=TODAY + datetime.timedelta(days=1), ends_on=TODAY + datetime.timedelta(days=1))
    with pytest.raises(NotFound):
        services.remove_absence(actor=expert.user, absence_id=theirs.pk, today=TODAY)
    assert theirs.__class__.objects.filter(pk=theirs.pk).exists()


def test_the_absence_form_says_why_beside_the_field(client, expert):
    client.force_login(expert.user)
    response = client.post(reverse("evaluation:absence_add"), {"starts_on": "2001-01-01", "ends_on": "2001-01-02"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "cannot start in the past" in " ".join(
        response.context["absence_form"].errors["starts_on"])


# --- declared relations -------------------------------------------------------------------------


def test_a_company_and_a_person_are_declared_and_withdrawn(expert):
    code = make_uscc(77)
    company = services.declare_relation(actor=expert.user, kind=RelationKind.COMPANY, name="广西邕江建设工程有限公司",
                                        uscc=code.lower(), note="配偶任职")
    person = services.declare_relation(actor=expert.user, kind=RelationKind.PERSON, name="黄建明", uscc="ignored",
                                       note="兄弟")
    assert (company.uscc, person.uscc) == (code, "")
    services.withdraw_relation(actor=expert.user, relation_id=company.pk)
    assert list(expert.relations.values_list("name", flat=True)) == ["黄建明"]
    events = list(AuditEvent.objects.order_by("seq").values_list("action", "data__related_name"))
    assert events == [("expert.relation_declared", "广西邕江建设工程有限公司"), ("expert.relation_declared", "黄建明"),
                      ("expert.relation_withdrawn", "广西邕江建设工程有限公司")]


@pytest.mark.parametrize("kind, name, uscc, note, field", [
    (RelationKind.COMPANY, "某公司", "", "配偶任职", "uscc"),
    (RelationKind.COMPANY, "某公司", "91450100MA5L0000X1", "配偶任职", "uscc"),
    (RelationKind.PERSON, "", "", "兄弟", "name"),
    (RelationKind.PERSON, "黄建明", "", "", "note"),
])
def test_a_relation_needs_its_name_its_code_for_a_company_and_the_relation(expert, kind, name, uscc, note, field):
    with pytest.raises(RuleViolation) as err:
        services.declare_relation(actor=expert.user, kind=kind, name=name, uscc=uscc, note=note)
    assert err.value.field == field and not expert.relations.exists()


def test_the_same_company_is_declared_once(expert):
    code = make_uscc(78)
    services.declare_relation(actor=expert.user, kind=RelationKind.COMPANY, name="某公司", uscc=code, note="股东")
    with pytest.raises(RuleViolation):
        services.declare_relation(actor=expert.user, kind=RelationKind.COMPANY, name="某公司（简称）", uscc=code,
                                  note="股东")


def test_the_relation_form_asks_a_company_s_credit_code(client, expert):
    client.force_login(expert.user)
    response = client.post(reverse("evaluation:relation_add"), {"kind": "company", "name": "某公司", "note": "股东"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and response.context["relation_form"].errors["uscc"]
    assert 'value="某公司"' in response.content.decode()


# --- a closed record ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [ExpertStatus.RETIRED, ExpertStatus.REJECTED])
def test_a_closed_record_cannot_change_and_its_page_offers_no_form(client, status):
    expert = ExpertFactory(status=status, status_reason="本人申请退出")
    with pytest.raises(RuleViolation):
        services.add_absence(actor=expert.user, starts_on=TODAY, ends_on=TODAY, today=TODAY)
    client.force_login(expert.user)
    page = client.get(reverse("evaluation:profile")).content.decode()
    assert 'id="profile-form"' not in page and 'id="absence-form"' not in page and "本人申请退出" in page


def test_a_suspended_expert_still_keeps_their_record(expert):
    expert.status = ExpertStatus.SUSPENDED
    expert.save()
    services.add_absence(actor=expert.user, starts_on=TODAY, ends_on=TODAY, today=TODAY)
    assert expert.absences.count() == 1
