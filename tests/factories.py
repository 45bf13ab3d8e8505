"""Factories for the objects every test needs (factory_boy). Valid USCCs are generated with
their real check characters, so they pass the same validation a bidder's code does."""

import itertools
from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from trading import uscc
from trading.choices import Category, CenterLevel, EvaluationMethod, LotState, Role
from trading.models import Center, Lot, Organization, Project, User

_serial = itertools.count(1)


def make_uscc(n: int | None = None, region: str = "450100") -> str:
    """A valid code: authority 9 (market regulation), type 1 (enterprise)."""
    n = next(_serial) if n is None else n
    body8 = f"{n:08d}"
    org = body8 + uscc.org_code_check_character(body8)
    first17 = "91" + region + org
    return first17 + uscc.check_character(first17)


class CenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Center

    name = factory.Sequence(lambda n: f"测试交易中心{n}")
    code = factory.Sequence(lambda n: f"center-{n}")
    level = CenterLevel.CITY
    region_code = "450100"
    parent = None


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试公司{n}有限公司")
    uscc = factory.LazyFunction(make_uscc)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.STAFF
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def staff(center=None, **kw):
    return UserFactory(role=Role.STAFF, center=center or CenterFactory(), **kw)


def supervisor(center=None, **kw):
    return UserFactory(role=Role.SUPERVISOR, center=center or CenterFactory(), **kw)


def party(role, organization=None, **kw):
    return UserFactory(role=role, organization=organization or OrganizationFactory(), **kw)


def bidder(organization=None, **kw):
    return party(Role.BIDDER, organization, **kw)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    center = factory.SubFactory(CenterFactory)
    code = factory.Sequence(lambda n: f"GXTEST-2026-{n:04d}")
    name = factory.Sequence(lambda n: f"测试项目{n}")
    category = Category.WORKS
    region_code = "450100"
    tenderee = factory.SubFactory(OrganizationFactory)
    agent = factory.SubFactory(OrganizationFactory)
    created_by = factory.LazyAttribute(lambda o: staff(o.center))


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    project = factory.SubFactory(ProjectFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"第{n + 1}标段")
    budget = Decimal("1000000.00")
    ceiling_price = Decimal("950000.00")
    bid_security = Decimal("10000.00")
    evaluation_method = EvaluationMethod.COMPREHENSIVE
    state = LotState.DRAFT


def published_lot(*, deadline_in=timedelta(days=25), **kw) -> Lot:
    """A lot whose tender is published, with its deadline `deadline_in` from now (server clock)."""
    lot = LotFactory(state=LotState.PUBLISHED, **kw)
    project = lot.project
    project.bid_deadline = timezone.now() + deadline_in
    project.documents_published_at = timezone.now() - timedelta(days=1)
    project.save()
    return lot
