"""The upload benchmark's tender and files: the people, the key ceremony and the sealed bid.

For bench/bench_upload.py: the tender made through the services (a lot published, three key
custodians and a completed ceremony, a bidder with its key), the large sealed file of
pseudo-random bytes, and its chunks' checksums as the browser sends them."""

import hashlib
import json
import os
from datetime import timedelta
from pathlib import Path

MiB = 1024 * 1024


# --- the throwaway environment -----------------------------------------------------------------


def create_tender(size: int) -> dict:
    """The people and the tender, through the services (Django is set up)."""
    import pyshamir

    from bidding import services
    from bidding.agefile import X25519Identity, encrypt_bytes, generate_identity
    from bidding.ceremony import complete_ceremony, invite_custodians, register_custodian_key
    from bidding.opening_keys import SHARE_FORMAT, combine_shares
    from bidding.upload import register_bidder_key, sealing_recipients
    from tests.trading.factories import UserFactory, published_lot
    from tests.trading.factories import bidder as make_bidder
    from trading.choices import Role

    lot = published_lot(deadline_in=timedelta(days=1))
    project, staff = lot.project, lot.project.created_by

    custodians = [UserFactory(role=Role.CUSTODIAN) for _ in range(3)]
    custodian_identities = {}
    for custodian in custodians:
        custodian_identities[custodian.pk] = identity = generate_identity()
        register_custodian_key(actor=custodian, recipient=str(identity.recipient))
    invite_custodians(actor=staff, project=project, custodians=custodians, k=2)
    # The dealing browser's part: a fresh opening identity, split 2-of-3, each share sealed to
    # its custodian. The identity itself stays here (the bench plays every party).
    secret = os.urandom(32)
    opening = X25519Identity(secret)
    parts = [bytes(p) for p in pyshamir.split(secret, 3, 2)]
    assert str(combine_shares(parts[1:], str(opening.recipient)).recipient) == str(opening.recipient)
    shares = {
        custodian.pk: encrypt_bytes(json.dumps({"format": SHARE_FORMAT, "tender": project.code, "share": part.hex()}).encode(),
                                    [custodian_identities[custodian.pk].recipient])
        for custodian, part in zip(custodians, parts)
    }
    complete_ceremony(actor=staff, project=project, opening_recipient=str(opening.recipient), shares=shares)

    bidder = make_bidder()
    bidder_identity = generate_identity()
    register_bidder_key(actor=bidder, lot=lot, recipient=str(bidder_identity.recipient))
    rules = services.rules_for(project)
    if rules.max_file_bytes < size + MiB:
        rules.max_file_bytes = size + MiB
        rules.save(update_fields=["max_file_bytes"])
    return {"lot_id": lot.pk, "project": project.code, "username": bidder.username, "opening": opening,
            "recipients": sealing_recipients(actor=bidder, lot=lot)}


# --- the sealed files --------------------------------------------------------------------------


class Pattern:
    """A readable stream of `size` pseudo-random bytes (a random block, repeated), hashed as read."""

    def __init__(self, size: int, block: int = 4 * MiB):
        self.left, self.pos, self.block = size, 0, os.urandom(block)
        self.sha256 = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        out = bytearray()
        while len(out) < n:
            take = min(n - len(out), len(self.block) - self.pos)
            out += self.block[self.pos:self.pos + take]
            self.pos = (self.pos + take) % len(self.block)
        self.left -= n
        out = bytes(out)
        self.sha256.update(out)
        return out


def seal_big_file(path: Path, size: int, recipients) -> str:
    """Seal `size` bytes to `recipients` as an age file at `path`; return the plaintext's SHA-256."""
    from bidding.agefile import encrypt

    plain = Pattern(size)
    with open(path, "wb", buffering=4 * MiB) as out:
        encrypt(plain, out, recipients)
        out.flush()
        os.fsync(out.fileno())  # clean pages: no write-back running under the measurements
    return plain.sha256.hexdigest()


def chunk_plan(size: int, chunk: int) -> list[tuple[int, int]]:
    """(offset, length) of each PATCH. The remainder goes first, so the last chunk, the one that
    brings the receipt, is a full one: the receipt time measured is the worst case."""
    first = size % chunk
    return ([(0, first)] if first else []) + [(offset, chunk) for offset in range(first, size, chunk)]


def chunk_checksums(path: Path, plan: list[tuple[int, int]]) -> list[bytes]:
    """Each chunk's SHA-256 (its Upload-Checksum), computed before any timing so the client does
    not compete with the server for the CPU."""
    digests = []
    with open(path, "rb", buffering=0) as fh:
        for _offset, length in plan:
            digest, left = hashlib.sha256(), length
            while left:
                block = fh.read(min(left, 4 * MiB))
                digest.update(block)
                left -= len(block)
            digests.append(digest.digest())
    return digests


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as fh:
        while block := fh.read(4 * MiB):
            digest.update(block)
    return digest.hexdigest()
