"""Factories for the trading floor's objects (factory_boy), the ones every test needs.

Centers, organizations, users, projects, lots, tender documents, and the people around one tender
(`cast`). Valid USCCs are generated with their real check characters, so they pass the same
validation a bidder's code does. Bids are in tests/bidding/factories.py."""

import hashlib
import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.utils import timezone

from trading import uscc
from trading.choices import Category, CenterLevel, EvaluationMethod, LotState, Role
from trading.models import Center, Document, Lot, Organization, Project, User

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


def tenderee_organization(**kw) -> Organization:
    """An organization acting as tenderee (it has a tenderee's account): one a project may name."""
    return party(Role.TENDEREE, OrganizationFactory(**kw)).organization


def agent_organization(**kw) -> Organization:
    """An organization acting as tendering agent (it has an agent's account)."""
    return party(Role.AGENT, OrganizationFactory(**kw)).organization


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


# --- documents, and the people around one tender (lifecycle and permission tests) -------------


def document(project, *, title="招标文件", content=b"%PDF-1.7 tender documents", uploaded_by=None, notice=None) -> Document:
    """A tender document stored as the upload service stores it (digest and size included)."""
    doc = Document(project=project, notice=notice, title=title, sha256=hashlib.sha256(content).hexdigest(),
                   size=len(content), uploaded_by=uploaded_by or project.created_by)
    doc.file.save(f"{title}.pdf", ContentFile(content), save=False)
    doc.save()
    return doc


# How each person stands to one tender. The permission matrix is written against these names.
RELATIONS = (
    "center_staff",          # staff of the project's own trading center
    "other_center_staff",    # staff of another (sibling) center
    "city_supervisor",       # supervisor at the project's own (city) center
    "province_supervisor",   # supervisor at the province center above it
    "unrelated_supervisor",  # supervisor of a sibling center: not over this project
    "tenderee",              # the project's tenderee
    "agent",                 # the project's agent
    "other_tenderee",        # tenderee of another project
    "other_agent",           # agent of another project
    "bidder",
    "expert",
    "custodian",
    "anonymous",             # the public, not logged in
)


@dataclass
class Cast:
    """A province center with two cities; a project at the first city; one person per relation."""

    province: Center
    city: Center
    other_city: Center
    project: Project
    other_project: Project
    people: dict = field(default_factory=dict)

    def __getitem__(self, relation):
        return self.people[relation]


def cast(**project_fields) -> Cast:
    province = CenterFactory(level=CenterLevel.PROVINCE, region_code="450000")
    city = CenterFactory(level=CenterLevel.CITY, parent=province, region_code="450100")
    other_city = CenterFactory(level=CenterLevel.CITY, parent=province, region_code="450200")
    project = ProjectFactory(center=city, **project_fields)
    other_project = ProjectFactory(center=other_city, region_code="450200")
    people = {
        "center_staff": project.created_by,
        "other_center_staff": other_project.created_by,
        "city_supervisor": supervisor(city),
        "province_supervisor": supervisor(province),
        "unrelated_supervisor": supervisor(other_city),
        "tenderee": party(Role.TENDEREE, project.tenderee),
        "agent": party(Role.AGENT, project.agent),
        "other_tenderee": party(Role.TENDEREE, other_project.tenderee),
        "other_agent": party(Role.AGENT, other_project.agent),
        "bidder": bidder(),
        "expert": UserFactory(role=Role.EXPERT),
        "custodian": UserFactory(role=Role.CUSTODIAN),
        "anonymous": AnonymousUser(),
    }
    return Cast(province, city, other_city, project, other_project, people)
