"""Every action that changes the trading floor's state, one function per action.

Every action that changes the trading floor's state: one function per action, the acting
user first, keyword-only. Each checks permission and the rule, works in one transaction,
writes the audit event, and raises a DomainError a person can act on."""

import hashlib
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, law, lifecycle, lot_notices, signals
from .formats import first_minute_from, zoned_text
from .choices import NoticeKind, Role
from .errors import NotFound, RuleViolation
from .lot_rules import check_lots as _check_lots
from .models import Document, DocumentDownload, Lot, Notice, Organization, Project, User
from .rules import ProjectPolicy, check
from .signals import deadline_set
from .uscc import USCCError
from .uscc import check as check_uscc

PROJECT_FIELDS = ("code", "name", "category", "region_code", "tenderee", "agent", "description", "must_be_tendered")
LEGAL_FIELDS = tuple(item.field for item in law.ALL)
LOT_FIELDS = ("number", "name", "budget", "ceiling_price", "reserve_price", "bid_security", "evaluation_method")


def _validation_message(err: ValidationError) -> str:
    if hasattr(err, "message_dict"):
        return "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in err.message_dict.items())
    return " ".join(str(m) for m in err.messages)


def _save(obj):
    try:
        obj.full_clean()
    except ValidationError as err:
        raise RuleViolation(_validation_message(err)) from err
    obj.save()
    return obj


# --- fetch and authorize ---------------------------------------------------------------------


def access_project(user, project_id, *, perm="trading.view_project", lock=False) -> Project:
    """Fetch a project and check `perm` on it in one call, so no caller forgets the check.
    A project the user may not even see is reported as not found."""
    if not ProjectPolicy.visible(user).filter(pk=project_id).exists():
        raise NotFound(_("No such project."))
    qs = Project.objects.select_related("center", "tenderee", "agent")
    if lock:
        qs = qs.select_for_update(of=("self",))
    project = qs.get(pk=project_id)
    check(user, perm, project)
    return project


def access_lot(user, lot_id, *, perm="trading.view_project", lock=False) -> Lot:
    project_id = Lot.objects.filter(pk=lot_id).values_list("project_id", flat=True).first()
    if project_id is None or not ProjectPolicy.visible(user).filter(pk=project_id).exists():
        raise NotFound(_("No such lot."))
    qs = Lot.objects.select_related("project", "project__center")
    if lock:
        qs = qs.select_for_update(of=("self",))
    lot = qs.get(pk=lot_id)
    check(user, perm, lot.project)
    return lot


# --- parties ---------------------------------------------------------------------------------


def register_bidder(*, username: str, password: str, full_name: str, organization_name: str, uscc: str,
                    contact_phone: str = "", address: str = "") -> User:
    """A bidder registers itself and its organization. An organization already registered is
    not taken over by a second registration: its existing users add colleagues (later)."""
    try:
        code = check_uscc(uscc)
    except USCCError as err:
        raise RuleViolation(err.message) from err
    with transaction.atomic():
        if Organization.objects.filter(uscc=code).exists():
            raise RuleViolation(_("An organization with this unified social credit code is already registered."))
        if User.objects.filter(username=username).exists():
            raise RuleViolation(_("This user name is taken."))
        org = _save(Organization(name=organization_name, uscc=code, contact_name=full_name,
                                 contact_phone=contact_phone, address=address))
        user = User(username=username, full_name=full_name, role=Role.BIDDER, organization=org)
        try:
            validate_password(password, user)
        except ValidationError as err:
            raise RuleViolation(" ".join(err.messages)) from err
        user.set_password(password)
        _save(user)
        audit.record(actor=user, action="organization.registered", obj=org, data={"name": org.name, "uscc": org.uscc})
    return user


# --- projects and lots -----------------------------------------------------------------------


def _check_legal_settings(project: Project):
    for item in law.ALL:
        value = getattr(project, item.field)
        if project.must_be_tendered and not item.allows(value):
            limit = _("at most") if item.at_most else _("at least")
            raise RuleViolation(
                _("%(meaning)s: the law requires %(limit)s %(bound)d (%(citation)s); %(value)d is not allowed.")
                % {"meaning": item.meaning, "limit": limit, "bound": item.bound, "citation": item.citation, "value": value},
                field=item.field,
            )


def _check_parties(fields: dict):
    """The tenderee is an organization acting as tenderee, the agent one acting as agent: not any
    organization (a bidder is neither), whatever a form's list offered."""
    for name, role in (("tenderee", Role.TENDEREE), ("agent", Role.AGENT)):
        organization = fields.get(name)
        if organization is None or Organization.objects.acting_as(role).filter(pk=organization.pk).exists():
            continue
        message = (_("%(name)s is not registered as a tenderee on this platform.") if role == Role.TENDEREE
                   else _("%(name)s is not registered as a tendering agent on this platform."))
        raise RuleViolation(message % {"name": organization.name}, field=name)


def create_project(*, actor, center, lots: list[dict], **fields) -> Project:
    """Register a project with its lots and legal settings (law.ALL; the law's defaults where
    not given), as a draft. Staff register for their own center; a tenderee or agent registers
    its own project at the center it chooses. Everything is checked before anything is saved,
    so a refusal leaves nothing behind and the same code can be registered again."""
    check(actor, "trading.add_project")
    unknown = set(fields) - set(PROJECT_FIELDS + LEGAL_FIELDS)
    if unknown:  # a caller's mistake, not a person's: a misspelt setting must not fall back to the default
        raise TypeError(f"create_project() got unknown fields: {', '.join(sorted(unknown))}")
    if actor.role == Role.STAFF and center.pk != actor.center_id:
        raise RuleViolation(_("Staff register projects for their own trading center only."))
    if actor.role in (Role.TENDEREE, Role.AGENT):
        own = fields["tenderee"] if actor.role == Role.TENDEREE else fields.get("agent")
        if own is None or own.pk != actor.organization_id:
            raise RuleViolation(_("You may register projects only as their tenderee or their agent."))
    _check_parties(fields)
    _check_lots(lots, fields.get("category"))
    with transaction.atomic():
        project = Project(center=center, created_by=actor, **fields)
        _check_legal_settings(project)
        _save(project)
        for lot in lots:
            _save(Lot(project=project, **{k: v for k, v in lot.items() if k in LOT_FIELDS}))
        audit.record(
            actor=actor, action="project.created", obj=project, project=project,
            data={"code": project.code, "name": project.name, "category": project.category,
                  "lots": [{k: v for k, v in lot.items() if k in ("number", "name", "budget", "ceiling_price")} for lot in lots],
                  "legal": {f: getattr(project, f) for f in LEGAL_FIELDS}},
        )
    return project


def update_project(*, actor, project: Project, **fields) -> Project:
    """Edit a draft project's fields and legal settings."""
    with transaction.atomic():
        project = access_project(actor, project.pk, perm="trading.change_project", lock=True)
        for key in fields:
            if key not in PROJECT_FIELDS + LEGAL_FIELDS:
                raise RuleViolation(_("“%(field)s” cannot be changed here.") % {"field": key})
        _check_parties({k: fields[k] for k in ("tenderee", "agent") if k in fields})
        before = {k: getattr(project, k) for k in fields}
        for key, value in fields.items():
            setattr(project, key, value)
        _check_legal_settings(project)
        _save(project)
        audit.record(actor=actor, action="project.updated", obj=project, project=project,
                     data={"before": before, "after": fields})
    return project


def update_legal_settings(*, actor, project: Project, **values) -> Project:
    """Change the tender's legal settings within what the law allows. Until publication only."""
    unknown = set(values) - set(LEGAL_FIELDS)
    if unknown:
        raise RuleViolation(_("Unknown setting: %(names)s") % {"names": ", ".join(sorted(unknown))})
    return update_project(actor=actor, project=project, **values)


def add_document(*, actor, project: Project, title: str, uploaded_file, notice: Notice | None = None) -> Document:
    """Attach a tender document. Once the project is published, documents come with a notice
    (clarification or amendment) so every bidder is told."""
    from django.conf import settings

    project = access_project(actor, project.pk, perm="trading.add_document")
    if notice is None and not project.is_draft():
        raise RuleViolation(_("The tender is published: add documents through a clarification or amendment."))
    if uploaded_file.size > settings.KAIBIAO_DOCUMENT_MAX_BYTES:
        raise RuleViolation(_("The file is larger than the %(mb)d MB allowed.") % {"mb": settings.KAIBIAO_DOCUMENT_MAX_BYTES // 2**20})
    if uploaded_file.size == 0:
        raise RuleViolation(_("The file is empty."))
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    with transaction.atomic():
        doc = Document(project=project, notice=notice, title=title or uploaded_file.name,
                       sha256=digest.hexdigest(), size=uploaded_file.size, uploaded_by=actor)
        doc.file.save(uploaded_file.name, uploaded_file, save=False)
        _save(doc)
        audit.record(actor=actor, action="document.added", obj=doc, project=project,
                     data={"title": doc.title, "sha256": doc.sha256, "size": doc.size})
    return doc


def publish_project(*, actor, project: Project, bid_deadline, notice_title: str, notice_body: str, now=None) -> Notice:
    """Publish the tender notice and open bidding on every draft lot, on the server clock."""
    now = now or timezone.now()
    with transaction.atomic():
        project = access_project(actor, project.pk, perm="trading.publish_project", lock=True)
        if not notice_title.strip() or not notice_body.strip():
            raise RuleViolation(_("The tender notice needs a title and a text."))
        lots = list(project.lots.select_for_update().drafts())
        if not lots:
            raise RuleViolation(_("No lot of this project is a draft; it is already published."))
        project.bid_deadline = bid_deadline
        facts = {"has_documents": project.documents.exists()}
        for lot in lots:
            lot.project = project
            _take(actor=actor, lot=lot, name="publish", now=now, facts=facts)
        project.documents_published_at = now
        project.save(update_fields=["bid_deadline", "documents_published_at"])
        notice = _save(Notice(project=project, kind=NoticeKind.TENDER, title=notice_title, body=notice_body,
                              new_deadline=bid_deadline, published_at=now, published_by=actor))
        project.documents.filter(notice__isnull=True).update(notice=notice)
        audit.record(actor=actor, action="project.published", obj=project, project=project,
                     data={"deadline": bid_deadline, "notice": notice.pk, "lots": [lot.number for lot in lots]})
        transaction.on_commit(lambda: deadline_set.send(sender=Project, project=project))
    return notice


def ensure_bidding_open(project: Project, now, *, lot=None) -> None:
    """Checked on every request that needs bidding to be open (Project.bidding_open)."""
    if not project.bidding_open(now, lot=lot):
        raise RuleViolation(
            _("Bidding for this tender closed at %(deadline)s.")
            % {"deadline": zoned_text(project.bid_deadline, "ms")}
            if project.bid_deadline and now >= project.bid_deadline
            else _("This tender is not open for bidding.")
        )


def publish_notice(*, actor, project: Project, kind: str, title: str, body: str, changes_bids: bool = False,
                   new_deadline=None, now=None) -> Notice:
    """Publish a clarification or amendment before the deadline. One that changes what bidders
    must offer needs the tender's amendment period before the deadline, or the deadline moves."""
    now = now or timezone.now()
    if kind not in (NoticeKind.CLARIFICATION, NoticeKind.AMENDMENT):
        raise RuleViolation(_("Only a clarification or an amendment can be published here."))
    with transaction.atomic():
        project = access_project(actor, project.pk, perm="trading.publish_notice", lock=True)
        ensure_bidding_open(project, now)
        if not title.strip() or not body.strip():
            raise RuleViolation(_("The notice needs a title and a text."))
        deadline = project.bid_deadline
        if new_deadline is not None and new_deadline <= deadline:
            raise RuleViolation(_("A new deadline must be later than the current one."))
        effective = new_deadline or deadline
        if changes_bids and effective - now < timedelta(days=project.amendment_min_days):
            raise RuleViolation(
                _("This amendment changes bids and comes less than %(days)d days before the deadline (%(citation)s): "
                  "move the deadline to %(earliest)s or later.")
                % {"days": project.amendment_min_days, "citation": law.AMENDMENT_DAYS.citation,
                   "earliest": first_minute_from(now + timedelta(days=project.amendment_min_days))}
            )
        notice = _save(Notice(project=project, kind=kind, title=title, body=body, changes_bids=changes_bids,
                              previous_deadline=deadline if new_deadline else None, new_deadline=new_deadline,
                              published_at=now, published_by=actor))
        if new_deadline:
            project.bid_deadline = new_deadline
            project.save(update_fields=["bid_deadline"])
            transaction.on_commit(lambda: deadline_set.send(sender=Project, project=project))
        audit.record(actor=actor, action=f"notice.{kind}", obj=notice, project=project,
                     data={"title": title, "changes_bids": changes_bids, "previous_deadline": deadline,
                           "new_deadline": new_deadline})
    return notice


def record_download(*, actor, document: Document) -> None:
    """A logged-in bidder's download is kept (the record of who took the documents)."""
    check(actor, "trading.download_document", document.project)
    if getattr(actor, "role", None) == Role.BIDDER:
        with transaction.atomic():
            DocumentDownload.objects.create(document=document, organization=actor.organization, user=actor)
            audit.record(actor=actor, action="document.downloaded", obj=document, project=document.project,
                         data={"organization": actor.organization.uscc, "sha256": document.sha256})


# --- the lifecycle ---------------------------------------------------------------------------


def _take(*, actor, lot: Lot, name: str, now, facts: dict, reason: str = "") -> Lot:
    """Take transition `name` on a locked lot. Must run inside a transaction."""
    transition = lifecycle.TRANSITIONS[name]
    role = lifecycle.SYSTEM if actor is None else actor.role
    refused = lifecycle.refusal(transition, actor_role=role, lot=lot, now=now, facts=facts, reason=reason)
    if refused:
        raise RuleViolation(refused)
    before, before_since = lot.state, lot.state_changed_at
    lot.state, lot.state_changed_at = transition.target, now
    update = ["state", "state_changed_at"]
    if name == "award":
        lot.award_price = facts["award_price"]
        update.append("award_price")
    lot.save(update_fields=update)
    data = {"from": before, "to": lot.state, **{k: facts.get(k) for k in transition.records}}
    if name == "contract":
        # The law gives 30 days from the award notice (招标投标法 第四十六条): a late contract is
        # still recorded, and the record says it was late.
        days = (now - before_since).days
        data.update({"days_since_award": days, "within_legal_limit": days <= lot.project.contract_days})
    if reason:
        data["reason"] = reason
    audit.record(actor=actor, action=f"lot.{name}", obj=lot, project=lot.project, data=data)
    # The failure, the candidates and the result are published with the stage that makes them.
    lot_notices.publish_for(actor=actor, lot=lot, name=name, now=now, facts=facts, reason=reason)
    signals.lot_transitioned.send(sender=Lot, lot=lot, name=name, actor=actor, now=now)
    return lot


def _person_transition(name: str) -> lifecycle.Transition:
    transition = lifecycle.TRANSITIONS.get(name)
    if transition is None:
        raise RuleViolation(_("Unknown action."))
    if transition.room is not None:
        raise RuleViolation(_("“%(action)s” is taken in the opening hall, not here.") % {"action": transition.label})
    return transition


def check_transition(*, actor, lot: Lot, name: str, reason: str = "", award_price=None, now=None) -> lifecycle.Transition:
    """What transition_lot would refuse now, refused the same way, without taking anything: a page
    asks the person to confirm only an action that can be taken. The transition otherwise."""
    transition = _person_transition(name)
    now = now or timezone.now()
    lot = access_lot(actor, lot.pk, perm="trading.transition_lot")
    known = lifecycle.gather_facts(lot, now)
    if award_price is not None:
        known["award_price"] = award_price
    refused = lifecycle.refusal(transition, actor_role=actor.role, lot=lot, now=now, facts=known, reason=reason)
    if refused:
        raise RuleViolation(refused)
    return transition


def transition_lot(*, actor, lot: Lot, name: str, reason: str = "", award_price=None, facts: dict | None = None,
                   now=None) -> Lot:
    """A person takes a lifecycle transition. The guards' facts come from the floors that own
    them (registered providers), never a form; `facts` may carry only what no floor owns yet.
    A live room's transitions (the opening's) are taken in that room, not here."""
    _person_transition(name)
    now = now or timezone.now()
    with transaction.atomic():
        lot = access_lot(actor, lot.pk, perm="trading.transition_lot", lock=True)
        known = lifecycle.gather_facts(lot, now, facts)
        if award_price is not None:
            known["award_price"] = award_price
        return _take(actor=actor, lot=lot, name=name, now=now, facts=known, reason=reason)


def room_transition(*, actor, lot_id: int, name: str, room: str, reason: str = "", now=None) -> Lot:
    """A live room takes one of its own transitions (the hall: start, fail, end the opening),
    in the caller's transaction, with the same guards and facts from their floors."""
    if lifecycle.TRANSITIONS[name].room != room:
        raise RuleViolation(_("Unknown action."))
    return _take_on_lot(actor=actor, lot_id=lot_id, name=name, reason=reason, now=now)


def system_transition(*, lot_id: int, name: str, now=None) -> Lot:
    """The platform's clock takes a transition (closing at the deadline). Same guards, and the
    facts from the floors that own them."""
    return _take_on_lot(actor=None, lot_id=lot_id, name=name, now=now)


def _take_on_lot(*, actor, lot_id: int, name: str, reason: str = "", now=None) -> Lot:
    """Lock the lot and take `name`, the facts from their floors; the caller said who may."""
    now = now or timezone.now()
    with transaction.atomic():
        lot = Lot.objects.select_for_update(of=("self",)).select_related("project").get(pk=lot_id)
        return _take(actor=actor, lot=lot, name=name, now=now, facts=lifecycle.gather_facts(lot, now), reason=reason)
