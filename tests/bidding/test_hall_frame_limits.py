"""A message too deeply nested for the consumer's JSON parser is refused in words, through the
real ASGI application, and the connection stays; before, the parser's RecursionError killed
the connection. (The size limit lives in Daphne: tests/e2e/test_ws_frame_limits.py.)"""

import pytest
from channels.db import database_sync_to_async

from tests.bidding.hall_helpers import Seat
from tests.trading.factories import published_lot

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_deeply_nested_message_is_refused_in_words_and_the_connection_stays():
    lot = await database_sync_to_async(published_lot)()
    public = Seat("public", lot.pk)
    first = await public.connect()
    reply = await public.reply_to_raw("[" * 100_000 + "]" * 100_000)
    assert reply == {"type": "error", "message": "消息嵌套过深（超过 64 层）。"}
    # Still connected: the next request is answered, and a message with deep strings or many
    # shallow brackets is the consumer's to judge as before.
    assert (await public.snapshot())["last_seq"] == first["last_seq"]
    reply = await public.reply_to_raw('{"type": "no such command", "ref": "' + "[" * 500 + '"}')
    assert reply == {"type": "error", "ref": "[" * 500, "message": "未知指令。"}
    reply = await public.reply_to_raw("[" + "[]," * 1000 + "[]]")
    assert reply == {"type": "error", "message": "消息须为 JSON 对象。"}
    await public.close()
