"""The names people read of the evaluation floor's pool events (trading.event_text)."""

ACTIONS = {}
OBJECTS = {}
FIELDS = {}
