"""The yardstick for the hall's benchmarks: a bare `websockets` broadcast server.

The yardstick for the hall's fan-out (bench/bench_hall.py): a bare broadcast server written
with the `websockets` library, nothing else.

    .venv/bin/python bench/bare_broadcast.py --port 8765

Every WebSocket connection is a listener, except those to /control: each text message received
there is sent, as it is, to every listener with websockets.broadcast() (one write per
connection, no task per send, no JSON, no database), and the control connection gets "ok" once
the last write is handed to its transport. With --greeting FILE, each new listener is first
sent the file's text (bench/bench_reconnect.py: the yardstick for the hall's snapshot). No compression and no pings, as in the hall
benchmark's Daphne runs. Serves 127.0.0.1 only; stops on SIGTERM or SIGINT."""

import argparse
import asyncio
import signal

from websockets.asyncio.server import broadcast, serve

listeners = set()
greeting: str | None = None


async def handler(connection):
    if connection.request.path == "/control":
        async for message in connection:
            broadcast(listeners, message)
            await connection.send("ok")
        return
    if greeting is not None:
        await connection.send(greeting)
    listeners.add(connection)
    try:
        await connection.wait_closed()
    finally:
        listeners.discard(connection)


async def main(port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(handler, "127.0.0.1", port, compression=None, ping_interval=None, backlog=4096):
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--greeting", help="a file whose text each new listener is sent first")
    args = parser.parse_args()
    if args.greeting:
        with open(args.greeting, encoding="utf-8") as fh:
            greeting = fh.read()
    asyncio.run(main(args.port))
