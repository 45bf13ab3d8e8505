"""Factories for the evaluation floor's pool (factory_boy): experts with valid ID numbers.

ExpertFactory() is an approved expert of a province center's pool, with an expert account, a
valid identity card number (GB 11643 check character), one specialty (A0101 房屋建筑) unless
`specialties=[...]` (Specialty objects or codes) is given. For example:

    ExpertFactory(user__full_name="张三", specialties=["A0201"], region_code="450200",
                  pool=province, status=ExpertStatus.PENDING)
"""

import itertools

import factory

from evaluation import idcard
from evaluation.choices import ExpertStatus
from evaluation.models import Absence, Employment, Expert, Relation, Specialty
from tests.trading.factories import CenterFactory, UserFactory, make_uscc
from trading.choices import CenterLevel, Role

_serial = itertools.count(1)


def make_id_number(n: int | None = None, region: str = "450103", born: str = "19700101") -> str:
    """A valid 18-character identity card number: region, date of birth, order number, check."""
    n = next(_serial) if n is None else n
    first17 = f"{region}{born}{n % 1000:03d}"
    return first17 + idcard.check_character(first17)


def _unique_id_number(_obj) -> str:
    n = next(_serial)
    # Order numbers run 000-999 per birth date: the date moves on every thousand experts.
    return make_id_number(n, born=f"19{50 + (n // 1000) % 40:02d}0101")


def province_center(**kw):
    return CenterFactory(level=CenterLevel.PROVINCE, region_code=kw.pop("region_code", "450000"), **kw)


def specialty(code: str) -> Specialty:
    return Specialty.objects.get(code=code)


class ExpertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expert
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=Role.EXPERT)
    pool = factory.LazyFunction(province_center)
    id_number = factory.LazyAttribute(_unique_id_number)
    title = "高级工程师"
    employer_name = factory.Sequence(lambda n: f"测试设计院{n}")
    employer_uscc = ""
    region_code = "450100"
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    status = ExpertStatus.APPROVED

    @factory.post_generation
    def specialties(obj, create, extracted, **kwargs):
        if not create:
            return
        wanted = extracted if extracted is not None else ["A0101"]
        obj.specialties.set([s if isinstance(s, Specialty) else specialty(s) for s in wanted])


class EmploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employment

    expert = factory.SubFactory(ExpertFactory)
    employer_name = factory.Sequence(lambda n: f"原单位{n}")
    employer_uscc = ""
    started_on = factory.Faker("date_between", start_date="-10y", end_date="-6y")
    ended_on = factory.Faker("date_between", start_date="-5y", end_date="-1y")


class AbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Absence

    expert = factory.SubFactory(ExpertFactory)
    starts_on = factory.Faker("date_between", start_date="+1d", end_date="+10d")
    ends_on = factory.LazyAttribute(lambda o: o.starts_on)


class RelationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Relation

    expert = factory.SubFactory(ExpertFactory)
    kind = "company"
    name = factory.Sequence(lambda n: f"关联公司{n}")
    uscc = factory.LazyFunction(make_uscc)
    note = "亲属任职"


def ensure_specialty_list() -> None:
    """The shipped specialty list, loaded again if a transactional test before this one flushed
    the database (the list comes with a migration, and a flush takes it away)."""
    from evaluation.specialty_list import ensure_loaded

    ensure_loaded()
