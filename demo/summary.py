"""What `load_demo` prints: the projects loaded, the key files, the live opening, the accounts.

Each function returns lines as (text, tone), tone None, "success" or "warning"; the command
styles them. They read the database, so a second run says the same of the demo already loaded.
"""

from pathlib import Path

from django.conf import settings
from django.utils import timezone

from bidding.models import CustodianKey
from trading.choices import Category, LotState, Role
from trading.formats import local_text
from trading.models import Project, User

from .data import (ACCOUNTS, AGENTS, BIDDERS, CENTERS, CUSTODIANS_NEEDED, DEMO_PASSWORD, DEMO_SHORTCUT, K_RANGES,
                   LIVE_OPENING, MARKER, PROJECTS, TENDEREES, spec_of, staff_username)
from .sealing import bidder_key_filename

Line = tuple[str, str | None]


def loaded(demo) -> list[Line]:
    """After a first load: what was built, where the key files are, the live opening, the accounts."""
    projects = Project.objects.filter(center__code__in=[c[0] for c in CENTERS])
    lines = [(f"Demo loaded: {len(CENTERS)} centers, {len(TENDEREES) + len(AGENTS) + len(BIDDERS)} organizations, "
              f"{len(ACCOUNTS)} accounts, {projects.count()} projects.", "success")]
    for project in projects.order_by("code"):
        states = ", ".join(str(LotState(lot.state).label) for lot in project.lots.order_by("number"))
        lines.append((f"  {project.code}  {Category(project.category).label:<10}  [{states}]  {project.name}", None))
    open_codes = sorted(spec.code for spec in PROJECTS if spec.stage == LotState.PUBLISHED)
    opened = sorted(spec.code for spec in PROJECTS
                    if spec.stage not in (LotState.DRAFT, LotState.PUBLISHED, LotState.FAILED))
    lines += [
        (f"\nSealed bids: {', '.join(open_codes)} take sealed bids (key ceremony done, {CUSTODIANS_NEEDED} of "
         f"{len(demo.custodians)} custodians open; K range on {', '.join(sorted(K_RANGES))}). "
         f"Opened in the opening hall, with their records: {', '.join(opened)}.", None),
        (f"Custodian key files: {', '.join(str(path) for path in demo.key_files[:len(demo.custodians)])}", None),
        (f"Bidder key files: {', '.join(str(path) for path in demo.key_files[len(demo.custodians):])}", None),
        (DEMO_SHORTCUT, "warning"),
        (expert_pool(demo.experts), None),
    ]
    return lines + live_opening(minutes=demo.opening_in) + accounts()


def expert_pool(experts) -> str:
    """The province pool in one line: how many in each status, who keeps it."""
    from collections import Counter

    from evaluation.choices import ExpertStatus

    from .pool_data import KEEPER

    counts = Counter(expert.status for expert in experts)
    shown = ", ".join(f"{counts[status]} {ExpertStatus(status).label}" for status in ExpertStatus.values if counts[status])
    return (f"Expert pool of the province center: {len(experts)} experts ({shown}), kept by {KEEPER}; "
            f"expert.01 … expert.{len(experts):02d} log in with the same password.")


def already_loaded() -> list[Line]:
    return [(f"Demo data already loaded (center “{MARKER}” exists): nothing changed.", None),
            *key_files(), *live_opening(), *accounts()]


def live_opening(minutes: int | None = None) -> list[Line]:
    project = Project.objects.filter(code=LIVE_OPENING).select_related("center").first()
    if project is None:
        return [(f"This demo was loaded before it had the live-opening tender {LIVE_OPENING}: "
                 "start a fresh demo with `rm -rf var && make run`.", "warning")]
    spec = spec_of(LIVE_OPENING)
    deadline = local_text(project.bid_deadline)
    if minutes is not None:
        when = f"{deadline} (Beijing time), in about {minutes} minutes"
    elif project.bid_deadline > timezone.now():
        when = f"{deadline} (Beijing time)"
    else:
        when = (f"{deadline} (Beijing time), already passed: for a fresh live opening, "
                "`rm -rf var && make run` (or `load_demo --opening-in MINUTES` on an empty database)")
    halls = ", ".join(f"/halls/{lot.pk}/" for lot in project.lots.order_by("number"))
    bidders = ", ".join(f"bidder.{key}" for key in spec.bidders)
    files = f"{Path(settings.KAIBIAO_DEMO_KEYS_DIR)}/<username>-{LIVE_OPENING}-1.txt"
    return [(
        f"\nLive opening 不见面开标: {LIVE_OPENING} ({project.center.name}) closes for bids at {when}; then its "
        f"opening hall {halls} opens, hosted by {staff_username(spec.center)}. Sealed bids with signed receipts "
        f"from {bidders}; their key files are {files}.", None)]


def key_files() -> list[Line]:
    usernames = [username for username, role, _w, _n in ACCOUNTS if role == Role.CUSTODIAN]
    if not CustodianKey.objects.filter(user__username__in=usernames).exists():
        return [("This demo was loaded before it had custodian keys and key ceremonies, so its open tenders "
                 "cannot take sealed bids: start a fresh demo with `rm -rf var && make run`.", "warning")]
    folder = Path(settings.KAIBIAO_DEMO_KEYS_DIR)
    files = [f"{name}.txt" for name in usernames]
    live = Project.objects.filter(code=LIVE_OPENING).first()
    if live is not None:
        files += [bidder_key_filename(f"bidder.{key}", live.code, lot.number)
                  for key in spec_of(LIVE_OPENING).bidders for lot in live.lots.order_by("number")]
    missing = [name for name in files if not (folder / name).exists()]
    if missing:
        return [(f"Key files missing from {folder}: {', '.join(missing)}. They cannot be made again "
                 "(only their public keys are stored): start a fresh demo with `rm -rf var && make run`.", "warning")]
    return [(f"Custodian{' and bidder' if live else ''} key files in {folder}. {DEMO_SHORTCUT}", None)]


def accounts() -> list[Line]:
    users = {u.username: u for u in User.objects.filter(username__in=[a[0] for a in ACCOUNTS])
             .select_related("center", "organization")}
    lines = [(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):", None)]
    for username, role, _where, _name in ACCOUNTS:
        user = users.get(username)
        if user is None:
            continue
        place = user.center or user.organization or {Role.EXPERT: "评标专家库", Role.CUSTODIAN: "开标密钥保管人"}[role]
        lines.append((f"  {username:<20} {Role(role).label:<22} {user.full_name}  {place}", None))
    return lines
