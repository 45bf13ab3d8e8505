"""One WebSocket frame, built once, written to many Daphne connections (DESIGN.md §5).

Sent through ASGI, a message goes through Channels' and Daphne's send, then autobahn encodes the
text to UTF-8 and frames it again for every connection. For the hall's fan-out (one event to
thousands of sockets) the frame is built once and handed to each connection's transport
directly, in the same order as everything else written to it.

Only where the ASGI server is Daphne and the connection is open without extensions (Daphne
negotiates none): elsewhere (the tests' communicator, another server) there is no writer and
the consumer sends through ASGI as usual."""

import functools
import json
import re

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


# --- what a client sends: refused with words, not a dead connection -------------------------

MAX_DEPTH = 64  # arrays and objects within each other in one message; a command needs 2


def _nesting_depth_over(text: str, limit: int) -> bool:
    """Whether the JSON `text` nests arrays and objects more than `limit` deep. Only a text with
    more brackets than `limit` is looked at (a command has a handful); strings are skipped."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def language_of(cookies: dict) -> str:
    """The page's language (its language cookie), else the platform's."""
    from django.conf import settings
    from django.utils import translation

    chosen = cookies.get(settings.LANGUAGE_COOKIE_NAME)
    try:
        return translation.get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
    except LookupError:
        return settings.LANGUAGE_CODE


def refusing_deep_nesting(app):
    """ASGI middleware, inside Channels' CookieMiddleware: a message nested more than MAX_DEPTH
    deep is answered with an error and never reaches the consumer, whose JSON parser would
    raise RecursionError on a deep enough one (and the connection die with it)."""

    async def application(scope, receive, send):
        if scope.get("type") != "websocket":
            return await app(scope, receive, send)

        async def checked_receive():
            while True:
                message = await receive()
                text = message.get("text") if message.get("type") == "websocket.receive" else None
                if not text or not _nesting_depth_over(text, MAX_DEPTH):
                    return message
                from django.utils import translation
                from django.utils.translation import gettext as _

                with translation.override(language_of(scope.get("cookies") or {})):
                    words = _("The message is nested too deeply (more than %(depth)s levels).") % {"depth": MAX_DEPTH}
                await send({"type": "websocket.send", "text": json.dumps({"type": "error", "message": words},
                                                                          ensure_ascii=False)})

        return await app(scope, checked_receive, send)

    return application


MESSAGE_TOO_BIG = 1009  # RFC 6455 §7.4.1


def room_websocket_protocol():
    """Daphne's WebSocket protocol, except that a message over the size limit closes the
    connection with 1009 and a reason the page shows, in its language. Autobahn's own failure
    drops the TCP connection without a word (the browser sees 1006)."""
    from autobahn.util import encode_truncate
    from daphne.ws_protocol import WebSocketProtocol
    from django.http import parse_cookie
    from django.utils import translation
    from django.utils.translation import gettext as _

    class RoomWebSocketProtocol(WebSocketProtocol):
        def _max_message_size_exceeded(self, msg_size, max_msg_size, reason):
            if self.failedByMe:
                return
            request = getattr(self, "request", None)
            cookies = parse_cookie((request.headers if request else {}).get("cookie", ""))
            with translation.override(language_of(cookies)):
                words = _("The message is too large: at most %(size)s KiB.") % {"size": max_msg_size // 1024}
            self.log.info("closing WebSocket: {reason}", reason=reason)
            self.failedByMe = True  # the rest of the message is read and dropped
            self.sendCloseFrame(code=MESSAGE_TOO_BIG, reasonUtf8=encode_truncate(words, 123), isReply=False)

    return RoomWebSocketProtocol
