"""The evaluation room through the real ASGI application: who gets in, and what they see first."""

import pytest

from tests.evaluation.room_helpers import formed

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_member_gets_the_room_and_the_public_is_refused():
    from channels.db import database_sync_to_async

    committee = await database_sync_to_async(formed)(n=5)
    member = committee.seat("member0")
    snap = await member.connect()
    assert snap["you"]["role"] == "member" and snap["you"]["member_id"] == committee.members[0].pk
    assert [m["id"] for m in snap["members"]] == [m.pk for m in committee.members]
    assert len(snap["bids"]) == 3
    await member.wait_for("room_opened")
    public = committee.seat("public")
    assert await public.connect_refused() == 4404
    await member.close()
