"""The evaluation factories make valid experts: what every evaluation test starts from."""

import pytest

from evaluation import idcard
from evaluation.choices import ExpertStatus
from tests.evaluation.factories import ExpertFactory, RelationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_an_expert_from_the_factory_is_approved_valid_and_has_a_specialty():
    expert = ExpertFactory(user__full_name="张三", specialties=["A0201", "A0301"], region_code="450200")
    expert.full_clean()
    assert idcard.check(expert.id_number) == expert.id_number
    assert expert.status == ExpertStatus.APPROVED and expert.user.role == "expert"
    assert sorted(expert.specialties.values_list("code", flat=True)) == ["A0201", "A0301"]
    assert str(expert) == "张三"


def test_many_experts_have_different_id_numbers():
    numbers = {ExpertFactory().id_number for _ in range(5)}
    assert len(numbers) == 5


def test_a_declared_company_relation_is_valid():
    RelationFactory().full_clean()
