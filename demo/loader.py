"""Building the demo: parties, projects and bids through the services, past openings through the opening hall, once.

Four centers (自治区, 南宁, 柳州, 鹿寨), their staff and supervisors, tenderees, agents,
bidders, key custodians, the province's expert pool (demo/pool.py), and nine projects at every
stage of the lifecycle, one or more in each category. Every step is taken through the floors'
services (trading.services, bidding.services, evaluation's pool services, the opening hall's
commands), with `now=` set in the past where a stage needs a past deadline, so the audit trail
is the real one and `manage.py verify_audit` passes. The audit events themselves carry the real
time of loading: the chain is never back-dated.

Every published tender had its lots' scoring tables (demo/tables.py), its sealing rules and its
3-of-5 key ceremony set while still a draft (demo/sealing.py). The past tenders' bidders sealed and uploaded their bids before the
deadline; the platform closed bidding at the deadline; the lots that went on were opened in the
opening hall (demo/opening.py), which took them to evaluation; a tender's committee was drawn
and its room opened (demo/evaluated.py); later stages (publicity, award, contract with its date
and amount) were taken by the center's staff. One open tender is there to walk the live opening
hall (不见面开标) at once: its deadline is a few minutes after loading, four demo bidders have
sealed bids in it, and their key files, with the custodians', are written to
KAIBIAO_DEMO_KEYS_DIR (a DEMO SHORTCUT: in use a key never leaves its browser).

Idempotent: the province center's code is the marker; a second run changes nothing.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from trading.pdf import FontNotFound  # the font the demo's PDFs embed is missing
from bidding.services import rules_for
from evaluation.awarding import record_contract
from trading import services
from trading.choices import LotState, NoticeKind, Role
from trading.errors import DomainError
from trading.models import Center, Organization, Project, User

from . import documents, evaluated, opening, pool, sealing, tables
from .data import (ACCOUNTS, AGENTS, BIDDERS, CENTERS, CUSTODIANS_NEEDED, DEMO_PASSWORD, K_RANGES, LIVE_NOTICE_DAYS,
                   LIVE_OPENING, MARKER, MORE_RULES, NOTICE_TITLES, OBJECTIONS, OPEN_TIMELINE, OPENING_IN,
                   OPENING_IN_LIMITS, PROJECTS, TENDEREES, TIMELINE, G, ProjectSpec, W, make_code, staff_username,
                   supervisor_username)


class DemoError(Exception):
    """The demo could not be loaded; nothing was saved."""


def is_loaded() -> bool:
    return Center.objects.filter(code=MARKER).exists()


def load(*, opening_in: int = OPENING_IN) -> "Demo":
    """Load the demo in one transaction and write its key files; DemoError if anything fails
    (then nothing is saved and the files the load wrote are removed)."""
    low, high = OPENING_IN_LIMITS
    if not low <= opening_in <= high:
        raise DemoError(f"--opening-in must be between {low} and {high} minutes, not {opening_in}.")
    demo = Demo(timezone.now(), opening_in=opening_in)
    try:
        with transaction.atomic():
            demo.load_parties()
            demo.experts = pool.load_pool(demo)
            demo.load_projects()
            # Last, inside the transaction: if the files cannot be written, nothing is saved.
            try:
                demo.key_files = sealing.write_key_files(demo.custodians + demo.live_bidders)
            except OSError as err:
                raise DemoError(f"The demo's key files could not be written, nothing was saved: {err}") from err
    except BaseException as err:
        demo.discard_files()  # the rows are rolled back; the files the load wrote go too
        if isinstance(err, (DomainError, ValidationError, IntegrityError, FontNotFound, OSError)):
            raise DemoError(f"The demo could not be loaded, nothing was saved: {err}") from err
        raise
    return demo


def opening_deadline(now, minutes: int):
    """`minutes` after `now`, rounded up to the whole minute."""
    at = now + timedelta(minutes=minutes)
    return at.replace(second=0, microsecond=0) + timedelta(minutes=1) if at.second or at.microsecond else at


def _saved(obj):
    """A row the platform has no service for (centers, their staff, the pools: the admin's work)."""
    obj.full_clean()
    obj.save()
    return obj


class Demo:
    def __init__(self, now, opening_in: int = OPENING_IN):
        self.now = now
        self.today = timezone.localdate(now)
        self.opening_in = opening_in
        self.opening_deadline = opening_deadline(now, opening_in)
        self.centers: dict[str, Center] = {}
        self.orgs: dict[str, Organization] = {}
        self.users: dict[str, User] = {}
        self.custodians: list[sealing.DemoCustodian] = []  # each custodian with its key file
        self.live_bidders: list[sealing.DemoBidder] = []  # the live tender's sealed bids, with key files
        self.bidders: list[sealing.DemoBidder] = []  # every sealed bid (for the clean-up of a failed load)
        self.key_files = []
        self.experts = []  # the province pool (demo/pool.py)

    def at(self, days: int, hour: int, minute: int = 0):
        return timezone.make_aware(datetime.combine(self.today + timedelta(days=days), time(hour, minute)))

    def discard_files(self):
        sealing.discard_files([name for bidder in self.bidders for name in bidder.storage_names])

    # --- parties -----------------------------------------------------------------------------

    def load_parties(self):
        for code, name, level, region, parent in CENTERS:
            self.centers[code] = _saved(Center(code=code, name=name, level=level, region_code=region,
                                               parent=self.centers.get(parent)))
        for key, name, kind, region, org8, contact, phone, address in TENDEREES + AGENTS:
            self.orgs[key] = _saved(Organization(name=name, uscc=make_code(kind, region, org8), contact_name=contact,
                                                 contact_phone=phone, address=address))
        # Bidders register themselves, as on the registration page (the service audits it).
        for key, name, kind, region, org8, contact, phone, address in BIDDERS:
            user = services.register_bidder(
                username=f"bidder.{key}", password=DEMO_PASSWORD, full_name=contact, organization_name=name,
                uscc=make_code(kind, region, org8), contact_phone=phone, address=address,
            )
            self.users[user.username] = user
            self.orgs[key] = user.organization
        # Center and pool accounts: one password hash for all (hashing is slow by design).
        hashed = None
        for username, role, where, full_name in ACCOUNTS:
            if role == Role.BIDDER:
                continue
            user = User(username=username, role=role, full_name=full_name,
                        center=self.centers.get(where) if role in (Role.STAFF, Role.SUPERVISOR) else None,
                        organization=self.orgs.get(where) if role in (Role.TENDEREE, Role.AGENT) else None)
            try:
                validate_password(DEMO_PASSWORD, user)
            except ValidationError as err:
                raise DemoError(f"The demo password is refused for {username}: {' '.join(err.messages)}") from err
            hashed = hashed or make_password(DEMO_PASSWORD)
            user.password = hashed
            self.users[username] = _saved(user)
        # Each custodian registers its key, as on its /custodian/ page.
        self.custodians = sealing.register_custodian_keys(
            [self.users[username] for username, role, _w, _n in ACCOUNTS if role == Role.CUSTODIAN])

    # --- projects ----------------------------------------------------------------------------

    def load_projects(self):
        for spec in PROJECTS:
            self.load_project(spec)

    def dates(self, spec: ProjectSpec):
        """(published, deadline, candidates published, award, contract): None for what did not happen."""
        if spec.code == LIVE_OPENING:
            deadline = self.opening_deadline
            published = timezone.make_aware(datetime.combine(
                timezone.localdate(deadline) - timedelta(days=LIVE_NOTICE_DAYS), time(10)))
            return published, deadline, None, None, None
        if spec.stage in TIMELINE:
            publish, deadline, publicize, award, contract = TIMELINE[spec.stage]
        elif spec.stage == LotState.PUBLISHED:
            (publish, deadline), publicize, award, contract = OPEN_TIMELINE[spec.code], None, None, None
        else:
            publish, deadline, publicize, award, contract = None, 30, None, None, None  # named in the draft
        return (self.at(publish, 10) if publish is not None else None, self.at(deadline, 9, 30),
                *(self.at(day, hour) if day is not None else None
                  for day, hour in ((publicize, 10), (award, 10), (contract, 15))))

    def load_project(self, spec: ProjectSpec) -> Project:
        author = self.users[spec.by]
        staff = self.users[staff_username(spec.center)]
        project = services.create_project(
            actor=author, center=self.centers[spec.center], lots=[lot.as_service_dict() for lot in spec.lots],
            code=spec.code, name=spec.name, category=spec.category, region_code=spec.region,
            tenderee=self.orgs[spec.tenderee], agent=self.orgs.get(spec.agent) if spec.agent else None,
            description=spec.description, must_be_tendered=spec.must_be_tendered,
        )
        published_at, deadline, *later = self.dates(spec)
        notice_title, doc_title = NOTICE_TITLES[spec.category]
        paragraphs = documents.tender_paragraphs(spec, project.tenderee, project.agent, deadline)
        self.upload(author, project, doc_title, f"{spec.code}-{doc_title}.pdf", [f"#{spec.name}", *paragraphs])
        if spec.category == W:
            self.upload(author, project, "工程量清单及最高投标限价", f"{spec.code}-工程量清单.pdf",
                        documents.bill_of_quantities(spec))
        if published_at is None:
            tables.set_for(author, project)  # its agent sets the scoring table while preparing the draft
            return project  # a draft: registered, documents uploaded, waiting for the center's staff
        # While still a draft: the scoring tables, sealing rules, custodians invited, the opening key dealt.
        tables.set_for(staff, project, now=published_at - timedelta(hours=1))
        sealing.prepare_open_tender(staff=staff, project=project, custodians=self.custodians, k=CUSTODIANS_NEEDED,
                                    k_range=K_RANGES.get(spec.code), **MORE_RULES.get(spec.code, {}))
        services.publish_project(
            actor=staff, project=project, bid_deadline=deadline, now=published_at,
            notice_title=f"{spec.name}{notice_title}", notice_body="\n".join(p.lstrip("# ") for p in paragraphs),
        )
        project.refresh_from_db()  # the service saved its own copy (deadline, publication time)
        if spec.code == LIVE_OPENING:
            self.live_bidders = self.seal_bids(spec, project, at=None)  # now, minutes before the deadline
        elif spec.stage == LotState.PUBLISHED:
            self.open_for_bidding(spec, project, staff)
        else:
            counting = self.seal_bids(spec, project, at=deadline)
            self.advance(spec, project, staff, counting, deadline, *later)
        return project

    def upload(self, actor: User, project: Project, title: str, filename: str, paragraphs: list[str], notice=None):
        content = SimpleUploadedFile(filename, documents.pdf(title, paragraphs), content_type="application/pdf")
        return services.add_document(actor=actor, project=project, title=title, uploaded_file=content, notice=notice)

    def open_for_bidding(self, spec: ProjectSpec, project: Project, staff: User):
        if spec.category == W:
            # The agent answers a question; the center publishes an amendment with a revised list.
            services.publish_notice(
                actor=self.users[f"agent.{spec.agent}"], project=project, kind=NoticeKind.CLARIFICATION,
                title=f"{spec.name}澄清（一）：关于联合体投标及业绩要求",
                body="问：本项目是否接受联合体投标？答：不接受。\n"
                     "问：类似工程业绩是否包括市政道路人行道改造？答：包括，以竣工验收证明为准。\n"
                     "本澄清不改变投标报价的内容，投标截止时间不变。",
                now=self.at(-1, 11),
            )
            amendment = services.publish_notice(
                actor=staff, project=project, kind=NoticeKind.AMENDMENT,
                title=f"{spec.name}修改（一）：第二标段工程量清单",
                body="第二标段工程量清单第3.2节“透水砖人行道铺装”工程量由21,560平方米修改为22,380平方米，"
                     "最高投标限价不变。投标人应按修改后的工程量清单编制投标报价。"
                     "本修改距投标截止时间不少于十五日，投标截止时间不变。",
                changes_bids=True, now=self.at(-1, 16),
            )
            self.upload(staff, project, "第二标段工程量清单（修改后）", f"{spec.code}-第二标段工程量清单-修改.pdf", [
                f"#{spec.name}",
                "3.2 透水砖人行道铺装：22,380平方米（原21,560平方米）。",
                "其余清单项目不变。本文件与原工程量清单不一致的，以本文件为准。",
            ], notice=amendment)
        # A few bidders have taken the documents already (the record of who downloaded).
        self.take_documents(project, {W: ["yongjiang", "bagui", "longcheng"], G: ["qingxiu", "beibuwan"]}
                            .get(spec.category, []))

    def take_documents(self, project: Project, keys: list[str]):
        for key in keys:
            for document in project.documents.all():
                services.record_download(actor=self.users[f"bidder.{key}"], document=document)

    # --- bids --------------------------------------------------------------------------------

    def seal_bids(self, spec: ProjectSpec, project: Project, *, at) -> list[sealing.DemoBidder]:
        """Each bidder takes the documents, then seals and uploads its bid for each lot through the
        upload service, with its signed receipt: now (`at` None), or on the days before the
        deadline `at` (a bidder that replaced its bid uploaded the first version a day earlier,
        sealed to the same key). Returns the counting versions, in the order they came in."""
        self.take_documents(project, spec.bidders)
        counting = []
        items = rules_for(project).declared_items
        for i, key in enumerate(spec.bidders):
            user = self.users[f"bidder.{key}"]
            completed = at - timedelta(days=len(spec.bidders) - i, hours=3, minutes=17 * i) if at else None
            identity = None  # one key per bidder and tender, registered with its first bid
            for lot in project.lots.order_by("number"):
                versions = [(spec.bids[key], completed)]
                if key in spec.replaced:  # the first version, a day before the one that counts
                    versions.insert(0, (spec.replaced[key], completed - timedelta(days=1) if at else None))
                for form, when in versions:
                    files = dict([documents.bid_file(spec, lot, user.organization, project.tenderee, form, items)])
                    bidder = sealing.submit_sealed_bid(user=user, lot=lot, form=form, files=files, identity=identity,
                                                       now=when)
                    identity = bidder.identity
                    self.bidders.append(bidder)
                counting.append(bidder)
        return counting

    # --- after the deadline ------------------------------------------------------------------

    def advance(self, spec: ProjectSpec, project: Project, staff: User, counting: list[sealing.DemoBidder], deadline,
                publicize_at, award_at, contract_at):
        """Close bidding at the deadline; open each lot in the hall with its `counting` bids, which
        moves it to evaluation; then the center's staff take the later stages, each on its own day."""
        supervisor = supervisor_username(spec.center)
        objection = None
        if spec.code in OBJECTIONS:
            key, question, answer = OBJECTIONS[spec.code]
            objection = (f"bidder.{key}", question, answer)
        for lot in project.lots.order_by("number"):
            lot = opening.close_bidding(lot, deadline)
            if lot.state != LotState.FAILED:
                opening.open_lot(lot=lot, deadline=deadline, host=staff, supervisor=self.users.get(supervisor),
                                 bidders=[b for b in counting if b.lot.pk == lot.pk], objection=objection)
                if publicize_at is not None:
                    # The report's facts are the evaluation floor's (evaluation.facts): a sale's
                    # ranking is its opening record; a tender's, its committee's (demo/evaluated.py).
                    if spec.code in evaluated.COMMITTEES:
                        evaluated.evaluate(self, spec, lot, staff, deadline)
                    services.transition_lot(actor=staff, lot=lot, name="publicize", now=publicize_at)
                if award_at is not None:
                    services.transition_lot(actor=staff, lot=lot, name="award", now=award_at,
                                            award_price=Decimal(spec.award_price))
                if contract_at is not None:  # signed the day before it is recorded, at the award price
                    record_contract(actor=staff, lot_id=lot.pk, signed_on=timezone.localdate(contract_at) - timedelta(days=1),
                                    amount=Decimal(spec.award_price), now=contract_at)
            lot.refresh_from_db()
            if lot.state != spec.stage:
                raise DemoError(f"{spec.code} lot {lot.number} ended “{lot.state}”, not “{spec.stage}” as planned.")
