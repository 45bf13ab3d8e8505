"""The opening hall (DESIGN.md §5, DOMAIN.md §5), a live room (rooms) with its own state machine.

Each command locks the hall, checks who acts, the hall's state (states.STEPS) and the server
clock, changes the tables, appends numbered events of declared kinds (events.HALL_EVENTS: the
record every client replays) with their audit events, and rings the bell after the commit. No
step is taken on a client's word or clock. The modules: core (the locked row, the clock's
guard, appending), states, events, viewing (who looks, the snapshot), clock (the deadline and
time limits), sign_in, decryption, reading (the record, K, confirmation, the end)."""

from rooms.kinds import event_message, event_text

from .clock import on_bidding_closed, tick
from .core import KIND, ensure_hall
from .decryption import apply_remedy, end_decryption, hand_in_identity, hand_in_share, start_decryption
from .reading import (answer_objection, confirm, custodian_share_file, draw_k, end_opening, fail_opening,
                      raise_objection, read_record)
from .sign_in import note_supervisor, sign_in
from .arrivals import ARRIVALS
from .viewing import Viewer, events_after, snapshot, viewer_for

__all__ = [
    "ARRIVALS", "KIND", "Viewer", "answer_objection", "apply_remedy", "confirm", "custodian_share_file", "draw_k",
    "end_decryption", "end_opening", "ensure_hall", "event_message", "event_text", "events_after", "fail_opening",
    "hand_in_identity", "hand_in_share", "note_supervisor", "on_bidding_closed", "raise_objection", "read_record",
    "sign_in", "snapshot", "start_decryption", "tick", "viewer_for",
]
