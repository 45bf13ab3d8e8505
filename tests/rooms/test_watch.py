"""Each server process watches its rooms: an event that no bell announced here (stored by the
task worker, another process on the in-memory layer, a management command) and a time limit
that runs out with nobody acting both reach the open pages within about a second, through
the real ASGI application and the hall as the first room kind."""

import asyncio
from datetime import timedelta

import pytest
import time_machine
from channels.db import database_sync_to_async

from bidding import closing
from bidding import hall as hall_services
from rooms import bell
from rooms import hub as room_hub
from tests.bidding.conftest import FORM
from tests.bidding.hall_helpers import build_cast, nonce, seat

pytestmark = pytest.mark.django_db(transaction=True)

SECOND = timedelta(seconds=1)


@pytest.fixture
def watch_often(monkeypatch):
    monkeypatch.setattr(room_hub.Hub, "WATCH_SECONDS", 0.2)


async def test_an_event_no_bell_announced_reaches_the_page(monkeypatch, watch_often):
    # given the public watching a closed hall, and no bell to ring anywhere (as when the task
    # worker, another process on the in-memory layer, stores an event)
    cast = await database_sync_to_async(build_cast)([FORM, FORM, FORM])
    public = seat(cast, "public")
    with time_machine.travel(cast.tender.deadline + SECOND, tick=True):
        await database_sync_to_async(closing.close_due_lots)()
        await public.connect()
        monkeypatch.setattr(bell, "ring", lambda *args, **kwargs: None)
        # when a bidder signs in through the service, from no connection of this process
        await database_sync_to_async(hall_services.sign_in)(actor=cast.bidders[0].user, lot_id=cast.lot_id,
                                                             nonce=nonce())
        # then the page has it, without a reload
        async with asyncio.timeout(5):
            (signed,) = await public.wait_for("signed_in")
        assert signed["data"]["bidder"] == cast.bidders[0].organization.name
    await public.close()


async def test_a_time_limit_that_runs_out_reaches_the_page_with_nobody_acting(watch_often):
    # given an opening in decryption, one bidder's key still owed, everyone watching
    cast = await database_sync_to_async(build_cast)([FORM, FORM, FORM], decryption_minutes=15)
    public, host = seat(cast, "public"), seat(cast, "host")
    with time_machine.travel(cast.tender.deadline + SECOND, tick=True) as traveller:
        await database_sync_to_async(closing.close_due_lots)()
        for s in (public, host):
            await s.connect()
        await host.ok("start_decryption")
        await public.wait_for("decryption_started")
        hall = await database_sync_to_async(hall_services.ensure_hall)(cast.tender.lot)
        # when the decryption time runs out and nobody acts
        traveller.move_to(hall.decryption_deadline + SECOND)
        # then every page hears that decryption ended, each waiting bid counted as revoked
        async with asyncio.timeout(5):
            for s in (public, host):
                (ended,) = await s.wait_for("decryption_ended")
                revoked = await s.wait_for("bid_status", 3)
                assert {e["data"]["outcome"] for e in revoked} == {"revoked"}
        assert ended["data"]["decrypted"] == 0
    for s in (public, host):
        await s.close()
