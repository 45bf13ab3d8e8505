"""What a live Daphne (`python -m kaibiao.serve`) does with a WebSocket message over its size
limit (1 MiB, Daphne's; autobahn enforces it): the connection is closed with 1009 and a reason
the page shows, in Chinese; before, autobahn dropped the TCP connection and the browser saw
1006 and no word. A deeply nested message over the real socket is refused in words and the
connection stays."""

import json

import pytest
import websockets

from tests.e2e.processes import ROOT, WAIT, Daphne, run_script, server_env

SETUP = """
import django

django.setup()
from tests.trading.factories import published_lot

print(published_lot().pk)
"""


@pytest.fixture
def served_lot(tmp_path):
    env = server_env(tmp_path)
    run_script(env, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0")
    lot_id = int(run_script(env, "-c", SETUP).strip().splitlines()[-1])
    server = Daphne("limits", env, tmp_path).start()
    try:
        yield server, lot_id
    finally:
        server.stop()


async def connect(server, lot_id):
    ws = await websockets.connect(f"ws://127.0.0.1:{server.port}/ws/halls/{lot_id}/", origin=server.origin,
                                  open_timeout=WAIT, ping_interval=None, compression=None, max_size=None)
    assert json.loads(await ws.recv())["type"] == "snapshot"
    return ws


async def reply(ws) -> dict:
    """The next message that is not an event (the snapshot's replay comes first)."""
    while (message := json.loads(await ws.recv()))["type"] == "event":
        pass
    return message


async def test_a_message_over_the_size_limit_is_closed_with_1009_and_a_reason(served_lot):
    server, lot_id = served_lot
    ws = await connect(server, lot_id)
    await ws.send(json.dumps({"type": "object", "ref": "big", "question": "x" * (1024 * 1024)}))
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await ws.recv()
    assert ws.close_code == 1009, (ws.close_code, ws.close_reason, server.tail())
    assert ws.close_reason == "消息过大：最多 1024 KiB。"
    # The page connects again (room-client.js tries again) and is served as before.
    again = await connect(server, lot_id)
    await again.close()


async def test_a_deeply_nested_message_over_a_real_socket_is_answered_and_the_connection_stays(served_lot):
    server, lot_id = served_lot
    ws = await connect(server, lot_id)
    await ws.send("[" * 200_000 + "]" * 200_000)
    assert await reply(ws) == {"type": "error", "message": "消息嵌套过深（超过 64 层）。"}
    await ws.send(json.dumps({"type": "snapshot"}))
    assert (await reply(ws))["type"] == "snapshot"
    await ws.close()
