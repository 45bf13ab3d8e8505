"""The evaluation room's report part (to be written by H-report: dissent, the report PDF, signatures and refusals, the report final).

Contract (see room/core.py): each command is a function (*, actor, lot_id, now=None, **fields)
that locks the room, checks the step and who acts, records, appends its events. COMMANDS maps
a WebSocket message type to (function, the message's fields it passes on); FIELDS gives each
field's JSON type. snapshot_part(room, viewer) is this part's piece of the room's snapshot,
in a fixed number of queries whatever the number of bids, members and items."""

COMMANDS: dict = {}
FIELDS: dict = {}
LONG_COMMANDS: frozenset = frozenset()


def snapshot_part(room, viewer) -> dict:
    return {}
