"""The committee's written questions to a bidder (澄清) and the bidder's answers, within the time set.

Any seated member may ask, in the committee's name (实施条例 第五十二条: the committee asks in
writing; the bidder answers in writing, within the bid's scope): each expert judges alone, so
the one who finds a point unclear asks it without waiting on the leader, and every member sees
the question and its answer in the room. The bidder reads "the evaluation committee", never
who asked: the committee's names stay secret until the result (招标投标法 第四十四条).

A user of the bidder's organization answers, signed in as itself, once, before the time set
runs out on the server's clock; the answer reaches the room as an event. Question and answer
are audited and kept in the room's record."""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from trading.choices import Role
from trading.errors import NotFound, RuleViolation
from trading.formats import zoned_text
from trading.models import User
from trading.rules import is_bidder

from ..choices import RoomState
from ..models import Clarification
from . import core

log = logging.getLogger(__name__)

DEFAULT_HOURS = 24
MAX_HOURS = 72
TEXT_MAX = 5000
# The room takes answers while the committee still reviews and scores.
ANSWERING = frozenset({RoomState.REVIEWING, RoomState.SCORING})
LAW = "《招标投标法实施条例》第五十二条"


def ask_question(*, actor, lot_id, bid_id, question, hours=DEFAULT_HOURS, now=None) -> Clarification:
    """A member asks the bidder of one opened bid a written question, to be answered within
    `hours` (1 to MAX_HOURS) on the server's clock."""
    now = now or timezone.now()
    question = (question or "").strip()
    if not question:
        raise RuleViolation(_("Write the question to the bidder."), field="question")
    if len(question) > TEXT_MAX:
        raise RuleViolation(_("Keep the question within %(n)d characters.") % {"n": TEXT_MAX}, field="question")
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_HOURS:
        raise RuleViolation(_("The time to answer is from 1 to %(max)d hours.") % {"max": MAX_HOURS}, field="hours")
    with transaction.atomic():
        room = core.locked(lot_id)
        core.require_step(room, "ask_question")
        core.require_running(room)
        member = core.member_acting(room, actor)
        bid = next((b for b in core.opened_bids(lot_id) if b["id"] == bid_id), None)
        if bid is None:
            raise NotFound(_("This bid is not among the bids opened for this lot."))
        row = Clarification.objects.create(room=room, bid_id=bid_id, question=question, asked_by=member, asked_at=now,
                                           answer_due=now + timedelta(hours=hours))
        core.append(room, "question_asked", {"question_id": row.pk, "bid": bid_id, "bidder": bid["bidder"],
                                             "question": question, "answer_due": row.answer_due, "hours": hours},
                    actor=actor, at=now)
        transaction.on_commit(partial(_tell_bidder, row.pk))
    return row


def _open_to_answer(row: Clarification, now) -> str | None:
    """Why this question takes no answer now, or None."""
    if row.answered_at is not None:
        return _("This question is already answered.")
    if now > row.answer_due:
        return _("The time to answer ran out at %(due)s: the committee evaluates without your answer.") % {
            "due": zoned_text(row.answer_due, "s")}
    if row.room.state not in ANSWERING:
        return _("The committee has finished reviewing and scoring: it takes no more answers.")
    return None


def _own_question(actor, question_id, lot_id=None) -> Clarification:
    """One question to the actor's own organization (for another's, or anyone else: not found)."""
    if not is_bidder(actor):
        raise NotFound(_("No such question."))
    found = Clarification.objects.select_related("room__lot__project", "bid__organization").filter(
        pk=question_id, bid__organization_id=actor.organization_id)
    if lot_id is not None:
        found = found.filter(room__lot_id=lot_id)
    row = found.first()
    if row is None:
        raise NotFound(_("No such question."))
    return row


def answer_question(*, actor, question_id, answer, lot_id=None, now=None) -> Clarification:
    """A user of the bidder's organization answers, once, within the time set (on `lot_id`'s
    page, when given: a question of another lot is not found there)."""
    now = now or timezone.now()
    answer = (answer or "").strip()
    if not answer:
        raise RuleViolation(_("Write your answer."), field="answer")
    if len(answer) > TEXT_MAX:
        raise RuleViolation(_("Keep the answer within %(n)d characters.") % {"n": TEXT_MAX}, field="answer")
    lot_id = _own_question(actor, question_id, lot_id).room.lot_id
    with transaction.atomic():
        room = core.locked(lot_id)
        row = Clarification.objects.select_for_update().select_related("bid__organization").get(pk=question_id)
        row.room = room
        refused = _open_to_answer(row, now)
        if refused:
            raise RuleViolation(refused)
        row.answer, row.answered_by, row.answered_at = answer, actor, now
        row.save(update_fields=["answer", "answered_by", "answered_at"])
        core.append(room, "question_answered", {"question_id": row.pk, "bid": row.bid_id,
                                                "bidder": row.bid.organization.name, "answer": answer},
                    actor=actor, at=now)
    return row


def bidder_questions(*, actor, lot_id, now=None) -> list[dict]:
    """The committee's questions to the actor's organization on one lot, for its page: each
    with whether it can be answered now; the asker is never named."""
    now = now or timezone.now()
    if not is_bidder(actor):
        raise NotFound(_("No such lot."))
    rows = list(Clarification.objects.select_related("room", "answered_by")
                .filter(room__lot_id=lot_id, bid__organization_id=actor.organization_id).order_by("asked_at", "pk"))
    return [{"id": r.pk, "question": r.question, "asked_at": r.asked_at, "answer_due": r.answer_due,
             "answer": r.answer, "answered_at": r.answered_at,
             "answered_by": r.answered_by.display_name if r.answered_by else "",
             "refusal": _open_to_answer(r, now)} for r in rows]


def open_questions_of(organization_id, now) -> list[Clarification]:
    """An organization's questions still to answer, with their lots (the bidder's workspace)."""
    return list(Clarification.objects.select_related("room__lot__project")
                .filter(bid__organization_id=organization_id, answered_at__isnull=True, answer_due__gte=now,
                        room__state__in=ANSWERING).order_by("answer_due"))


def snapshot_questions(room) -> list[dict]:
    """Every question of the room with its answer, for the room's snapshot (one query)."""
    return [{"id": q["id"], "bid": q["bid_id"], "asked_by": q["asked_by_id"], "question": q["question"],
             "asked_at": q["asked_at"].isoformat(), "answer_due": q["answer_due"].isoformat(), "answer": q["answer"],
             "answered_at": q["answered_at"].isoformat() if q["answered_at"] else None}
            for q in Clarification.objects.filter(room=room).order_by("asked_at", "pk")
            .values("id", "bid_id", "asked_by_id", "question", "asked_at", "answer_due", "answer", "answered_at")]


# --- telling the bidder -----------------------------------------------------------------------


def _tell_bidder(question_id) -> None:
    """Email the bidder's users that a question awaits them (after the commit; in the
    platform's language). A failure is logged: the question is on their page anyway."""
    row = Clarification.objects.select_related("room__lot__project", "bid__organization").filter(pk=question_id).first()
    if row is None:
        return
    lot = row.room.lot
    to = list(User.objects.filter(organization_id=row.bid.organization_id, role=Role.BIDDER, is_active=True)
              .exclude(email="").values_list("email", flat=True))
    if not to:
        return
    with translation.override(settings.LANGUAGE_CODE):
        facts = {"code": lot.project.code, "number": lot.number, "due": zoned_text(row.answer_due, "min"),
                 "link": settings.KAIBIAO_SITE_URL + reverse("evaluation:questions", args=[lot.pk])}
        subject = _("The evaluation committee asks a question: %(code)s, lot %(number)s") % facts
        body = _("The evaluation committee of %(code)s, lot %(number)s, asks your organization a written question "
                 "about its bid. Answer it on the platform by %(due)s: %(link)s") % facts
    try:
        send_mail(subject, body, None, to)
    except Exception:  # noqa: BLE001 - mail is a courtesy; the page is the channel
        log.exception("could not email the question %s to its bidder", question_id)
