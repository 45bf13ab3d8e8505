"""Who is acting, and from where, for the audit trail.

Who is acting, from where: set once per request or WebSocket message by the transport
layer, read by the audit trail, so services never take a network address from a client."""

import contextvars
import ipaddress
from contextlib import contextmanager

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)


def client_ip() -> str | None:
    return _client_ip.get()


@contextmanager
def acting_from(ip: str | None):
    token = _client_ip.set(ip)
    try:
        yield
    finally:
        _client_ip.reset(token)


def ip_from_scope_or_meta(remote_addr: str | None, forwarded_for: str | None, trusted_proxies: int) -> str | None:
    """The client's address: the socket's, or, behind `trusted_proxies` proxies that each append
    to X-Forwarded-For, the entry the outermost trusted proxy saw. Entries a client wrote
    itself sit further left and are ignored."""
    chosen = remote_addr
    if trusted_proxies and forwarded_for:
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        if len(hops) >= trusted_proxies:
            chosen = hops[-trusted_proxies]
    return chosen if _is_address(chosen) else None


def _is_address(value: str | None) -> bool:
    """Proxies write words such as "unknown"; only an IP address is an address."""
    try:
        ipaddress.ip_address(value or "")
    except ValueError:
        return False
    return True
