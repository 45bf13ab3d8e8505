"""The opening hall over WebSockets: ws/halls/<lot_id>/?after=<seq>, a live room (rooms.consumer).

Commands are the hall's services; who acts is the session's user, from the network address
the trusted proxies report; every refusal is the service's own message."""

from django.conf import settings
from django.utils.translation import gettext as _

from rooms.consumer import RoomConsumer, header
from trading.context import acting_from, ip_from_scope_or_meta
from trading.errors import DomainError, PermissionDenied

from . import hall as hall_services


class HallConsumer(RoomConsumer):
    kind = hall_services.KIND
    commands = {
        # message type: (service, the message's fields it passes on)
        "sign_in": (hall_services.sign_in, ("nonce",)),
        "start_decryption": (hall_services.start_decryption, ()),
        "hand_in_identity": (hall_services.hand_in_identity, ("identity",)),
        "hand_in_share": (hall_services.hand_in_share, ("payload",)),
        "apply_remedy": (hall_services.apply_remedy, ("opening_id",)),
        "end_decryption": (hall_services.end_decryption, ()),
        "read_record": (hall_services.read_record, ()),
        "draw_k": (hall_services.draw_k, ()),
        "confirm": (hall_services.confirm, ()),
        "object": (hall_services.raise_objection, ("question",)),
        "answer": (hall_services.answer_objection, ("objection_id", "answer")),
        "end_opening": (hall_services.end_opening, ()),
        "fail_opening": (hall_services.fail_opening, ("reason",)),
    }
    # Hashing every stored bid file again, decrypting bid files of any size.
    long_commands = frozenset({"start_decryption", "hand_in_identity", "hand_in_share", "apply_remedy"})
    fields = {"nonce": str, "identity": str, "payload": (str, dict), "opening_id": int, "objection_id": int,
              "question": str, "answer": str, "reason": str}
    refusals = (DomainError,)

    def load_room(self):
        lot, hall_id, viewer = hall_services.ARRIVALS.room(self.user, self.scope["url_route"]["kwargs"]["lot_id"])
        self.hall_lot_id = lot.pk
        if viewer.is_supervisor:  # watching is what a supervisor does here: the record names them
            with acting_from(self._ip()):
                hall_services.note_supervisor(actor=self.user, lot_id=lot.pk)
        return hall_id, viewer

    def snapshot_now(self, at_least: int = 0):
        return hall_services.ARRIVALS.snapshot(self.room_id, self.viewer, at_least=at_least)

    def run_command(self, service, args):
        if self.user is None or not self.user.is_authenticated:
            raise PermissionDenied(_("Log in to take part; the public watches only."))
        with acting_from(self._ip()):
            return service(actor=self.user, lot_id=self.hall_lot_id, **args)

    def _ip(self):
        return ip_from_scope_or_meta((self.scope.get("client") or [None])[0], header(self.scope, b"x-forwarded-for"),
                                     settings.TRUSTED_PROXY_COUNT)
