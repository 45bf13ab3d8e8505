"""kaibiao.serve under a reconnect storm: the listen queue holds a restarted server's clients
(Twisted's 50 dropped their handshakes into TCP's one-second retries), and autobahn's per-
connection debug line is not pretty-printed while nothing logs at debug level."""

import txaio
from twisted.internet import reactor
from twisted.internet.endpoints import serverFromString

from kaibiao.serve import LISTEN_BACKLOG, format_autobahn_debug_only_when_read, with_backlog


def test_daphne_s_tcp_endpoints_get_the_listen_backlog():
    assert with_backlog("tcp:port=8000:interface=127.0.0.1") == f"tcp:port=8000:interface=127.0.0.1:backlog={LISTEN_BACKLOG}"
    assert with_backlog("tcp:port=8000:backlog=10") == "tcp:port=8000:backlog=10"  # named by the operator
    assert with_backlog("unix:/run/kaibiao.sock") == "unix:/run/kaibiao.sock"
    endpoint = serverFromString(reactor, with_backlog("tcp:port=0:interface=127.0.0.1"))
    assert endpoint._backlog == LISTEN_BACKLOG == 4096  # what Twisted will ask listen() for


def test_autobahn_s_configuration_is_pretty_printed_only_for_the_debug_log():
    from autobahn.websocket import protocol

    original = protocol.pformat
    before = txaio.get_global_log_level()
    try:
        format_autobahn_debug_only_when_read()
        txaio.set_global_log_level("info")
        assert protocol.pformat([("openHandshakeTimeout", 5, "Factory")]) == "(not formatted: the debug log is off)"
        txaio.set_global_log_level("debug")
        assert protocol.pformat([("openHandshakeTimeout", 5, "Factory")]) == "[('openHandshakeTimeout', 5, 'Factory')]"
    finally:
        txaio.set_global_log_level(before)
        protocol.pformat = original
