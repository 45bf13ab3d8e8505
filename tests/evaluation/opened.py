"""An opened lot in evaluation, its bidders, and a pool to draw its committee from (service tests)."""

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from bidding.choices import HallState, OpeningStatus
from bidding.models import BidOpening, OpeningHall
from evaluation.choices import ExpertStatus
from evaluation.idcard import check_character
from evaluation.models import Expert, Specialty
from tests.bidding.factories import BidFactory
from tests.evaluation.factories import ensure_specialty_list
from tests.trading.factories import LotFactory, OrganizationFactory, cast, staff
from trading.choices import LotState, Role
from trading.models import User

_serial = itertools.count(1)


def id_number(n: int, region: str = "450102") -> str:
    first17 = f"{region}{1950 + n // 1000 % 50}0101{n % 1000:03d}"
    return first17 + check_character(first17)


def expert(pool, *codes, region="450102", status=ExpertStatus.APPROVED, employer=None, **kw) -> Expert:
    n = next(_serial)
    # No password: hashing one (PBKDF2) per expert would make a pool of hundreds slow to build.
    user = User.objects.create(role=Role.EXPERT, username=f"expert-t{n}", full_name=f"专家{n}号")
    one = Expert.objects.create(
        user=user, pool=pool, id_number=id_number(n), title="高级工程师", region_code=region, phone=f"1390000{n:04d}",
        employer_name=employer.name if employer else f"某设计院{n}", employer_uscc=employer.uscc if employer else "",
        status=status, **kw)
    one.specialties.set(Specialty.objects.filter(code__in=codes or ("A0101",)))
    return one


@dataclass
class Opened:
    """A lot of a city center's project, opened with three bidders, in evaluation; its staff."""

    lot: object
    staff: object
    bidders: list
    people: object
    province: object
    experts: list = field(default_factory=list)

    def pool(self, n, *codes, region="450102", **kw):
        made = [expert(self.province, *codes, region=region, **kw) for _ in range(n)]
        self.experts.extend(made)
        return made


def opened_lot(*, category="works", budget=None, bidders=3) -> Opened:
    ensure_specialty_list()
    people = cast(category=category)
    lot_kw = {"budget": budget, "ceiling_price": None} if budget else {}
    lot = LotFactory(project=people.project, state=LotState.EVALUATION, **lot_kw)
    project = lot.project
    project.bid_deadline = timezone.now() - timedelta(hours=3)
    project.documents_published_at = timezone.now() - timedelta(days=25)
    project.save()
    hall = OpeningHall.objects.create(lot=lot, state=HallState.ENDED)
    orgs = [OrganizationFactory() for _ in range(bidders)]
    for order, org in enumerate(orgs, 1):
        bid = BidFactory(lot=lot, organization=org)
        BidOpening.objects.create(hall=hall, bid=bid, order=order, status=OpeningStatus.DECRYPTED, outcome="decrypted")
    return Opened(lot=lot, staff=people["center_staff"], bidders=orgs, people=people, province=people.province)


def later(hours=20):
    return timezone.now() + timedelta(hours=hours)


__all__ = ["Opened", "expert", "later", "opened_lot", "staff"]
