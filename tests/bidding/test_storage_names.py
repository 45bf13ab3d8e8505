"""The sealed store's paths say nothing: a listing names no tender, lot, bidder or version,
and cannot group a lot's files, so it cannot count a lot's bids before the deadline."""

import os
import re

import pytest

from bidding import storage
from bidding.models import SealedFile
from bidding.opening_keys import decrypt_sealed_file
from tests.bidding.conftest import make_bidder, make_tender, submit

pytestmark = pytest.mark.django_db

OPAQUE = re.compile(r"[0-9a-f]{2}/[0-9a-f]{32}")


def listing() -> list[str]:
    """Every file and folder under the storage root, as a path relative to it."""
    root = storage.root()
    found = []
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            found.append(os.path.relpath(os.path.join(folder, name), root))
    return found


def test_a_listing_of_the_store_names_nobody_and_cannot_group_a_lots_bids():
    one, two = make_tender(), make_tender()
    first, second, elsewhere = make_bidder(one), make_bidder(one), make_bidder(two)
    submit(one, first)
    submit(one, first)  # a second version
    submit(one, second)
    submit(two, elsewhere)
    # after the deadline a file is decrypted: the plaintext is stored the same way
    opened = SealedFile.objects.filter(bid__organization=second.organization, kind="form").get()
    decrypt_sealed_file(sealed=opened, identity=second.identity, opened_with="bidder", now=one.after())
    opened.refresh_from_db()

    paths = listing()
    files = [p for p in paths if (storage.root() / p).is_file()]
    rows = SealedFile.objects.all()
    assert sorted(files) == sorted([r.storage_name for r in rows] + [opened.opened_storage_name])
    words = [t.project.code for t in (one, two)]
    for b in (first, second, elsewhere):
        words += [b.organization.uscc, b.organization.name]
    for path in paths:
        assert not any(word in path for word in words), path
        assert not re.search(r"lot|v\d|opened|\.age", path), path
    # every file sits in the fan-out folder its own random name picks: the paths of one lot,
    # bidder or version have nothing in common that those of another have not
    for path in files:
        assert OPAQUE.fullmatch(path), path
        folder, name = path.split("/")
        assert folder == name[:2]
    assert all(OPAQUE.fullmatch(p) or re.fullmatch(r"[0-9a-f]{2}", p) for p in paths)
