"""A lot's committee draw: set up with its exclusions and commitment, drawn, replaced, revealed.

Each action takes the acting user first, checks the permission here, runs in one transaction
and writes its audit event (DESIGN.md §2). The draw's rule itself is evaluation.drawing's; who
may sit, evaluation.screening's; the committee's composition, evaluation.committee_rules'."""

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trading import audit
from trading.choices import LotState
from trading.errors import NotFound, RuleViolation
from trading.formats import zoned_text
from trading.models import Lot
from trading.rules import check

from . import drawing, screening
from .choices import GIVEN_UP, DrawState, RegionScope
from .committee_rules import request_refusals, size_refusals, split_by_region
from .models import CommitteeDraw, CommitteeMember, Specialty
from .rules import RESULT_FINAL, pool_center
from .signals import member_drawn

MIN_ANSWER_MINUTES, MAX_ANSWER_MINUTES = 5, 24 * 60


@dataclass
class DrawRequest:
    """What the staff ask for: the committee's size, the tenderee's representatives (named, never
    drawn), the experts by specialty, where they come from, and the evaluation's time and place."""

    size: int
    representatives: list[str]
    specialties: list[tuple[str, int]]  # (second-level code, experts), in order
    region_scope: str = RegionScope.ANY
    local_percent: int | None = None
    evaluation_at: datetime | None = None
    place: str = ""  # blank: online
    answer_minutes: int = 30
    lookback_years: int = 3


def lot_label(lot) -> str:
    """The lot as the draw's bytes name it (docs/expert-draw.md): project code and lot number."""
    return f"{lot.project.code}-{lot.number:02d}"


def _lot_for_draw(actor, lot_id, *, perm="evaluation.run_draw") -> Lot:
    lot = Lot.objects.select_for_update(of=("self",)).select_related("project", "project__center").filter(pk=lot_id).first()
    if lot is None:
        raise NotFound(_("No such lot."))
    check(actor, perm, lot)
    return lot


def set_up(actor, lot_id: int, request: DrawRequest, *, now=None) -> CommitteeDraw:
    """Set up a lot's draw after its opening: check the committee's rules, screen the pool, fix
    the eligible pool's snapshot and publish the commitment to a fresh secret seed."""
    now = now or timezone.now()
    with transaction.atomic():
        lot = _lot_for_draw(actor, lot_id)
        if lot.state != LotState.EVALUATION:
            raise RuleViolation(_("The committee is drawn after the opening, while the lot is in evaluation; it is "
                                  "“%(state)s”.") % {"state": lot.get_state_display()})
        if CommitteeDraw.objects.filter(lot=lot).exists():
            raise RuleViolation(_("This lot's committee draw is already set up."))
        representatives = [name.strip() for name in request.representatives if name.strip()]
        known = set(Specialty.objects.filter(active=True, parent__isnull=False).values_list("code", flat=True))
        refusals = size_refusals(lot, request.size, len(representatives)) + request_refusals(
            request.size, len(representatives), request.specialties, known, request.region_scope, request.local_percent)
        if request.evaluation_at is None or request.evaluation_at <= now:
            refusals.append(_("The evaluation must start later than now (%(now)s).") % {"now": zoned_text(now)})
        if not MIN_ANSWER_MINUTES <= request.answer_minutes <= MAX_ANSWER_MINUTES:
            refusals.append(_("The time to answer is between %(low)d and %(high)d minutes.")
                            % {"low": MIN_ANSWER_MINUTES, "high": MAX_ANSWER_MINUTES})
        if refusals:
            raise RuleViolation(" ".join(refusals))
        groups = split_by_region(request.specialties, request.region_scope, request.local_percent)
        pool = pool_center(lot.project.center)
        day = timezone.localtime(request.evaluation_at).date()
        screened = screening.screen(lot, pool=pool, codes={g["specialty"] for g in groups}, scope=request.region_scope,
                                    evaluation_day=day, lookback_years=request.lookback_years)
        short = drawing.shortages(screened.eligible, groups)
        if short:
            raise RuleViolation(shortage_text(short))
        label, seed = lot_label(lot), drawing.new_seed()
        digest = drawing.snapshot_digest(label, screened.eligible)
        draw = CommitteeDraw.objects.create(
            lot=lot, size=request.size, tenderee_reps=representatives, region_scope=request.region_scope,
            local_percent=request.local_percent if request.region_scope == RegionScope.MIX else None,
            lookback_years=request.lookback_years, answer_minutes=request.answer_minutes,
            evaluation_at=request.evaluation_at, place=request.place.strip(), groups=groups,
            exclusions=screened.exclusions, snapshot=drawing.snapshot_bytes(label, screened.eligible).decode(),
            snapshot_digest=digest, seed=seed.hex(), commitment=drawing.commitment(label, digest, seed),
            set_up_by=actor, set_up_at=now)
        audit.record(actor=actor, action="draw.set_up", obj=draw, project=lot.project, data={
            "lot": str(lot), "committee_size": draw.size, "representatives": len(representatives), "groups": groups,
            "region_scope": draw.region_scope, "evaluation_at": draw.evaluation_at, "place": draw.place,
            "answer_minutes": draw.answer_minutes})
        audit.record(actor=actor, action="draw.screened", obj=draw, project=lot.project, data={
            "lot": str(lot), "eligible": len(screened.eligible), "excluded": exclusion_counts(screened.exclusions),
            "exclusions_sha256": hashlib.sha256(canonical_json(screened.exclusions)).hexdigest(),
            "lookback_years": draw.lookback_years})
        audit.record(actor=actor, action="draw.committed", obj=draw, project=lot.project, data={
            "lot": str(lot), "commitment": draw.commitment, "snapshot_digest": digest, "groups": groups})
    return draw


def canonical_json(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def exclusion_counts(exclusions) -> dict:
    """How many experts each reason kept out (an expert with two reasons counts under both)."""
    return dict(sorted(Counter(r["reason"] for e in exclusions for r in e["reasons"]).items()))


def shortage_text(short) -> str:
    """The pool cannot fill the request: which specialty (and region) is short, by how many."""
    names = dict(Specialty.objects.filter(code__in=[s[1] for s in short]).values_list("code", "name"))
    scopes = {"local": _("from the lot's own region"), "remote": _("from other regions"), "any": ""}
    parts = [_("%(specialty)s %(scope)s: %(missing)d too few") % {
        "specialty": f"{code} {names.get(code, '')}".strip(), "scope": scopes.get(scope, ""), "missing": missing}
        for _g, code, scope, missing in short]
    return _("After the exclusions the pool cannot fill the committee: %(parts)s.") % {"parts": "；".join(parts)}


def _experts(draw) -> list[dict]:
    return json.loads(draw.snapshot)["experts"]


def _seed(draw) -> bytes:
    return bytes.fromhex(draw.seed)


def _replacements(draw) -> list[tuple[int, int]]:
    return [(m.group, m.replaces.expert_id) for m in
            draw.members.filter(replaces__isnull=False).select_related("replaces").order_by("pick")]


def draw_committee(actor, lot_id: int, *, now=None) -> list[CommitteeMember]:
    """Draw the committee by the published rule, notify each member, and record it."""
    now = now or timezone.now()
    with transaction.atomic():
        lot = _lot_for_draw(actor, lot_id)
        draw = CommitteeDraw.objects.select_for_update().filter(lot=lot).first()
        if draw is None:
            raise RuleViolation(_("Set up the draw first: its commitment is published before the draw."))
        if draw.state != DrawState.COMMITTED:
            raise RuleViolation(_("This committee has been drawn already."))
        if lot.state != LotState.EVALUATION:
            raise RuleViolation(_("The lot is “%(state)s”: its committee is no longer drawn.")
                                % {"state": lot.get_state_display()})
        try:
            result = drawing.draw(lot_label(lot), _seed(draw), _experts(draw), draw.groups)
        except drawing.ShortPool as short:
            raise RuleViolation(shortage_text(short.short)) from short
        members = [_seat(draw, pick, now) for pick in result.picks]
        draw.state, draw.drawn_at = DrawState.DRAWN, now
        draw.save(update_fields=["state", "drawn_at"])
        audit.record(actor=actor, action="draw.drawn", obj=draw, project=lot.project, data={
            "lot": str(lot), "picks": [{"pick": m.pick, "expert": m.expert_id, "group": m.group} for m in members]})
        for member in members:
            member_drawn.send(sender=CommitteeMember, member=member)
    return members


def _seat(draw, pick, now) -> CommitteeMember:
    replaced = None
    if pick.replaces is not None:
        replaced = draw.members.get(expert_id=pick.replaces)
    return CommitteeMember.objects.create(
        draw=draw, expert_id=pick.expert, pick=pick.p, group=pick.group, notified_at=now,
        answer_due=now + timedelta(minutes=draw.answer_minutes), replaces=replaced)


def replace(*, member: CommitteeMember, now=None) -> CommitteeMember | None:
    """Draw a replacement, by the same rule, for a member who declined or did not answer (the
    caller has set their state and reason, in its transaction). None if the pool has run short:
    the draw is then marked short and the staff are told on the draw's page."""
    now = now or timezone.now()
    if member.state not in GIVEN_UP:
        raise RuleViolation(_("Only a member who declined or did not answer in time is replaced."))
    with transaction.atomic():
        draw = CommitteeDraw.objects.select_for_update().select_related("lot__project").get(pk=member.draw_id)
        if CommitteeMember.objects.filter(replaces=member).exists():
            return None  # replaced already
        lot, label = draw.lot, lot_label(draw.lot)
        try:
            # The whole draw replayed once, with this replacement last: its last pick is the new one.
            pick = drawing.replay(label, _seed(draw), _experts(draw), draw.groups,
                                  [*_replacements(draw), (member.group, member.expert_id)]).picks[-1]
        except drawing.ShortPool as short:
            draw.state = DrawState.SHORT
            draw.save(update_fields=["state"])
            audit.record(actor=None, action="draw.short", obj=draw, project=lot.project, data={
                "lot": str(lot), "member": member.pk, "group": member.group, "shortage": shortage_text(short.short)})
            return None
        new = _seat(draw, pick, now)
        audit.record(actor=None, action="draw.replaced", obj=draw, project=lot.project, data={
            "lot": str(lot), "member": member.pk, "expert": member.expert_id, "member_state": member.state,
            "reason": member.reason, "replacement": new.pk, "replacement_expert": new.expert_id, "pick": new.pick,
            "group": new.group})
        member_drawn.send(sender=CommitteeMember, member=new)
    return new


def reveal_if_final(*, lot, now) -> CommitteeDraw | None:
    """Once a lot's result is final, its draw's seed is published, so that anyone can recompute
    the committee (docs/expert-draw.md). Called by the lifecycle's signal, in its transaction."""
    if lot.state not in RESULT_FINAL:
        return None
    with transaction.atomic():
        draw = CommitteeDraw.objects.select_for_update().filter(lot=lot, revealed_at__isnull=True).first()
        if draw is None or draw.drawn_at is None:
            return None
        draw.revealed_at = now
        draw.state = DrawState.REVEALED
        draw.save(update_fields=["revealed_at", "state"])
        audit.record(actor=None, action="draw.revealed", obj=draw, project=lot.project,
                     data={"lot": str(lot), "seed": draw.seed, "commitment": draw.commitment,
                           "snapshot_digest": draw.snapshot_digest})
    return draw


def published(draw) -> dict:
    """draw.json as published after the result (drawing.published_draw), from what is stored."""
    return drawing.published_draw(lot_label(draw.lot), _seed(draw), _experts(draw), draw.groups, _replacements(draw))
