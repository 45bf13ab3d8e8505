"""The committee's evaluation room (远程异地评标), a live room (rooms) with its own state machine.

Modules: core (the room kind, the locked row, who acts, appending), events (the catalogue and
its audiences), states (the step table), viewing (who is let in, the snapshot every part adds
to), and one module per part of the work (gathering, review, scoring, report). The socket is
evaluation/consumers.py, the page evaluation/room_views.py."""
