"""Live rooms: the machinery the opening hall, the evaluation room and the auction share.

A room's numbered events, stored in the database, are the truth (models.RoomEvent, log.append);
the channel layer only rings a doorbell (bell); each server process reads an event once and
writes it to its own sockets (hub); a client that reconnects gets a snapshot and replays what
it missed (consumer); a watcher in each process catches what another process stored and what
the room's clock owes (hub.Hub.watch). This package sits below every floor and imports none
of them: each room (bidding's hall, and later evaluation's and the auction's) is a RoomKind."""
