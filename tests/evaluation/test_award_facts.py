"""The lifecycle's facts from the evaluation floor: the candidates are published from the final report only, as it ranks them, at the prices read at the opening."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from bidding.models import Bid
from evaluation import facts
from evaluation.choices import RoomState
from tests.evaluation.awarding import opened, publicized, report_final
from tests.evaluation.drawn import evaluated_lot
from tests.trading.factories import staff
from trading import lifecycle, services
from trading.choices import EvaluationMethod, LotState, NoticeKind
from trading.errors import RuleViolation

pytestmark = pytest.mark.django_db


def publicize(lot, **kw):
    return services.transition_lot(actor=staff(lot.project.center), lot=lot, name="publicize", **kw)


def refusal(fn) -> str:
    with translation.override("en"), pytest.raises(RuleViolation) as refused:
        fn()
    with translation.override("en"):
        return str(refused.value)


def test_the_candidates_wait_for_the_final_report():
    lot = evaluated_lot(bidders=3)
    bids = opened(lot, ["912345.67", "930000", "948800.50"])
    room = report_final(lot, bids[:2])
    room.state = RoomState.SIGNING  # made and being signed, not final
    room.save()
    assert refusal(lambda: publicize(lot)) == "The evaluation report must be signed by every committee member first."
    lot.refresh_from_db()
    assert lot.state == LotState.EVALUATION


def test_the_final_report_ranks_the_candidates_at_the_prices_read_at_the_opening():
    lot = evaluated_lot(bidders=3)
    bids = opened(lot, ["912345.67", "930000", "948800.50"])
    report_final(lot, [bids[2], bids[0]])  # the committee ranked the dearest bid first
    publicize(lot)
    notice = lot.notices.get(kind=NoticeKind.CANDIDATES)
    assert [(c["rank"], c["organization"], c["price"]) for c in notice.details["candidates"]] == [
        (1, bids[2].organization_id, "948800.50"), (2, bids[0].organization_id, "912345.67")]


def test_the_ranking_is_read_when_the_result_names_no_candidates_list():
    lot = evaluated_lot(bidders=3)
    bids = opened(lot, ["100", "200", "300"])
    room = report_final(lot, bids)
    room.summary["result"] = {"ranking": [{"bid": bids[1].pk, "rank": 2}, {"bid": bids[2].pk, "rank": 1},
                                          {"bid": bids[0].pk, "rank": 3}]}
    room.save()
    assert facts.lifecycle_facts(lot, timezone.now())["candidates"] == [
        {"organization": bids[2].organization_id, "price": "300.00"},
        {"organization": bids[1].organization_id, "price": "200.00"},
        {"organization": bids[0].organization_id, "price": "100.00"}]


def test_a_candidate_that_is_not_an_opened_bid_of_the_lot_is_refused_by_its_rank():
    lot = evaluated_lot(bidders=3)
    bids = opened(lot, ["100", "200", "300"])
    other = evaluated_lot(bidders=1)
    report_final(lot, [bids[0], opened(other, ["50"])[0]])
    assert refusal(lambda: publicize(lot)) == "Winning candidate 2 is not a registered organization."


def test_a_price_sale_ranks_the_offers_at_or_above_the_reserve_price_highest_first():
    lot = evaluated_lot(bidders=4, category="land")
    lot.evaluation_method, lot.reserve_price, lot.ceiling_price = EvaluationMethod.HIGHEST_PRICE, Decimal("5000000"), None
    lot.save()
    bids = opened(lot, ["5100000", "4990000", "5300000", "5100000"])  # one below the reserve, two equal
    # of the equal offers, the one read last at the opening was completed an hour before the other
    Bid.objects.filter(pk=bids[3].pk).update(completed_at=bids[0].completed_at - timedelta(hours=1))
    publicize(lot)  # no committee, no report: the opening record is the outcome
    ranked = lot.notices.get(kind=NoticeKind.CANDIDATES).details["candidates"]
    assert [(c["organization"], c["price"]) for c in ranked] == [
        (bids[2].organization_id, "5300000.00"), (bids[3].organization_id, "5100000.00"),
        (bids[0].organization_id, "5100000.00")]


@pytest.mark.parametrize("fact", ["report_signed", "candidates", "open_objections", "award_price"])
def test_nobody_hands_in_the_facts_this_floor_owns(fact):
    lot = evaluated_lot(bidders=3)
    with pytest.raises(ValueError, match=fact):
        lifecycle.gather_facts(lot, timezone.now(), {fact: 1})


def test_the_award_price_is_the_first_candidates_as_published():
    scene = publicized(prices=("880000.00", "905000.00", "931500.00"))
    assert lifecycle.gather_facts(scene.lot, timezone.now())["award_price"] == Decimal("880000.00")
