"""One WebSocket frame, built once, written to many Daphne connections (DESIGN.md §5).

Sent through ASGI, a message goes through Channels' and Daphne's send, then autobahn encodes the
text to UTF-8 and frames it again for every connection. For the hall's fan-out (one event to
thousands of sockets) the frame is built once and handed to each connection's transport
directly, in the same order as everything else written to it.

Only where the ASGI server is Daphne and the connection is open without extensions (Daphne
negotiates none): elsewhere (the tests' communicator, another server) there is no writer and
the consumer sends through ASGI as usual."""

import functools

SCOPE_KEY = "kaibiao.frame_writer"


def text_frame(text: str) -> bytes:
    """A whole, unmasked text frame (a server's, RFC 6455 §5.2)."""
    payload = text.encode("utf-8")
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 1 << 16:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + payload


# What the direct write reads of a Twisted TCP transport (twisted.internet.abstract.FileDescriptor
# and tcp.Connection): where one is missing, frames go through transport.write() only.
_TRANSPORT_PARTS = ("socket", "dataBuffer", "offset", "_tempDataLen", "connected", "disconnecting", "TLS")


class FrameWriter:
    """Writes ready frames to one Daphne WebSocket connection.

    Twisted's transport.write() only buffers and asks the loop to watch the socket, and
    writes on a later turn: two changes to the poller and a callback per socket and message.
    When nothing is waiting in the transport's buffer, the frame is sent on the socket at
    once (as asyncio's own transports do); whatever the socket does not take, and every frame
    while something is waiting, goes through transport.write(), so the order holds."""

    __slots__ = ("protocol", "transport", "send", "direct")

    def __init__(self, protocol):
        self.protocol = protocol
        self.transport = transport = getattr(protocol, "transport", None)
        self.direct = _plain_tcp(transport) and all(hasattr(transport, part) for part in _TRANSPORT_PARTS)
        # Looked up once: a connection keeps its transport and socket for life. Called for
        # every socket of every event, the writer reads only what changes.
        self.send = transport.socket.send if self.direct else None

    def __call__(self, frame: bytes) -> bool:
        """Hand `frame` to the connection; False if it cannot take one this way (closing,
        or an extension in use): the caller then sends through ASGI."""
        protocol = self.protocol
        if protocol.state != protocol.STATE_OPEN or protocol._perMessageCompress is not None:
            return False
        transport = self.transport
        if (self.direct and transport.connected and not transport.disconnecting and not transport.TLS
                and not transport._tempDataLen and transport.offset == len(transport.dataBuffer)):
            try:
                sent = self.send(frame)
            except OSError:  # it would block, or the connection is going: Twisted finds out and reports it
                sent = 0
            if sent == len(frame):
                return True
            frame = frame[sent:]
        transport.write(frame)
        return True


def _plain_tcp(transport) -> bool:
    """A Twisted TCP connection's own transport (not TLS wrapped around it, not a test's)."""
    try:
        from twisted.internet.tcp import Connection
    except ImportError:  # pragma: no cover - Daphne runs on Twisted
        return False
    return isinstance(transport, Connection)


def _daphne_protocol(send):
    """The Daphne WebSocket connection behind an ASGI `send` (Daphne passes
    partial(Server.handle_reply, protocol)), or None."""
    try:
        from daphne.server import Server
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:  # pragma: no cover - Daphne is a dependency
        return None
    if (isinstance(send, functools.partial) and isinstance(getattr(send.func, "__self__", None), Server)
            and getattr(send.func, "__name__", "") == "handle_reply" and len(send.args) == 1
            and isinstance(send.args[0], WebSocketProtocol)):
        return send.args[0]
    return None


def with_frame_writer(app):
    """ASGI middleware, outermost around the WebSocket stack (it must see the server's own
    `send`): where the server is Daphne, the scope gets the connection's FrameWriter."""

    async def application(scope, receive, send):
        protocol = _daphne_protocol(send) if scope.get("type") == "websocket" else None
        if protocol is not None:
            scope = {**scope, SCOPE_KEY: FrameWriter(protocol)}
        return await app(scope, receive, send)

    return application
