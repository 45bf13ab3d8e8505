"""Telling a drawn expert of their seat: one email and one text message, once the draw commits.

The message names the lot, the time and place of the evaluation (online, or the evaluation
room), the time by which to answer and the page where to answer. It names no bidder and no other
member of the committee (招标投标法 第四十四条): each member's message is about their own seat.
It is written in the platform's language (settings.LANGUAGE_CODE, zh-hans), whatever the
language of the request that caused it.

Sent after the transaction that seated the expert commits (a draw rolled back tells nobody),
through Django's mail backend (settings.EMAIL_BACKEND) and evaluation.sms's backend. A failure to
send is logged and leaves the seat as it is: the expert also finds it on the platform."""

import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from trading.formats import zoned_text

from . import sms
from .models import CommitteeMember

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Invitation:
    subject: str
    body: str  # the email's text
    text: str  # the text message: one line


def answer_link() -> str:
    return settings.KAIBIAO_SITE_URL + reverse("evaluation:invitations")


def place_text(draw) -> str:
    if draw.place:
        return _("evaluation room %(room)s") % {"room": draw.place}
    return _("online, on the platform")


def invitation(member: CommitteeMember) -> Invitation:
    """The messages for one member, in the current language."""
    draw = member.draw
    lot = draw.lot
    project = lot.project
    facts = {
        "name": member.expert.user.display_name,
        "code": project.code, "project": project.name, "number": lot.number, "lot": lot.name,
        "evaluation_at": zoned_text(draw.evaluation_at, "min"), "place": place_text(draw),
        "due": zoned_text(member.answer_due, "min"), "minutes": draw.answer_minutes, "link": answer_link(),
    }
    subject = _("Invitation to evaluate: %(code)s, lot %(number)s") % facts
    body = "\n\n".join([
        _("Dear %(name)s,") % facts,
        _("You have been drawn at random from the expert pool to sit on the evaluation committee of "
          "%(code)s %(project)s, lot %(number)s %(lot)s.") % facts,
        _("The evaluation starts at %(evaluation_at)s. Place: %(place)s.") % facts,
        _("Please confirm or decline on the platform by %(due)s: %(link)s") % facts,
        _("If you do not answer by then, your seat goes to another expert drawn at random.") % facts,
        _("Keep this invitation to yourself: the committee's names stay secret until the result is published."),
    ])
    text = _("[%(platform)s] You are drawn to evaluate %(code)s lot %(number)s, starting %(evaluation_at)s, "
             "%(place)s. Confirm or decline by %(due)s: %(link)s") % {**facts, "platform": _("Kaibiao")}
    return Invitation(subject=subject, body=body, text=text)


def send_invitation(member_id: int) -> None:
    """Email and text the member of `member_id` their invitation, in the platform's language."""
    member = (CommitteeMember.objects.select_related("expert__user", "draw__lot__project")
              .filter(pk=member_id).first())
    if member is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        message = invitation(member)
    email = member.expert.user.email
    if email:
        try:
            send_mail(message.subject, message.body, None, [email])
        except Exception:  # the seat stands; the expert also finds it on the platform
            log.exception("the invitation email for committee seat %s was not sent", member_id)
    else:
        log.warning("committee seat %s: the expert has no email address; text message only", member_id)
    try:
        sms.send(member.expert.phone, message.text)
    except Exception:
        log.exception("the invitation text message for committee seat %s was not sent", member_id)


def send_on_commit(member_id: int) -> None:
    """Send the invitation once the current transaction commits; never if it rolls back."""
    transaction.on_commit(partial(send_invitation, member_id), robust=True)
