"""The age v1 file format (C2SP age specification), on `cryptography` alone.

The public entry point is `bidding.agefile`; these modules are its parts: `errors` (what can
go wrong), `bech32` (key encoding), `header` (the text header and its MAC), `x25519` (the
X25519 recipient type) and `stream` (the STREAM payload). Nothing here imports Django.
"""
