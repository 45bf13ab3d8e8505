"""The audit chain: every state change appends one event, each chained to the one before.

The audit chain: every state change appends one event whose digest covers its fields and
the previous event's digest. Appends are serialized by locking the single head row."""

import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from .context import client_ip
from .models import AuditChainHead, AuditEvent

GENESIS = "0" * 64


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def event_digest(*, seq, at, actor_id, actor_name, role, ip, action, object_type, object_id, project_id, data, prev_digest) -> str:
    body = {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "role": role,
        "ip": ip,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "project_id": project_id,
        "data": data,
        "prev": prev_digest,
    }
    return hashlib.sha256(_canonical(body).encode()).hexdigest()


def digest_of_row(event: AuditEvent) -> str:
    return event_digest(
        seq=event.seq,
        at=event.at,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        role=event.role,
        ip=event.ip,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        project_id=event.project_id,
        data=event.data,
        prev_digest=event.prev_digest,
    )


def _stored_ip(ip: str | None) -> str | None:
    """The address as the database stores it (IPv6 in its short, lower-case form), so that the
    digest covers the stored text; None for anything that is not an address."""
    if not ip:
        return None
    try:
        validate_ipv46_address(ip)
    except ValidationError:
        return None
    return clean_ipv6_address(ip) if ":" in ip else ip


def record(*, actor, action: str, obj=None, object_type: str = "", object_id="", project=None, data=None) -> AuditEvent:
    """Append one event. Call inside the service's transaction: if the action rolls back, so
    does its event. `actor` None means the platform itself (the clock, a scheduled job)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    # JSON round trip so the stored value is exactly what was hashed (dates, Decimals as text).
    data = json.loads(_canonical(data or {}))
    # Inside the caller's transaction no savepoint is needed: an error here undoes the action.
    with transaction.atomic(savepoint=False):
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        now = timezone.now()
        fields = {
            "seq": head.seq + 1,
            "at": now,
            "actor_id": actor.pk if actor else None,
            "actor_name": (actor.get_username() if actor else "system"),
            "role": (getattr(actor, "role", "") if actor else "system"),
            # The platform's clock acts from nowhere, even when a visitor's request woke it.
            "ip": _stored_ip(client_ip()) if actor else None,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "project_id": project.pk if project is not None else None,
            "data": data,
            "prev_digest": head.digest,
        }
        digest = event_digest(**fields)
        event = AuditEvent.objects.create(digest=digest, **fields)
        head.seq, head.digest = event.seq, digest
        head.save(update_fields=["seq", "digest"])
    return event


@dataclass
class ChainFault:
    seq: int
    reason: str

    def __str__(self):
        return f"event #{self.seq}: {self.reason}"


def verify_chain(batch_size: int = 2000) -> tuple[int, ChainFault | None]:
    """Walk the chain in order. Returns (events checked, first fault or None)."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            return checked, ChainFault(expected_seq, f"missing; the next stored event is #{event.seq} (removed events)")
        if event.prev_digest != expected_prev:
            return checked, ChainFault(event.seq, "does not link to the event before it (inserted or reordered)")
        if digest_of_row(event) != event.digest:
            return checked, ChainFault(event.seq, "its content does not match its digest (edited)")
        expected_prev, expected_seq, checked = event.digest, expected_seq + 1, checked + 1
    head = AuditChainHead.objects.filter(id=1).first()
    last_seq = expected_seq - 1
    if head is not None and (head.seq != last_seq or head.digest != expected_prev):
        if head.seq > last_seq:
            return checked, ChainFault(last_seq + 1, f"missing; the chain head names #{head.seq} (newest events removed)")
        return checked, ChainFault(last_seq, "the chain head does not name the last event (chain head changed)")
    return checked, None


# Events that would tell who is bidding (招标投标法 第二十二条: not the bidders' names, not their
# number, not who took the documents) stay out of every reader's view until the deadline of
# their project. Higher floors add their own prefixes at start-up.
_confidential_prefixes: set[str] = {"document.downloaded"}


def register_confidential_prefix(prefix: str) -> None:
    _confidential_prefixes.add(prefix)


def confidential_prefixes() -> frozenset[str]:
    return frozenset(_confidential_prefixes)
