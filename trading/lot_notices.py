"""The failure, candidates and result notices a lot's lifecycle publishes as it reaches them.

The notices the platform publishes when a lot's lifecycle reaches them: the failure notice
(流标公告) when a lot fails, the winning candidates' publicity (中标候选人公示) when the candidates
are published, the result notice (中标结果公告) at the award.

They are part of the transition, in its transaction (services._take calls `publish_for`): the
stage and its notice cannot part. A lot's failure at the deadline is the platform's own act, so
its notice has no person as author (published_by None, an audit event by "system"); the
candidates and the result are published by the staff member who takes the transition, as a
trading center's staff publish them on its platform. Each is published once per lot (the
constraint notice_once_per_lot_and_kind).

The title and text are written once, in the platform's language, as a notice is published; the
figures (prices, counts, dates) are kept beside them in `details`, so that a page writes them in
its reader's language and the platform's formats (`shown`)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from . import audit
from .choices import Category, NoticeKind
from .errors import RuleViolation
from .formats import amount, local_text
from .models import Notice, Organization

FAILURES = ("fail_too_few_bids", "fail_opening", "fail_evaluation")
KIND_OF = {**dict.fromkeys(FAILURES, NoticeKind.FAILURE), "publicize": NoticeKind.CANDIDATES, "award": NoticeKind.RESULT}
CITATION_TOO_FEW = "《招标投标法实施条例》第四十四条"
CITATION_PUBLICITY = "《招标投标法实施条例》第五十四条"


def publish_for(*, actor, lot, name: str, now, facts: dict, reason: str = "") -> Notice | None:
    """The notice transition `name` publishes for `lot` (just moved, locked, in the caller's
    transaction), or None when it publishes none."""
    kind = KIND_OF.get(name)
    if kind is None:
        return None
    ranked = _ranked(facts["candidates"]) if kind == NoticeKind.CANDIDATES else None  # refused in the reader's words
    with translation.override(settings.LANGUAGE_CODE):  # published once, in the platform's language
        if kind == NoticeKind.FAILURE:
            body, details = _failure(lot, name, now, facts, reason)
        elif kind == NoticeKind.CANDIDATES:
            body, details = _candidates(lot, now, ranked)
        else:
            body, details = _result(lot)
        title = _title(lot, kind)
    if Notice.objects.filter(lot=lot, kind=kind).exists():  # the database's constraint says so too
        raise RuleViolation(_("This lot's “%(kind)s” is published already.") % {"kind": NoticeKind(kind).label})
    notice = Notice.objects.create(project=lot.project, lot=lot, kind=kind, title=title[:200], body=body,
                                   details=details, published_at=now, published_by=actor)
    audit.record(actor=actor, action=f"notice.{kind}", obj=notice, project=lot.project,
                 data={"lot": lot.number, "title": notice.title, **details})
    return notice


def _title(lot, kind) -> str:
    project = lot.project
    label = NoticeKind(kind).label
    if project.lots.count() > 1:
        return _("%(project)s (%(lot)s): %(kind)s") % {"project": project.name, "lot": lot.name, "kind": label}
    return _("%(project)s: %(kind)s") % {"project": project.name, "kind": label}


def _failure(lot, name, now, facts, reason):
    project = lot.project
    details = {"lot": lot.number, "lot_name": lot.name, "transition": name}
    if name == "fail_too_few_bids":
        details.update({"complete_bids": facts.get("complete_bids", 0), "min_bids": project.min_bids,
                        "citation": CITATION_TOO_FEW})
        body = _(
            "At the bid deadline, %(deadline)s (Beijing time), %(n)d complete bids had been received for this lot, "
            "fewer than the %(min)d the law requires to open them (%(citation)s). The bids are not opened and the "
            "lot has failed. The tenderee will tender it again according to law."
        ) % {"deadline": local_text(project.bid_deadline, "min"), "n": details["complete_bids"], "min": project.min_bids,
             "citation": CITATION_TOO_FEW}
    else:
        details["reason"] = reason
        body = _("This lot failed on %(date)s (Beijing time). Reason: %(reason)s. "
                 "The tenderee will tender it again according to law.") % {
            "date": local_text(now, "min"), "reason": reason.strip().rstrip("。.；;")}
    return _common(lot) + body, details


def _ranked(candidates) -> list[dict]:
    """The signed report's candidates, in its order, each a registered organization with its bid price."""
    ranked = []
    for rank, candidate in enumerate(candidates, start=1):
        organization = Organization.objects.filter(pk=candidate.get("organization")).first()
        if organization is None:
            raise RuleViolation(_("Winning candidate %(rank)d is not a registered organization.") % {"rank": rank})
        try:
            price = amount(candidate.get("price"), exact=True)
        except ValueError:
            price = None
        if price is None:
            raise RuleViolation(_("Winning candidate %(rank)d has no bid price.") % {"rank": rank})
        ranked.append({"rank": rank, "organization": organization.pk, "name": organization.name,
                       "uscc": organization.uscc, "price": str(price)})
    return ranked


def _candidates(lot, now, ranked):
    """The ranked candidates, and the publicity's days (at least three, 实施条例 第五十四条), during
    which bidders and others concerned may object."""
    ends = now + timedelta(days=lot.project.publicity_days)
    details = {"lot": lot.number, "lot_name": lot.name, "candidates": ranked,
               "publicity_starts": now.isoformat(), "publicity_ends": ends.isoformat(), "citation": CITATION_PUBLICITY}
    body = _(
        "The evaluation committee has reviewed the bids and its signed report ranks the winning candidates below. "
        "They are in publicity from %(starts)s to %(ends)s (Beijing time). A bidder or another party concerned who "
        "objects to the result of the evaluation raises it with the tenderee during the publicity (%(citation)s)."
    ) % {"starts": local_text(now, "min"), "ends": local_text(ends, "min"), "citation": CITATION_PUBLICITY}
    return _common(lot) + body, details


def _result(lot):
    """The winner is the first-ranked candidate of the publicity (实施条例 第五十五条: for state-funded
    tenders that must be tendered, the tenderee names the first); the price is the award's."""
    published = lot.notices.filter(kind=NoticeKind.CANDIDATES).first()
    first = (published.details.get("candidates") or [None])[0] if published else None
    winner = {"organization": first["organization"], "name": first["name"], "uscc": first["uscc"]} if first else None
    details = {"lot": lot.number, "lot_name": lot.name, "winner": winner, "award_price": str(lot.award_price),
               "budget": str(lot.budget)}
    if lot.reserve_price is not None:
        details["reserve_price"] = str(lot.reserve_price)
    sale = lot.project.category in Category.price_sales()
    if winner:
        body = (_("The winning bidder of this lot is %(winner)s.") if not sale else
                _("The buyer of this lot is %(winner)s.")) % {"winner": winner["name"]}
    else:
        body = _("The award of this lot is recorded.")
    return _common(lot) + body, details


def _common(lot) -> str:
    project = lot.project
    parts = [_("Project: %(code)s %(name)s.") % {"code": project.code, "name": project.name},
             _("Lot %(number)d: %(name)s.") % {"number": lot.number, "name": lot.name},
             _("Tenderee: %(name)s.") % {"name": project.tenderee.name}]
    if project.agent_id:
        parts.append(_("Tendering agent: %(name)s.") % {"name": project.agent.name})
    return "\n".join(parts) + "\n\n"


def shown(notice: Notice) -> dict:
    """A lot notice's figures as a page shows them: times as datetimes, amounts as they were
    published (the page formats them with the `yuan` filter). Empty for other notices."""
    details = dict(notice.details or {})
    if not details:
        return details
    details["sale"] = notice.project.category in Category.price_sales()  # a buyer, not a winning bidder
    for key in ("publicity_starts", "publicity_ends"):
        if details.get(key):
            details[key] = datetime.fromisoformat(details[key])
    return details
