"""A second live server in one test run serves WebSockets as the first did.

Each ChannelsLiveServerTestCase forks its Daphne from the test process, which by the second
class has threads of its own (the rooms' database threads, asgiref's thread-sensitive executor).
A child that inherited an executor without its thread waited forever on its first
database_sync_to_async: the WebSocket handshake of the second class's server never answered
(failed before rooms' app registered the at-fork hooks in every process)."""

import asyncio

import websockets
from channels.testing import ChannelsLiveServerTestCase

from tests.trading.factories import published_lot


async def first_frame(url: str, origin: str) -> dict:
    import json

    async with websockets.connect(url, origin=origin, open_timeout=10) as socket:
        return json.loads(await asyncio.wait_for(socket.recv(), 10))


class FirstLiveServerTests(ChannelsLiveServerTestCase):
    serve_static = True

    def test_its_hall_answers(self):
        self.assert_hall_answers()

    def assert_hall_answers(self):
        lot = published_lot()
        url = self.live_server_url.replace("http://", "ws://") + f"/ws/halls/{lot.pk}/"
        frame = asyncio.run(first_frame(url, self.live_server_url))
        assert frame["state"] == "waiting", frame


class SecondLiveServerTests(FirstLiveServerTests):
    def test_its_hall_answers(self):
        self.assert_hall_answers()
