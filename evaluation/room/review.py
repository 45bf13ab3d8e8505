"""The evaluation room's review part: each member's pass or fail on every check of every opened bid, and the committee's conclusion.

Each member records a verdict for every (opened bid × the lot's qualification and
responsiveness check), a written reason for every fail, may change it until they submit, and
submits the whole (refused while any is missing). When every seated member has submitted, the
review is concluded: a bid fails a check where the majority of the seated members say fail
(their reasons kept, every one of them), and a bid failing any check is not responsive
(实施条例 第五十一条). Before that, the room learns counts only: each expert judges alone
(第四十九条). The leader may return a submission for correction before the conclusion, and
starts the scoring after it; where no bid is responsive the scoring cannot start and the lot
fails by the center's staff (trading's fail_evaluation), never here.

Questions to bidders (澄清) are evaluation/room/questions.py; their commands are listed here."""

from collections import Counter

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trading import audit
from trading.errors import NotFound, PermissionDenied, RuleViolation

from ..choices import SEATED, Stage
from ..models import CheckVerdict, CommitteeMember, Submission, TableCheck
from . import core, questions, states

PASS, FAIL = "pass", "fail"
REASON_MAX = 2000  # characters of a fail's reason

FIELDS: dict = {"bid_id": int, "check_id": int, "verdict": str, "reason": str, "member_id": int, "question": str,
                "hours": int}
LONG_COMMANDS: frozenset = frozenset()


# --- what the committee reviews ---------------------------------------------------------------


def lot_checks(lot_id) -> list[dict]:
    """The lot's pass/fail checks in the table's order (one query)."""
    return list(TableCheck.objects.filter(table__lot_id=lot_id).order_by("order").values("id", "kind", "name"))


def _seated_ids(lot_id) -> list[int]:
    return list(CommitteeMember.objects.filter(draw__lot_id=lot_id, state__in=SEATED).order_by("pick")
                .values_list("pk", flat=True))


def _submitted_ids(room) -> set[int]:
    return set(Submission.objects.filter(room=room, stage=Stage.REVIEW).values_list("member_id", flat=True))


def _verdict_rows(room) -> list[dict]:
    return list(CheckVerdict.objects.filter(room=room).order_by("at", "pk")
                .values("member_id", "bid_id", "table_check_id", "passed", "reason", "at"))


def _counted(rows, bids, checks) -> list[dict]:
    """The verdicts on the bids and checks under review (a row of another is never counted)."""
    bid_ids, check_ids = {b["id"] for b in bids}, {c["id"] for c in checks}
    return [r for r in rows if r["bid_id"] in bid_ids and r["table_check_id"] in check_ids]


def concluded(seated: list[int], submitted: set[int]) -> bool:
    return bool(seated) and set(seated) <= submitted


def tally(rows, *, bids, checks, seated) -> dict:
    """The committee's conclusion from every seated member's verdicts (pure): per bid, per check,
    how many said fail and pass, whether the check fails (fails > half the seated members) and
    every failing member's reason; a bid failing any check is not responsive."""
    seated = list(seated)
    by_key = {}
    for r in _counted(rows, bids, checks):
        if r["member_id"] in seated:
            by_key.setdefault((r["bid_id"], r["table_check_id"]), []).append(r)
    out = []
    for bid in bids:
        results = []
        for check in checks:
            said = by_key.get((bid["id"], check["id"]), [])
            fails = [r for r in said if not r["passed"]]
            results.append({"check": check["id"], "fails": len(fails), "passes": len(said) - len(fails),
                            "failed": 2 * len(fails) > len(seated),
                            "reasons": [{"member": r["member_id"], "reason": r["reason"]} for r in fails]})
        out.append({"bid": bid["id"], "responsive": not any(c["failed"] for c in results), "checks": results})
    return {"bids": out, "responsive": sum(1 for b in out if b["responsive"]), "members": len(seated)}


def conclusion(room) -> dict | None:
    """The review's conclusion once every seated member has submitted, else None; for the scoring
    (responsive bids), the report and the summary (five queries, whatever the numbers)."""
    seated = _seated_ids(room.lot_id)
    if not concluded(seated, _submitted_ids(room)):
        return None
    return tally(_verdict_rows(room), bids=core.opened_bids(room.lot_id), checks=lot_checks(room.lot_id),
                 seated=seated)


def responsive_bid_ids(room) -> list[int] | None:
    """The bids the committee found responsive, in the record's order; None before the conclusion."""
    found = conclusion(room)
    return None if found is None else [b["bid"] for b in found["bids"] if b["responsive"]]


# --- commands --------------------------------------------------------------------------------


def _reviewing_member(lot_id, actor, step):
    room = core.locked(lot_id)
    core.require_step(room, step)
    core.require_running(room)
    return room, core.member_acting(room, actor)


def _submitted(room, member) -> bool:
    return Submission.objects.filter(room=room, member=member, stage=Stage.REVIEW).exists()


def _progress(room, member, bids, checks) -> dict:
    recorded = len(_counted(list(CheckVerdict.objects.filter(room=room, member=member)
                                 .values("bid_id", "table_check_id")), bids, checks))
    return {"member": member.pk, "recorded": recorded, "to_record": len(bids) * len(checks)}


def record_verdict(*, actor, lot_id, bid_id, check_id, verdict, reason="", now=None) -> CheckVerdict:
    """A member's pass or fail on one check of one opened bid (a fail with its written reason);
    changed as often as they like until they submit."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if verdict not in (PASS, FAIL):
        raise RuleViolation(_("A check is recorded as pass or fail."))
    if verdict == FAIL and not reason:
        raise RuleViolation(_("Write why the bid fails this check: the reason is kept in the report."), field="reason")
    if len(reason) > REASON_MAX:
        raise RuleViolation(_("Keep the reason within %(n)d characters.") % {"n": REASON_MAX}, field="reason")
    with transaction.atomic():
        room, member = _reviewing_member(lot_id, actor, "record_verdict")
        if _submitted(room, member):
            raise RuleViolation(_("You have submitted your review: it changes only if the leader returns it to you."))
        bids, checks = core.opened_bids(lot_id), lot_checks(lot_id)
        bid = next((b for b in bids if b["id"] == bid_id), None)
        if bid is None:
            raise NotFound(_("This bid is not among the bids opened for this lot."))
        check = next((c for c in checks if c["id"] == check_id), None)
        if check is None:
            raise NotFound(_("This check is not in the lot's scoring table."))
        row, _created = CheckVerdict.objects.update_or_create(
            member=member, bid_id=bid_id, table_check_id=check_id,
            defaults={"room": room, "passed": verdict == PASS, "reason": reason, "at": now})
        # The verdict itself goes to the audit trail (staff and supervisors); the room hears a count.
        audit.record(actor=actor, action="evaluation.verdict_recorded", obj=room, project=room.lot.project,
                     data={"bidder": bid["bidder"], "bid": bid_id, "check": check["name"], "table_check": check_id,
                           "verdict": verdict, "reason": reason})
        core.append(room, "review_progress", _progress(room, member, bids, checks), actor=actor, at=now)
    return row


def submit_review(*, actor, lot_id, now=None) -> dict | None:
    """A member submits their review whole: every check of every opened bid recorded, else
    refused with how many are missing. The last seated member's submission concludes the review.
    Returns the conclusion when this submission made it, else None."""
    now = now or timezone.now()
    with transaction.atomic():
        room, member = _reviewing_member(lot_id, actor, "submit_review")
        if _submitted(room, member):
            raise RuleViolation(_("You have already submitted your review."))
        bids, checks = core.opened_bids(lot_id), lot_checks(lot_id)
        progress = _progress(room, member, bids, checks)
        missing = progress["to_record"] - progress["recorded"]
        if missing:
            raise RuleViolation(ngettext(
                "%(n)d check is not recorded yet: record every check of every bid, then submit.",
                "%(n)d checks are not recorded yet: record every check of every bid, then submit.", missing)
                % {"n": missing})
        Submission.objects.create(room=room, member=member, stage=Stage.REVIEW, at=now)
        seated, submitted = _seated_ids(lot_id), _submitted_ids(room)
        core.append(room, "review_submitted", {"member": member.pk, "expert": member.expert.user.display_name,
                                               "submitted": len(submitted & set(seated)), "seated": len(seated)},
                    actor=actor, at=now)
        if not concluded(seated, submitted):
            return None
        found = tally(_verdict_rows(room), bids=bids, checks=checks, seated=seated)
        core.append(room, "review_concluded", _concluded_data(found, bids, checks), actor=actor, at=now)
        return found


def _concluded_data(found, bids, checks) -> dict:
    """The conclusion as the room's event and the audit trail keep it: each bid's outcome and,
    for each check it fails, the failing members' reasons (without their names: the room's
    snapshot pairs them with the members)."""
    bidder = {b["id"]: b["bidder"] for b in bids}
    name = {c["id"]: c["name"] for c in checks}
    return {"responsive": found["responsive"], "members": found["members"], "outcomes": [
        {"bid": b["bid"], "bidder": bidder[b["bid"]], "responsive": b["responsive"],
         "failed": [{"check": name[c["check"]], "fails": c["fails"], "reasons": [r["reason"] for r in c["reasons"]]}
                    for c in b["checks"] if c["failed"]]}
        for b in found["bids"]]}


def _require_leader(room, member):
    if room.leader_id != member.pk:
        raise PermissionDenied(_("Only the committee leader may do this."))


def return_submission(*, actor, lot_id, member_id, reason, now=None) -> None:
    """The leader returns a member's submitted review, with the reason, so that the member can
    correct it: only before the conclusion (after it, the review stands as concluded)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_("Say why the review is returned: the reason is kept in the record."), field="reason")
    with transaction.atomic():
        room, leader = _reviewing_member(lot_id, actor, "return_submission")
        _require_leader(room, leader)
        if room.state != states.R.REVIEWING:
            raise RuleViolation(_("The review is concluded: no review is returned after it."))
        seated = _seated_ids(lot_id)
        if concluded(seated, _submitted_ids(room)):
            raise RuleViolation(_("The review is concluded: no review is returned after it."))
        if member_id not in seated:
            raise NotFound(_("No such member on this committee."))
        deleted, _rows = Submission.objects.filter(room=room, member_id=member_id, stage=Stage.REVIEW).delete()
        if not deleted:
            raise RuleViolation(_("This member has not submitted a review: there is nothing to return."))
        member = CommitteeMember.objects.select_related("expert__user").get(pk=member_id)
        core.append(room, "submission_returned", {"member": member_id, "expert": member.expert.user.display_name,
                                                  "stage": Stage.REVIEW.value, "reason": reason}, actor=actor, at=now)


def start_scoring(*, actor, lot_id, now=None) -> None:
    """The leader starts the scoring once the review is concluded and at least one bid is
    responsive. With none, the scoring cannot start: the lot fails, by the center's staff."""
    now = now or timezone.now()
    with transaction.atomic():
        room, leader = _reviewing_member(lot_id, actor, "start_scoring")
        _require_leader(room, leader)
        seated, submitted = _seated_ids(lot_id), _submitted_ids(room)
        if not concluded(seated, submitted):
            raise RuleViolation(_("The scoring starts once every member has submitted the review: %(done)d of "
                                  "%(all)d have.") % {"done": len(submitted & set(seated)), "all": len(seated)})
        found = tally(_verdict_rows(room), bids=core.opened_bids(lot_id), checks=lot_checks(lot_id), seated=seated)
        if not found["responsive"]:
            raise RuleViolation(no_responsive_bid())
        room.state = states.STEPS["start_scoring"].target
        room.save(update_fields=["state"])
        core.append(room, "scoring_started", {"responsive": found["responsive"]}, actor=actor, at=now)


def no_responsive_bid() -> str:
    return _("No bid is responsive: there is nothing to score. The lot fails; the center's staff record it "
             "with the committee's reasons (%(law)s).") % {"law": "《招标投标法实施条例》第五十一条"}


# The consumer's table: message type → (service, the message's fields it passes on).
COMMANDS: dict = {
    "record_verdict": (record_verdict, ("bid_id", "check_id", "verdict", "reason")),
    "submit_review": (submit_review, ()),
    "return_review": (return_submission, ("member_id", "reason")),
    "start_scoring": (start_scoring, ()),
    "ask_question": (questions.ask_question, ("bid_id", "question", "hours")),
}


# --- the snapshot ---------------------------------------------------------------------------


def _member_id(viewer):
    member_id = getattr(viewer, "member_id", None)
    if member_id is None:
        member_id = getattr(getattr(viewer, "member", None), "pk", None)
    return member_id


def _verdict_out(r, *, member=False) -> dict:
    out = {"bid": r["bid_id"], "check": r["table_check_id"], "verdict": PASS if r["passed"] else FAIL,
           "reason": r["reason"], "at": r["at"].isoformat()}
    if member:
        out["member"] = r["member_id"]
    return out


def snapshot_part(room, viewer) -> dict:
    """The review as `viewer` may see it (seven queries, whatever the numbers): everyone the
    room admits sees each member's counts; a member sees their own verdicts; once concluded,
    everyone sees every verdict, each bid's outcome and the reasons; the questions to bidders."""
    lot_id = room.lot_id
    bids, checks = core.opened_bids(lot_id), lot_checks(lot_id)
    seated, submitted = _seated_ids(lot_id), _submitted_ids(room)
    rows = _counted(_verdict_rows(room), bids, checks)
    done = concluded(seated, submitted)
    per_member = Counter(r["member_id"] for r in rows)
    me = _member_id(viewer)
    mine = None
    if me in seated:
        mine = {"submitted": me in submitted, "verdicts": [_verdict_out(r) for r in rows if r["member_id"] == me]}
    part = {
        "to_record": len(bids) * len(checks),
        "progress": [{"member": m, "recorded": per_member.get(m, 0), "submitted": m in submitted} for m in seated],
        "submitted": len(submitted & set(seated)), "seated": len(seated),
        "concluded": done, "mine": mine, "conclusion": None,
        "questions": questions.snapshot_questions(room),
        "question_hours": {"default": questions.DEFAULT_HOURS, "max": questions.MAX_HOURS},
        "files_url": reverse("evaluation:bid_files", args=[lot_id]) if mine is not None else None,
        "no_responsive": "",
    }
    if done:
        found = tally(rows, bids=bids, checks=checks, seated=seated)
        part["conclusion"] = {**found, "verdicts": [_verdict_out(r, member=True) for r in rows
                                                     if r["member_id"] in seated]}
        if not found["responsive"]:
            part["no_responsive"] = no_responsive_bid()
    return part
