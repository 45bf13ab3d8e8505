"""Who may do what on the evaluation floor: the pool's keepers, a lot's draw, a committee's names.

One predicate per kind of person, one permission per action (checked in the services, not only
in the views). Loaded by rules' autodiscovery, like trading/rules.py."""

import rules

from trading.choices import CenterLevel, LotState, Role
from trading.rules import is_center_staff, is_project_party, is_supervisor_over

# The result is final (实施条例 第四十六条: the committee's names stay secret until then).
RESULT_FINAL = frozenset({LotState.AWARDED, LotState.CONTRACTED, LotState.ARCHIVED, LotState.FAILED, LotState.CANCELLED})


def _role(user):
    return getattr(user, "role", None) if user and user.is_authenticated else None


def pool_center(center):
    """The center that keeps the pool a center draws from: the province center at the top of its
    network (三级联网)."""
    while center is not None and center.parent_id is not None:
        center = center.parent
    return center


@rules.predicate
def is_pool_keeper(user, expert=None):
    """Staff of the province center that keeps the pool (of this expert, when one is named)."""
    if _role(user) != Role.STAFF or user.center is None or user.center.level != CenterLevel.PROVINCE:
        return False
    return expert is None or expert.pool_id == user.center_id


@rules.predicate
def reads_the_pool(user, expert=None):
    """Staff and supervisors of a center of the pool's network (三级联网): the province center's
    keepers, and the city and county centers below it, which draw from it (of this expert's pool,
    when one is named)."""
    if _role(user) not in (Role.STAFF, Role.SUPERVISOR) or user.center is None:
        return False
    return expert is None or pool_center(user.center).pk == expert.pool_id


@rules.predicate
def is_expert(user):
    return _role(user) == Role.EXPERT and hasattr(user, "expert")


@rules.predicate
def is_the_expert(user, expert):
    return _role(user) == Role.EXPERT and expert is not None and expert.user_id == user.pk


@rules.predicate
def runs_the_lot(user, lot):
    return lot is not None and is_center_staff(user, lot.project)


@rules.predicate
def prepares_the_lot(user, lot):
    """Who edits the tender's draft (trading.change_project): the center's staff, the tenderee, its agent."""
    return lot is not None and (is_center_staff(user, lot.project) or is_project_party(user, lot.project))


@rules.predicate
def supervises_the_lot(user, lot):
    return lot is not None and is_supervisor_over(user, lot.project)


@rules.predicate
def sits_on_the_committee(user, lot):
    """A member of the lot's committee, drawn and not declined or timed out."""
    if _role(user) != Role.EXPERT or lot is None:
        return False
    from .choices import SEATED
    from .models import CommitteeMember

    return CommitteeMember.objects.filter(draw__lot=lot, expert__user=user, state__in=SEATED).exists()


@rules.predicate
def result_is_final(user, lot):
    return lot is not None and type(lot).objects.filter(pk=lot.pk, state__in=RESULT_FINAL).exists()


rules.add_perm("evaluation.review_expert", is_pool_keeper)
rules.add_perm("evaluation.edit_specialties", is_pool_keeper)
rules.add_perm("evaluation.keep_profile", is_the_expert)
rules.add_perm("evaluation.view_pool", reads_the_pool)
rules.add_perm("evaluation.run_draw", runs_the_lot)
rules.add_perm("evaluation.watch_draw", runs_the_lot | supervises_the_lot)
# A lot's scoring table: set by those who prepare the tender (the service refuses it once the
# tender is published); read on its staff page by them and the supervisors, by all once published.
rules.add_perm("evaluation.set_table", prepares_the_lot)
rules.add_perm("evaluation.view_table", prepares_the_lot | supervises_the_lot)
# Who may read the committee's names: before the result only the draw's staff, supervisors and
# the members themselves; everyone once the result is final (招标投标法 第四十四条).
rules.add_perm("evaluation.view_committee", runs_the_lot | supervises_the_lot | sits_on_the_committee | result_is_final)


# --- the evaluation report and the experts' signing keys (H-report) ---------------------------


@rules.predicate
def report_is_final(user, lot):
    from .choices import RoomState
    from .models import EvaluationRoom

    return lot is not None and EvaluationRoom.objects.filter(lot_id=lot.pk, state=RoomState.FINAL).exists()


@rules.predicate
def party_to_the_lot(user, lot):
    """The lot's tenderee or agent: given the report once it is final (招标投标法 第四十条)."""
    return lot is not None and is_project_party(user, lot.project)


rules.add_perm("evaluation.register_signing_key", is_expert)
# The report names the committee and its every score: the committee, the lot's center staff and
# its supervisors; the tenderee once it is final; never a bidder or the public.
rules.add_perm("evaluation.read_report",
               runs_the_lot | supervises_the_lot | sits_on_the_committee | (party_to_the_lot & report_is_final))


# --- after the report: the publicity's objections, the award, the contract (evaluation/awarding.py)


@rules.predicate
def bids_for_the_lot(user, lot):
    """A user of an organization whose bid for the lot counts (complete, not withdrawn)."""
    if _role(user) != Role.BIDDER or user.organization_id is None or lot is None:
        return False
    from bidding.choices import BidState
    from bidding.models import Bid

    return Bid.objects.filter(lot=lot, organization_id=user.organization_id, state=BidState.COMPLETE).exists()


@rules.predicate
def won_the_lot(user, lot):
    """A user of the organization the lot is awarded to."""
    if _role(user) != Role.BIDDER or user.organization_id is None or lot is None:
        return False
    from .models import Award

    return Award.objects.filter(lot=lot, winner_id=user.organization_id).exists()


rules.add_perm("evaluation.raise_objection", bids_for_the_lot)
rules.add_perm("evaluation.answer_objection", runs_the_lot)
rules.add_perm("evaluation.read_objections", runs_the_lot | supervises_the_lot | bids_for_the_lot)
rules.add_perm("evaluation.record_contract", runs_the_lot)
# The award notice (中标通知书) goes to the winner; the center, its supervisors and the tenderee
# (who issues it, 招标投标法 第四十五条) and its agent keep it too.
rules.add_perm("evaluation.download_award_notice", won_the_lot | runs_the_lot | supervises_the_lot | party_to_the_lot)
