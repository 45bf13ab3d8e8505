"""A command is answered whatever the channel layer does, and taken once per client id.

The bell is rung from the rooms' database thread after a commit; with Redis paused it returns
at once (before, it waited for the layer's send: seconds, or for as long as the pause lasted).
A command sent again with the same client id (the client's connection dropped before the
answer) gets the first answer and stores nothing more; without an id, each send is a command."""

import asyncio
import time
from datetime import timedelta

import pytest
import time_machine
from channels.db import database_sync_to_async
from channels.layers import channel_layers

from bidding import closing
from bidding import hall as hall_services
from bidding.models import Objection
from rooms import bell, db
from tests.bidding.conftest import FORM
from tests.bidding.hall_helpers import build_cast, nonce, seat
from tests.e2e.faults import RedisServer

pytestmark = pytest.mark.django_db(transaction=True)

SECOND = timedelta(seconds=1)


def to_confirming(cast):
    closing.close_due_lots()
    for b in cast.bidders:
        hall_services.sign_in(actor=b.user, lot_id=cast.lot_id, nonce=nonce())
    hall_services.start_decryption(actor=cast.tender.staff, lot_id=cast.lot_id)
    for b in cast.bidders:
        hall_services.hand_in_identity(actor=b.user, lot_id=cast.lot_id, identity=str(b.identity))
    hall_services.end_decryption(actor=cast.tender.staff, lot_id=cast.lot_id)
    hall_services.read_record(actor=cast.tender.staff, lot_id=cast.lot_id)


async def test_a_command_sent_again_with_its_id_gets_the_first_answer_and_stores_nothing_more():
    cast = await database_sync_to_async(build_cast)([FORM, FORM, FORM])
    bidder, public = seat(cast, "bidder1"), seat(cast, "public")
    with time_machine.travel(cast.tender.deadline + SECOND, tick=True):
        await database_sync_to_async(to_confirming)(cast)
        await bidder.connect()
        await public.connect()
        first = await bidder.command("object", question="第3行？", client_id="action-1")
        again = await bidder.command("object", question="第3行？", client_id="action-1")
        assert first["type"] == again["type"] == "ok"
        # A refusal (objected already) sent again gets the same refusal; an id is the bidder's own.
        refused = await bidder.command("confirm", client_id="action-3")
        assert refused["type"] == "error"
        assert (await bidder.command("confirm", client_id="action-3"))["message"] == refused["message"]
        other = seat(cast, "bidder2")
        await other.connect()
        await other.ok("object", question="第1行？", client_id="action-1")
        # Without an id, each send is a command of its own.
        await bidder.ok("object", question="再问一次")
        await bidder.ok("object", question="再问一次")
        await public.wait_for("objection_raised", 4)
        await public.nothing_more()
        count = await database_sync_to_async(Objection.objects.filter(opening__hall__lot_id=cast.lot_id).count)()
        assert count == 4
        for s in (bidder, public, other):
            await s.close()


async def test_the_bell_returns_at_once_with_the_layer_paused(tmp_path, settings):
    redis = RedisServer(tmp_path).start()
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                           "CONFIG": {"hosts": [{"address": redis.url}], "prefix": "test-bell."}}}
    channel_layers.backends.clear()
    try:
        await db.run(bell.ring, hall_services.KIND, 1, 1)  # connected while Redis answers
        redis.pause()
        times = []
        for seq in (2, 3):
            started = time.monotonic()
            async with asyncio.timeout(5):  # before: the thread waited for Redis, here for ever
                await db.run(bell.ring, hall_services.KIND, 1, seq)
            times.append(time.monotonic() - started)
        print(f"two bells rung with Redis paused returned in {times[0] * 1000:.1f} and {times[1] * 1000:.1f} ms")
    finally:
        redis.stop()
        await asyncio.sleep(0)
        channel_layers.backends.clear()
