"""Closing at the deadline, raced by its three paths: the one that finds the lot already
closed says so in an information line, not an error with a traceback; a real failure stays
an error."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from bidding import closing
from tests.trading.factories import published_lot
from trading.choices import LotState

pytestmark = pytest.mark.django_db


def test_a_lot_closed_by_another_path_meanwhile_is_information_not_an_error(caplog):
    lot = published_lot(deadline_in=timedelta(seconds=-1))
    now = timezone.now()
    found_due = list(closing.due_lots(now))  # a request found the lot due…
    assert [l.pk for l in closing.close_due_lots(now)] == [lot.pk]  # …then the worker closed it
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bidding.closing"):
        assert closing.close_lots(found_due, now) == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert any(r.levelno == logging.INFO and str(lot.pk) in r.getMessage() for r in caplog.records)
    lot.refresh_from_db()
    assert lot.state in (LotState.CLOSED, LotState.FAILED)


def test_a_real_failure_to_close_stays_an_error(caplog):
    lot = published_lot(deadline_in=timedelta(hours=1))
    too_early = timezone.now()  # the deadline guard refuses: a fault, not the race
    with caplog.at_level(logging.INFO, logger="bidding.closing"):
        assert closing.close_lots([lot], too_early) == []
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.exc_info and f"closing lot {lot.pk} failed" in record.getMessage()
    lot.refresh_from_db()
    assert lot.state == LotState.PUBLISHED
