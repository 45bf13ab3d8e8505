"""The hall's ready frames (rooms.wsframes): built once, parsed back by another WebSocket
implementation; written straight to the socket only when nothing is waiting in the transport,
otherwise behind what is waiting; never to a closing connection; found only behind Daphne's
own send. The whole path through a real Daphne: tests/e2e/test_hall_two_processes.py."""

import functools
import socket

import pytest
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import tcp
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from rooms.wsframes import SCOPE_KEY, FrameWriter, text_frame, with_frame_writer


def parse(data: bytes) -> Frame:
    """Parse one server frame with the `websockets` library's own parser."""
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False, max_size=None)
    try:
        next(parser)
    except StopIteration as done:
        return done.value
    raise AssertionError("the frame is incomplete")


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_a_text_frame_of_any_length_parses_back(size):
    text = ("开标" * size)[:size]
    frame = parse(text_frame(text))
    assert frame.opcode is Opcode.TEXT and frame.fin and not (frame.rsv1 or frame.rsv2 or frame.rsv3)
    assert frame.data.decode("utf-8") == text


class FakeProtocol:
    STATE_OPEN = 3
    _perMessageCompress = None

    def __init__(self, transport, state=3):
        self.transport, self.state = transport, state


class FakeSocket:
    """Takes at most `room` bytes per send, like a socket whose buffer is nearly full."""

    def __init__(self, room: int | None = None, error: type | None = None):
        self.room, self.error, self.sent = room, error, b""

    def send(self, data):
        if self.error:
            raise self.error()
        taken = bytes(data[: self.room if self.room is not None else len(data)])
        self.sent += taken
        return len(taken)


def tcp_transport(sock, *, pending: bytes = b"") -> tcp.Connection:
    """A Twisted TCP transport with the state FrameWriter reads; write() only records."""
    transport = object.__new__(tcp.Server)
    transport.socket = sock
    transport.dataBuffer, transport.offset = pending, 0
    transport._tempDataBuffer, transport._tempDataLen = [], 0
    transport.connected, transport.disconnecting, transport.TLS = 1, False, False
    transport.written = []
    transport.write = transport.written.append
    return transport


def test_with_nothing_waiting_the_frame_goes_to_the_socket_at_once():
    sock = FakeSocket()
    transport = tcp_transport(sock)
    assert FrameWriter(FakeProtocol(transport))(b"frame") is True
    assert sock.sent == b"frame" and transport.written == []


def test_behind_waiting_data_the_frame_waits_its_turn():
    sock = FakeSocket()
    transport = tcp_transport(sock, pending=b"earlier")
    assert FrameWriter(FakeProtocol(transport))(b"frame") is True
    assert sock.sent == b"" and transport.written == [b"frame"]
    transport.dataBuffer = b""
    transport._tempDataBuffer, transport._tempDataLen = [b"earlier"], 7
    assert FrameWriter(FakeProtocol(transport))(b"again") is True
    assert sock.sent == b"" and transport.written == [b"frame", b"again"]


def test_what_the_socket_does_not_take_is_left_to_the_transport():
    sock = FakeSocket(room=2)
    transport = tcp_transport(sock)
    FrameWriter(FakeProtocol(transport))(b"frame")
    assert sock.sent == b"fr" and transport.written == [b"ame"]
    for error in (BlockingIOError, ConnectionResetError):
        sock = FakeSocket(error=error)
        transport = tcp_transport(sock)
        FrameWriter(FakeProtocol(transport))(b"frame")
        assert transport.written == [b"frame"]


def test_a_closing_connection_or_another_transport_gets_nothing_directly():
    sock = FakeSocket()
    transport = tcp_transport(sock)
    assert FrameWriter(FakeProtocol(transport, state=4))(b"frame") is False  # closing: the ASGI path decides
    assert sock.sent == b"" and transport.written == []

    class Other:  # e.g. TLS wrapped around the connection: never the raw socket
        socket = sock
        written = []
        write = written.append

    assert FrameWriter(FakeProtocol(Other()))(b"frame") is True
    assert sock.sent == b"" and Other.written == [b"frame"]


async def test_the_writer_is_in_the_scope_only_behind_daphnes_own_send():
    seen = []

    async def app(scope, receive, send):
        seen.append(scope.get(SCOPE_KEY))

    server = object.__new__(Server)
    protocol = object.__new__(WebSocketProtocol)
    protocol.transport = tcp_transport(socket.socket())
    try:
        wrapped = with_frame_writer(app)
        await wrapped({"type": "websocket"}, None, functools.partial(server.handle_reply, protocol))
        assert isinstance(seen[-1], FrameWriter) and seen[-1].protocol is protocol and seen[-1].direct

        async def other_send(message):
            pass

        await wrapped({"type": "websocket"}, None, other_send)  # the tests' communicator, another server
        assert seen[-1] is None
    finally:
        protocol.transport.socket.close()
