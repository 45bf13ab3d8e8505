"""Building the demo's expert pool through the pool's services: applications, the keeper's review, time away, relations.

Each expert applies as on the enrolment page (evaluation.pool_services.enrol_account, audited);
the province center's keeper approves them, and suspends one with its reason; a few applications
are left waiting (the keeper's workspace lists them). Some experts then declare time away and
relations, as on their own record. Called by demo.loader inside its one transaction.
"""

from datetime import timedelta

from django.contrib.auth.hashers import make_password

from evaluation import pool_services, profile_services, specialty_list
from evaluation.choices import ExpertStatus, RelationKind
from evaluation.models import Specialty
from trading.choices import Role
from trading.models import User

from .data import ACCOUNTS, DEMO_PASSWORD, make_code
from .pool_data import (AWAY, COMPANY_RELATIONS, KEEPER, PERSON_RELATIONS, POOL_CENTER, SUSPENSION_REASON,
                        ExpertSpec, experts)


def load_pool(demo) -> list:
    """The province pool: every expert applied, most approved. Returns the Expert rows."""
    pool = demo.centers[POOL_CENTER]
    keeper = demo.users[KEEPER]
    specialty_list.ensure_loaded()  # a database flushed since its migrations has lost the list
    specialties = {s.code: s for s in Specialty.objects.all()}
    logins = [(username, name) for username, role, _w, name in ACCOUNTS if role == Role.EXPERT]
    hashed = make_password(DEMO_PASSWORD)
    loaded = []
    for spec in experts(logins):
        user = demo.users.get(spec.username) or _account(spec, hashed)
        demo.users[spec.username] = user
        expert = pool_services.enrol_account(
            actor=user, pool=pool, id_number=spec.id_number, title=spec.title,
            employer_name=_employer(demo, spec.employer)[0], employer_uscc=_employer(demo, spec.employer)[1],
            employed_since=spec.employed_since, region_code=spec.region_code, phone=spec.phone,
            specialties=[specialties[code] for code in spec.specialties],
            employments=[pool_services.EarlierEmployer(*_employer(demo, where)[:1], started_on=start, ended_on=end,
                                                       employer_uscc=_employer(demo, where)[1])
                         for where, start, end in spec.earlier],
            today=demo.today)
        if spec.status in (ExpertStatus.APPROVED, ExpertStatus.SUSPENDED):
            expert = pool_services.review_expert(actor=keeper, expert=expert, step="approve", now=demo.now)
        if spec.status == ExpertStatus.SUSPENDED:
            expert = pool_services.review_expert(actor=keeper, expert=expert, step="suspend",
                                                 reason=SUSPENSION_REASON, now=demo.now)
        _declarations(demo, spec, user)
        loaded.append(expert)
    return loaded


def _account(spec: ExpertSpec, hashed: str) -> User:
    """An expert's own account, made as the enrolment page makes one (the demo's one password)."""
    user = User(username=spec.username, role=Role.EXPERT, full_name=spec.full_name,
                email=f"{spec.username.replace('.', '')}@example.cn", password=hashed)
    user.full_clean()
    user.save()
    return user


def _employer(demo, where) -> tuple[str, str]:
    """(name, credit code) of an employer: a demo bidder by its key, or one of the pool's own list."""
    if where[0] == "bidder":
        org = demo.orgs[where[1]]
        return org.name, org.uscc
    name, region, org8 = where
    return name, (make_code("12" if "院" in name or "学" in name else "91", region, org8) if org8 else "")


def _declarations(demo, spec: ExpertSpec, user: User) -> None:
    """Time away and relations the expert declares on their own record."""
    if spec.index in AWAY:
        first, last, note = AWAY[spec.index]
        profile_services.add_absence(actor=user, starts_on=demo.today + timedelta(days=first),
                                     ends_on=demo.today + timedelta(days=last), note=note, today=demo.today)
    if spec.index in COMPANY_RELATIONS:
        key, note = COMPANY_RELATIONS[spec.index]
        org = demo.orgs[key]
        profile_services.declare_relation(actor=user, kind=RelationKind.COMPANY, name=org.name, uscc=org.uscc, note=note)
    if spec.index in PERSON_RELATIONS:
        name, note = PERSON_RELATIONS[spec.index]
        profile_services.declare_relation(actor=user, kind=RelationKind.PERSON, name=name, note=note)
