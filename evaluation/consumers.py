"""The evaluation room over WebSockets: ws/evaluation/<lot_id>/?after=<seq>, a live room (rooms.consumer).

Its commands are every part's (evaluation/room/{gathering,review,scoring,report}.py), merged
into one table here: each part names its commands, their fields and the long ones. Who acts is
the session's user, from the network address the trusted proxies report; a supervisor watches
and is refused every command; every refusal is the service's own message."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from rooms.consumer import RoomConsumer, header
from trading import audit
from trading.context import acting_from, ip_from_scope_or_meta
from trading.errors import DomainError, PermissionDenied
from trading.models import AuditEvent

from .room import core, viewing


RESERVED = frozenset({"resume", "snapshot"})


def merged(parts) -> tuple[dict, dict, frozenset]:
    """(commands, fields, long commands) of every part; a command named twice, or a field given
    two types, is a programming error caught at start-up."""
    commands, fields, long = {}, {}, set()
    for part in parts:
        # The machinery's own message types (rooms.consumer): a command of that name is never run.
        reserved = set(part.COMMANDS) & RESERVED
        if reserved:
            raise ValueError(f"room commands named as the machinery's own messages: {sorted(reserved)}")
        twice = set(commands) & set(part.COMMANDS)
        if twice:
            raise ValueError(f"room commands defined twice: {sorted(twice)}")
        commands.update(part.COMMANDS)
        for name, kind in part.FIELDS.items():
            if name in fields and fields[name] != kind:
                raise ValueError(f"room field {name!r} has two types: {fields[name]!r} and {kind!r}")
            fields[name] = kind
        long |= set(part.LONG_COMMANDS)
    missing = {field for _service, names in commands.values() for field in names} - set(fields)
    if missing:
        raise ValueError(f"room fields without a type: {sorted(missing)}")
    return commands, fields, frozenset(long)


COMMANDS, FIELDS, LONG_COMMANDS = merged(viewing.PARTS.values())


class EvaluationConsumer(RoomConsumer):
    kind = core.KIND
    commands = COMMANDS
    fields = FIELDS
    long_commands = LONG_COMMANDS
    refusals = (DomainError,)

    def load_room(self):
        room, viewer = viewing.viewer_for(self.user, self.scope["url_route"]["kwargs"]["lot_id"])
        self.room_lot_id = room.lot_id
        if viewer.role == "supervisor":  # watching is what a supervisor does here: the audit trail names them
            with acting_from(self._ip()):
                note_supervisor(self.user, room)
        return room.pk, viewer

    async def receive(self, text_data=None, bytes_data=None):
        # A member recused meanwhile is no longer admitted: the snapshot they ask for (the page
        # asks after every event) closes their connection, as a new one would be refused.
        try:
            await super().receive(text_data=text_data, bytes_data=bytes_data)
        except viewing.NotAdmitted:
            await self.close(code=4404)

    def snapshot_now(self, at_least: int = 0):
        return viewing.snapshot(self.room_id, self.viewer)

    def run_command(self, service, args):
        if self.user is None or not self.user.is_authenticated:
            raise PermissionDenied(_("Log in to take part."))
        if self.viewer.role == "supervisor":
            raise PermissionDenied(_("Supervisors watch the evaluation room; they take no part in it and act on "
                                     "nothing."))
        with acting_from(self._ip()):
            return service(actor=self.user, lot_id=self.room_lot_id, **args)

    def _ip(self):
        return ip_from_scope_or_meta((self.scope.get("client") or [None])[0], header(self.scope, b"x-forwarded-for"),
                                     settings.TRUSTED_PROXY_COUNT)


def note_supervisor(user, room) -> bool:
    """A supervisor's first visit to a room is audited once (who watched the evaluation)."""
    with transaction.atomic():
        seen = AuditEvent.objects.filter(action="evaluation.supervisor_present", actor=user,
                                         object_type=room._meta.label_lower, object_id=str(room.pk)).exists()
        if seen:
            return False
        audit.record(actor=user, action="evaluation.supervisor_present", obj=room, project=room.lot.project,
                     data={"supervisor": user.display_name})
    return True
