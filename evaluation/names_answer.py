"""The names people read of the evaluation floor's answer events (trading.event_text)."""

ACTIONS = {}
OBJECTS = {}
FIELDS = {}
