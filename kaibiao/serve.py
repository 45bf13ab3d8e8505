"""Daphne as Kaibiao serves it: `python -m kaibiao.serve [daphne's options] APP`.

- Request bodies stream to the application while they arrive (`StreamingRequest`; the Django
  end is kaibiao.streaming), in pieces of `request_buffer_size`: 1 MiB here, against Daphne's
  8 KiB (not settable from its command line), which would cost a 32 MiB upload chunk some 4,000
  hand-offs. Daphne itself buffers every body in a temporary file before the application sees a
  byte, so the upload's disk waited for its network.
- What was loaded before serving is frozen out of the garbage collector's way (`run`), and
  freed memory is kept for reuse (`keep_freed_memory`).
"""

import asyncio
import contextvars
import ctypes
import gc
import sys
import time
from functools import partial

from daphne.cli import CommandLineInterface
from daphne.http_protocol import HTTPFactory, WebRequest
from daphne.server import Server

REQUEST_BUFFER_SIZE = 1024 * 1024
# Connections the kernel holds for the server while it is busy: Twisted's default is 50. When a
# restarted server's clients all come back at once, a full queue drops their handshakes and each
# tries again only after TCP's one-second timeout (then three): bench/bench_reconnect.py's last
# client waited 2.7 s with 50, most of it those retries. The kernel caps it (net.core.somaxconn).
LISTEN_BACKLOG = 4096
HIGH_WATER = 4 * 1024 * 1024  # bytes waiting for the application before the socket stops reading
LOW_WATER = 1024 * 1024  # ... and when it reads again


class StreamingRequest(WebRequest):
    """Daphne's HTTP request, its body handed to the application as it arrives.

    While more than HIGH_WATER bytes wait for the application, the connection stops reading, so
    TCP holds the sender back and memory stays flat. If the application answers before the body
    is all in (a refusal), the rest is read and dropped and the request ends only then: the
    connection stays usable, and the client is not reset in the middle of its send."""

    streamed = False

    def gotLength(self, length):
        # Twisted calls this when the headers are complete. A request without a body (GET, a
        # WebSocket upgrade) goes on as Daphne's: its whole life happens once the headers are in.
        if length == 0:
            super().gotLength(length)
            return
        self.streamed = True
        self._pieces, self._held = [], 0  # what arrived since the last piece handed on
        self._waiting = 0  # bytes put on the application's queue and not yet taken
        self._paused = False
        self._body_in = False
        self._answered = False  # the response is complete; the body's rest is dropped
        # The context the socket's reads run in. Resuming reads re-registers the reader under
        # the caller's context: from the application's side that would leak its (Django,
        # asgiref) context variables into every later request on this connection.
        self._read_context = contextvars.copy_context()
        self.content = _EMPTY_BODY  # what Daphne's process() reads as the buffered body
        # Read the socket in pieces as large as those handed on (Twisted's are 64 KiB): each
        # read costs a trip through Twisted's HTTP parsing in Python.
        if self.transport is not None:
            self.transport.bufferSize = self.server.request_buffer_size
        # What Twisted's requestReceived() sets once the body is in; process() needs it now.
        channel = self.channel
        self.method, self.uri, self.clientproto = channel._command, channel._path, channel._version
        self.path = self.uri.split(b"?", 1)[0]
        self.args = {}
        self.process()  # builds the scope and starts the application (its body put is dropped)

    def handleContentChunk(self, data):
        if not self.streamed:
            super().handleContentChunk(data)
            return
        if self._answered or self.application_queue is None:
            return  # the answer is out, or no application was started (Daphne refused it)
        self._pieces.append(data)
        self._held += len(data)
        size = self.server.request_buffer_size
        if self._held >= size:  # small reads are joined; a read of `size` bytes goes on as it is
            body = self._pieces[0] if len(self._pieces) == 1 else b"".join(self._pieces)
            self._pieces, self._held = [], 0
            self._put(body, more=True)

    def requestReceived(self, command, path, version):
        # Twisted calls this when the whole body has been received.
        if not self.streamed:
            super().requestReceived(command, path, version)
            return
        self._body_in = True
        if self.application_queue is not None and not self._answered:
            self._put(b"".join(self._pieces), more=False)
        self._pieces, self._held = [], 0
        if self._answered:
            super().finish()

    def finish(self):
        if self.streamed and not self._body_in:
            # Answered before the body was all in: finishing now would leave the body's rest to
            # be read as the next request. Drop it as it comes; finish when it is in.
            self._answered = True
            self._pieces, self._held = [], 0
            self._resume()
            return
        super().finish()

    def _put(self, body: bytes, *, more: bool):
        self._waiting += len(body)
        self.application_queue.put_body({"type": "http.request", "body": body, "more_body": more})
        if self._waiting > HIGH_WATER and self.transport is not None:
            self._paused = True
            self.transport.pauseProducing()

    def body_taken(self, message):
        """The application took `message` off its queue."""
        self._waiting -= len(message.get("body", b""))
        if self._waiting <= LOW_WATER:
            self._resume()

    def _resume(self):
        if self._paused and self.transport is not None:
            self._paused = False
            self._read_context.run(self.transport.resumeProducing)


class _EmptyBody:
    """Daphne's process() seeks and reads the body it buffered; a streamed request has none."""

    def seek(self, *args):
        return 0

    def read(self, *args):
        return b""

    def close(self):
        pass

    closed = False


_EMPTY_BODY = _EmptyBody()


class ApplicationQueue(asyncio.Queue):
    """An application instance's input queue that tells a streaming request when a piece of its
    body has been taken (flow control), and drops Daphne's own put of a streamed request's
    (empty) buffered body."""

    def __init__(self, protocol):
        super().__init__()
        self.protocol = protocol
        self.streamed = getattr(protocol, "streamed", False)

    def put_nowait(self, message):
        if self.streamed and message.get("type") == "http.request":
            return
        super().put_nowait(message)

    def put_body(self, message):
        super().put_nowait(message)

    def get_nowait(self):  # asyncio.Queue.get() takes its item through this
        message = super().get_nowait()
        if self.streamed and message.get("type") == "http.request":
            self.protocol.body_taken(message)
        return message


class StreamingHTTPFactory(HTTPFactory):
    def buildProtocol(self, addr):
        protocol = super().buildProtocol(addr)
        protocol.requestFactory = StreamingRequest
        return protocol


class KaibiaoServer(Server):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("request_buffer_size", REQUEST_BUFFER_SIZE)
        super().__init__(*args, **kwargs)
        self.endpoints = [with_backlog(endpoint) for endpoint in self.endpoints]

    # Server.run() makes its HTTP factory as `self.http_factory = HTTPFactory(self)`; ours makes
    # streaming requests.
    @property
    def http_factory(self):
        return self._http_factory

    @http_factory.setter
    def http_factory(self, factory):
        self._http_factory = StreamingHTTPFactory(self) if type(factory) is HTTPFactory else factory

    # ... and its WebSocket factory's connections close a message over the size limit with 1009
    # and a reason the page shows (rooms.wsframes.room_websocket_protocol).
    @property
    def ws_factory(self):
        return self._ws_factory

    @ws_factory.setter
    def ws_factory(self, factory):
        from rooms.wsframes import room_websocket_protocol

        factory.protocol = room_websocket_protocol()
        self._ws_factory = factory

    long_lived = None  # the LongLived of run()

    def protocol_disconnected(self, protocol):
        """Daphne's, and a word to the sweep when the connection lived long enough to be frozen."""
        connected = self.connections.get(protocol, {}).get("connected")
        super().protocol_disconnected(protocol)
        if self.long_lived is not None and connected is not None and time.time() - connected >= LongLived.EVERY:
            self.long_lived.connection_closed()

    def create_application(self, protocol, scope):
        """Daphne's, with an ApplicationQueue as the instance's input."""
        assert "application_instance" not in self.connections[protocol]
        input_queue = ApplicationQueue(protocol)
        scope.setdefault("asgi", {"version": "3.0"})
        application_instance = self.application(
            scope=scope, receive=input_queue.get, send=partial(self.handle_reply, protocol)
        )
        if protocol not in self.connections:
            return None
        self.connections[protocol]["application_instance"] = asyncio.ensure_future(
            application_instance, loop=asyncio.get_event_loop()
        )
        return input_queue

    def run(self):
        # Everything loaded before serving (Django, the apps, their modules) lives as long as
        # the process: moved out of the collector's way (gc.freeze), so that a full collection
        # walks only what the connections made, not the whole framework, while it holds up
        # every hall of the process.
        gc.collect()
        gc.freeze()
        keep_freed_memory()
        format_autobahn_debug_only_when_read()
        from twisted.internet import reactor  # the one Daphne installed

        self.long_lived = LongLived(reactor)
        reactor.callLater(LongLived.EVERY, self.long_lived.tick)
        reactor.addSystemEventTrigger("after", "shutdown", close_hall_connections)
        super().run()


def with_backlog(endpoint: str) -> str:
    """A TCP endpoint description (Daphne's -b/-p become "tcp:port=…:interface=…") with our
    listen backlog, unless it names one."""
    if endpoint.startswith("tcp:") and "backlog=" not in endpoint:
        return f"{endpoint}:backlog={LISTEN_BACKLOG}"
    return endpoint


def close_hall_connections():
    """The hall's database thread keeps its connection (rooms.db): closed when the
    server stops, so that PostgreSQL ends the session at once and SQLite folds its log."""
    from rooms import db as room_db

    room_db.close_connections()


class LongLived:
    """What survives a while in a server process (a hall's connections: hours) is frozen too,
    every EVERY seconds, after a collection that walks only what came since the last one: a
    full collection then never walks a thousand connections at once while a hall broadcasts.
    bench/bench_hall.py, 1,000 clients, two runs each way: the longest pause during the rounds
    9-41 ms with this (single process; x2 10-38), 151-163 without (x2 75-106); the single
    process's p99 76-77 ms against 84-106.

    Cycles that become garbage after they were frozen (a connection that closed) wait for a
    sweep, which unfreezes, collects everything and freezes again: a full walk, so not at every
    tick. It comes once SWEEP_CLOSED long-lived connections have closed (about 18 KiB each) and
    at least SWEEP_SPACING seconds after the last, or SWEEP_LATEST seconds after the last when
    any has closed, and hourly in any case. An hourly sweep alone let a busy hall's comings and
    goings hold about 9 MB per 500 closed connections until the hour was out."""

    EVERY = 10  # seconds
    SWEEP_CLOSED = 50  # closed connections, about 1 MB
    SWEEP_SPACING = 60  # seconds between sweeps at least
    SWEEP_LATEST = 600  # seconds a closed connection waits at most
    SWEEP_EVERY = 360  # ticks: an hour

    def __init__(self, reactor):
        self.reactor, self.ticks = reactor, 0
        self.closed, self.swept_at = 0, 0  # long-lived connections closed since the sweep at tick swept_at

    def connection_closed(self):
        """A connection that may have been frozen (it lived through a tick) has closed."""
        self.closed += 1

    def sweep_due(self) -> bool:
        since = (self.ticks - self.swept_at) * self.EVERY
        if self.ticks - self.swept_at >= self.SWEEP_EVERY:
            return True
        if not self.closed:
            return False
        return since >= self.SWEEP_LATEST or (self.closed >= self.SWEEP_CLOSED and since >= self.SWEEP_SPACING)

    def tick(self):
        self.ticks += 1
        if self.sweep_due():
            gc.unfreeze()
            self.closed, self.swept_at = 0, self.ticks
        gc.collect()
        gc.freeze()
        self.reactor.callLater(self.EVERY, self.tick)


def keep_freed_memory():
    """glibc only: serve blocks of up to 64 MiB from the heap and keep what is freed, instead of
    mapping fresh zeroed pages for every upload piece (a 1 MiB bytes object each) and handing
    them back. perf showed page faults at 16% of the server's CPU during an upload; with this,
    bench/bench_upload.py measured 5.7 s of server CPU per GiB instead of 6.7. What is kept is
    bounded by the upload's flow control (HIGH_WATER per connection)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return  # not glibc: its allocator decides
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024)
    mallopt(M_TRIM_THRESHOLD, 128 * 1024 * 1024)


def format_autobahn_debug_only_when_read():
    """Autobahn pretty-prints its whole configuration for a debug line on every WebSocket
    connection (autobahn.websocket.protocol: log.debug("\\n{attrs}", attrs=pformat(...))), whether
    or not anything logs at debug level: py-spy had it at 15% of the event loop while 2,000
    clients came back to a restarted server. It is formatted only when txaio's log level lets
    the line through; otherwise the line says that it was not."""
    import pprint

    import txaio
    from autobahn.websocket import protocol

    def pformat(obj, *args, **kwargs):
        if txaio.get_global_log_level() in ("debug", "trace"):
            return pprint.pformat(obj, *args, **kwargs)
        return "(not formatted: the debug log is off)"

    protocol.pformat = pformat


class KaibiaoCommandLine(CommandLineInterface):
    server_class = KaibiaoServer


if __name__ == "__main__":
    sys.exit(KaibiaoCommandLine().run(sys.argv[1:]))
