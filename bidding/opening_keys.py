"""Opening keys: what bidders and custodians hand in at the opening, and the decryption core.

Nothing here works before the deadline: a key, a file key or a share handed in early is
refused and the attempt is audited, and so is any request to decrypt. After the deadline:
- a bidder hands in its identity for this tender (or a sealed file's file key);
- custodians hand in their shares; at k the opening identity is rebuilt in memory, checked
  against the published opening recipient, used, and never stored;
- each sealed file is decrypted by the streaming age core, to a temporary file that becomes
  the plaintext only when every header MAC and payload tag verified.
"""

import json

import pyshamir
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trading import audit
from trading.formats import zoned_text
from trading.errors import RuleViolation

from . import storage
from .age.bech32 import encode as bech32_encode
from .agefile import AgeError, X25519Identity, decrypt_to_path, parse_identities
from .models import BidderKey, HandedInShare, KeyCeremony, SealedFile
from .rules import check

SHARE_FORMAT = "kaibiao-opening-share/1"  # frontend/js/README.md: the contract with ceremony.js
SHARE_LENGTH = 33  # 32 y-bytes, then the x-coordinate (shamir-secret-sharing, Vault's layout)


def ensure_after_deadline(*, actor, project, now, what: str, obj=None):
    """Refuse (and audit the attempt) anything that opens bids before the deadline."""
    if project.bid_deadline is None or now < project.bid_deadline:
        with transaction.atomic():
            audit.record(actor=actor, action="opening.refused_before_deadline", obj=obj or project, project=project,
                         data={"what": what, "at": now})
        raise RuleViolation(_("Nobody may %(what)s before the deadline, %(deadline)s.")
                            % {"what": what, "deadline": zoned_text(project.bid_deadline, "ms")})


# --- pure: shares and identities -----------------------------------------------------------


def identity_from_secret(secret: bytes) -> str:
    return bech32_encode("age-secret-key-", bytes(secret), upper=True)


def parse_share(payload, *, project_code: str) -> bytes:
    """The 33 share bytes out of what a custodian's browser decrypted from its share file."""
    if isinstance(payload, (bytes, str)):
        try:
            payload = json.loads(payload)
        except ValueError as err:
            raise RuleViolation(_("This is not an opening share.")) from err
    if not isinstance(payload, dict) or payload.get("format") != SHARE_FORMAT:
        raise RuleViolation(_("This is not an opening share (format %(f)s expected).") % {"f": SHARE_FORMAT})
    if payload.get("tender") != project_code:
        raise RuleViolation(_("This share belongs to tender %(t)s, not to this one.") % {"t": payload.get("tender")})
    try:
        share = bytes.fromhex(str(payload.get("share", "")))
    except ValueError as err:
        raise RuleViolation(_("The share is damaged.")) from err
    if len(share) != SHARE_LENGTH or share[-1] == 0:
        raise RuleViolation(_("The share is damaged."))
    return share


def combine_shares(shares: list[bytes], opening_recipient: str) -> X25519Identity:
    """Rebuild the opening identity from k shares. Too few or wrong shares give a wrong key
    without error, so the result is checked against the published recipient."""
    secret = bytes(pyshamir.combine([bytearray(s) for s in shares]))
    (identity,) = parse_identities([identity_from_secret(secret)])
    if str(identity.recipient) != opening_recipient:
        raise RuleViolation(_("The shares handed in do not rebuild the opening key: a share is wrong or missing."))
    return identity


# --- services --------------------------------------------------------------------------------


def hand_in_share(*, actor, project, payload, now=None) -> dict:
    """A custodian hands in its decrypted share. Returns how many of k are in."""
    now = now or timezone.now()
    check(actor, "bidding.hand_in_share", project)
    ceremony = KeyCeremony.objects.get(project=project)  # one exists: the actor holds a share of it
    ensure_after_deadline(actor=actor, project=project, now=now, what=_("hand in a key share"), obj=ceremony)
    share = parse_share(payload, project_code=project.code)
    with transaction.atomic():
        _row, created = HandedInShare.objects.get_or_create(ceremony=ceremony, custodian=actor, defaults={"share": share})
        if not created:
            raise RuleViolation(_("You have already handed in your share."))
        count = HandedInShare.objects.filter(ceremony=ceremony).count()
        audit.record(actor=actor, action="opening.share_handed_in", obj=ceremony, project=project,
                     data={"count": count, "k": ceremony.k})
    return {"count": count, "k": ceremony.k}


def opening_identity(project) -> X25519Identity | None:
    """The rebuilt opening identity, in memory only, once k shares are in; else None. One wrong
    share must not block the others: every k of the handed-in shares are tried (n is small)."""
    from itertools import combinations

    ceremony = KeyCeremony.objects.filter(project=project).first()
    if ceremony is None:
        return None
    shares = [bytes(s.share) for s in HandedInShare.objects.filter(ceremony=ceremony).order_by("handed_in_at")]
    if len(shares) < ceremony.k:
        return None
    for some in combinations(shares, ceremony.k):
        try:
            return combine_shares(list(some), ceremony.opening_recipient)
        except RuleViolation:
            continue
    raise RuleViolation(_("The shares handed in do not rebuild the opening key: a share is wrong or missing."))


def forget_opening_keys(*, actor, project) -> None:
    """When the opening ends: the handed-in shares are deleted."""
    with transaction.atomic():
        deleted, _rows = HandedInShare.objects.filter(ceremony__project=project).delete()
        audit.record(actor=actor, action="opening.keys_forgotten", obj=project, project=project, data={"shares": deleted})


def check_bidder_identity(*, actor, lot, identity: str, now=None) -> X25519Identity:
    """A bidder hands in its identity for this tender: after the deadline only, and only the
    identity whose recipient it registered."""
    now = now or timezone.now()
    check(actor, "bidding.hand_in_key", lot)
    ensure_after_deadline(actor=actor, project=lot.project, now=now, what=_("hand in a bid's key"), obj=lot)
    try:
        (parsed,) = parse_identities([identity.strip()])
    except (AgeError, ValueError) as err:
        raise RuleViolation(_("This is not an age identity (AGE-SECRET-KEY-1…).")) from err
    key = BidderKey.objects.filter(project=lot.project, organization=actor.organization).first()
    if key is None or key.recipient != str(parsed.recipient):
        raise RuleViolation(_("This key is not the one you registered for this tender."))
    return parsed


def decrypt_sealed_file(*, sealed: SealedFile, identity=None, file_key=None, opened_with: str, actor=None, now=None) -> SealedFile:
    """Decrypt one sealed file after the deadline, streaming, verifying every MAC and tag. The
    plaintext appears only if all verified; on failure an AgeError names the file."""
    now = now or timezone.now()
    project = sealed.bid.lot.project
    ensure_after_deadline(actor=actor, project=project, now=now, what=_("decrypt a bid"), obj=sealed)
    opened_name = storage.new_name()  # as opaque as the sealed file's (storage.py)
    dst = storage.path_of(opened_name)
    dst.parent.mkdir(parents=True, exist_ok=True)
    result = decrypt_to_path(storage.path_of(sealed.storage_name), dst,
                             identities=[identity] if identity is not None else None,
                             file_key=file_key, name=sealed.name)
    with transaction.atomic():
        sealed.opened_storage_name, sealed.opened_size = opened_name, result.size
        sealed.opened_at, sealed.opened_with = timezone.now(), opened_with
        sealed.save(update_fields=["opened_storage_name", "opened_size", "opened_at", "opened_with"])
        audit.record(actor=actor, action="opening.file_decrypted", obj=sealed, project=project,
                     data={"bid": sealed.bid_id, "file": sealed.name, "kind": sealed.kind, "with": opened_with,
                           "ciphertext_sha256": sealed.sha256, "size": result.size})
    return sealed


def read_opening_form(sealed: SealedFile) -> dict:
    """The decrypted opening form, exactly as sealed (JSON)."""
    if sealed.kind != SealedFile.Kind.FORM or not sealed.opened_storage_name:
        raise RuleViolation(_("This opening form is not decrypted."))
    with open(storage.path_of(sealed.opened_storage_name), "rb") as fh:
        return json.loads(fh.read(1024 * 1024).decode("utf-8"))
