"""The pool's keepers review experts: approve, reject, suspend, reinstate, retire, each with its
reason where one is owed, by the one transition table; a wrong step is refused and nothing changes;
each step is an audit event and the expert reads the status and reason on their own record."""

import pytest
from django.urls import reverse

from evaluation import pool_services
from evaluation.choices import ExpertStatus as S
from evaluation.review_steps import STEPS
from tests.evaluation.factories import ExpertFactory, province_center
from tests.trading.factories import CenterFactory, staff
from trading.choices import CenterLevel
from trading.errors import PermissionDenied, RuleViolation
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db

ALLOWED = {
    (S.PENDING, "approve"): S.APPROVED,
    (S.PENDING, "reject"): S.REJECTED,
    (S.APPROVED, "suspend"): S.SUSPENDED,
    (S.APPROVED, "retire"): S.RETIRED,
    (S.SUSPENDED, "reinstate"): S.APPROVED,
    (S.SUSPENDED, "retire"): S.RETIRED,
}
EVENTS = {"approve": "expert.approved", "reject": "expert.rejected", "suspend": "expert.suspended",
          "reinstate": "expert.reinstated", "retire": "expert.retired"}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def province():
    return province_center()


@pytest.fixture
def keeper(province):
    return staff(province, username="staff.gx")


def test_the_table_is_the_one_the_pool_keeps():
    table = {(source, name): step.target for name, step in STEPS.items() for source in step.sources}
    assert table == ALLOWED
    assert {name for name, step in STEPS.items() if step.needs_reason} == {"reject", "suspend", "retire"}
    assert {name for name, step in STEPS.items() if step.weighty} == {"reject", "suspend", "retire"}


@pytest.mark.parametrize("source, step", list(ALLOWED), ids=[f"{s}-{n}" for s, n in ALLOWED])
def test_each_allowed_step_changes_the_status_keeps_the_reason_and_is_audited(province, keeper, source, step):
    expert = ExpertFactory(pool=province, status=source, user__full_name="韦丽萍")
    done = pool_services.review_expert(actor=keeper, expert=expert, step=step, reason="年度考核结论")
    expert.refresh_from_db()
    assert expert.status == done.status == ALLOWED[(source, step)]
    assert expert.status_reason == "年度考核结论" and expert.status_changed_at is not None
    event = AuditEvent.objects.get(action=EVENTS[step])
    assert event.actor_id == keeper.pk and event.object_id == str(expert.pk)
    assert event.data == {"expert_name": "韦丽萍", "status_before": source, "expert_status": expert.status,
                          "reason": "年度考核结论"}


WRONG = [(source, name) for source in S.values for name in STEPS if (source, name) not in ALLOWED]


@pytest.mark.parametrize("source, step", WRONG, ids=[f"{s}-{n}" for s, n in WRONG])
def test_a_step_not_in_the_table_is_refused_and_nothing_changes(province, keeper, source, step):
    expert = ExpertFactory(pool=province, status=source)
    with pytest.raises(RuleViolation):
        pool_services.review_expert(actor=keeper, expert=expert, step=step, reason="理由")
    expert.refresh_from_db()
    assert expert.status == source and not AuditEvent.objects.filter(action__startswith="expert.").exists()


@pytest.mark.parametrize("step, source", [("reject", S.PENDING), ("suspend", S.APPROVED), ("retire", S.SUSPENDED)])
def test_a_weighty_step_without_a_reason_is_refused(province, keeper, step, source):
    expert = ExpertFactory(pool=province, status=source)
    with pytest.raises(RuleViolation) as err:
        pool_services.review_expert(actor=keeper, expert=expert, step=step, reason="  ")
    assert err.value.field == "reason"
    expert.refresh_from_db()
    assert expert.status == source


def test_approving_and_reinstating_need_no_reason(province, keeper):
    expert = ExpertFactory(pool=province, status=S.PENDING)
    assert pool_services.review_expert(actor=keeper, expert=expert, step="approve").status == S.APPROVED


def test_staff_of_a_city_below_and_of_another_province_may_not_review(province):
    expert = ExpertFactory(pool=province, status=S.PENDING)
    city_staff = staff(CenterFactory(level=CenterLevel.CITY, parent=province))
    other_keeper = staff(province_center(region_code="440000"))
    for person in (city_staff, other_keeper):
        with pytest.raises(PermissionDenied):
            pool_services.review_expert(actor=person, expert=expert, step="approve")
    expert.refresh_from_db()
    assert expert.status == S.PENDING


# --- through the pages ---------------------------------------------------------------------


def test_the_detail_page_offers_the_steps_of_the_status_only(client, province, keeper):
    expert = ExpertFactory(pool=province, status=S.APPROVED)
    client.force_login(keeper)
    page = client.get(reverse("evaluation:pool_expert", args=[expert.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="step-suspend"' in page and 'id="step-retire"' in page
    assert 'id="step-approve"' not in page and 'id="step-reinstate"' not in page
    assert 'data-confirm="Suspend: ' in page  # the site's dialog asks before a weighty step


def test_a_weighty_step_asks_once_more_without_script_then_is_taken(client, province, keeper):
    expert = ExpertFactory(pool=province, status=S.APPROVED, user__full_name="覃建华")
    client.force_login(keeper)
    url = reverse("evaluation:pool_review", args=[expert.pk])
    asked = client.post(url, {"step": "suspend", "reason": "无正当理由拒不参加评标"}, HTTP_ACCEPT_LANGUAGE="en")
    assert asked.status_code == 200 and 'name="confirmed" value="yes"' in asked.content.decode()
    assert "无正当理由拒不参加评标" in asked.content.decode() and "覃建华" in asked.content.decode()
    expert.refresh_from_db()
    assert expert.status == S.APPROVED
    done = client.post(url, {"step": "suspend", "reason": "无正当理由拒不参加评标", "confirmed": "yes"})
    assert done.status_code == 302
    expert.refresh_from_db()
    assert expert.status == S.SUSPENDED and expert.status_reason == "无正当理由拒不参加评标"


def test_a_missing_reason_is_said_beside_the_step_and_asks_nothing(client, province, keeper):
    expert = ExpertFactory(pool=province, status=S.PENDING)
    client.force_login(keeper)
    response = client.post(reverse("evaluation:pool_review", args=[expert.pk]), {"step": "reject", "reason": ""},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Give the reason" in response.content.decode() and 'name="confirmed"' not in response.content.decode()


def test_approving_from_the_page_needs_no_confirmation(client, province, keeper):
    expert = ExpertFactory(pool=province, status=S.PENDING)
    client.force_login(keeper)
    response = client.post(reverse("evaluation:pool_review", args=[expert.pk]), {"step": "approve", "reason": ""})
    assert response.status_code == 302
    expert.refresh_from_db()
    assert expert.status == S.APPROVED


@pytest.mark.parametrize("status, words", [(S.SUSPENDED, "You are suspended"), (S.RETIRED, "You have left the pool"),
                                           (S.REJECTED, "was not admitted")])
def test_the_expert_reads_their_status_and_its_reason(client, province, keeper, status, words):
    expert = ExpertFactory(pool=province, status=S.APPROVED if status != S.REJECTED else S.PENDING)
    step = {S.SUSPENDED: "suspend", S.RETIRED: "retire", S.REJECTED: "reject"}[status]
    pool_services.review_expert(actor=keeper, expert=expert, step=step, reason="连续两次评标质量不合格")
    client.force_login(expert.user)
    page = client.get(reverse("evaluation:profile"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert words in page and "连续两次评标质量不合格" in page


def test_the_keepers_find_the_pending_applications_on_their_workspace(client, province, keeper):
    waiting = ExpertFactory(pool=province, status=S.PENDING, user__full_name="陆海燕")
    ExpertFactory(pool=province, status=S.APPROVED, user__full_name="梁国栋")
    client.force_login(keeper)
    page = client.get("/work/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="expert-applications"' in page and "陆海燕" in page and "梁国栋" not in page
    assert reverse("evaluation:pool_expert", args=[waiting.pk]) in page
    city_staff = staff(CenterFactory(level=CenterLevel.CITY, parent=province))
    client.force_login(city_staff)
    assert 'id="expert-applications"' not in client.get("/work/").content.decode()
