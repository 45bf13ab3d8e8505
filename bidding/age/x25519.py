"""The X25519 recipient type of age: keys, and wrapping/unwrapping the file key.

    identity  AGE-SECRET-KEY-1…  bech32 of the 32-byte scalar
    recipient age1…              bech32 of the 32-byte public point
    stanza    -> X25519 <base64 ephemeral share>
              body = ChaCha20-Poly1305(key, nonce 0, file key)
              key  = HKDF-SHA256(ikm = X25519(secret, share), salt = share || recipient,
                                 info = "age-encryption.org/v1/X25519")

Python cannot wipe memory: an identity lives until it is garbage collected. Callers drop
their references when the opening ends.
"""

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import bech32
from .errors import InvalidKeyError, StanzaError
from .header import Stanza, b64decode, b64encode

IDENTITY_HRP = "age-secret-key-"
RECIPIENT_HRP = "age"
STANZA_TYPE = "X25519"
FILE_KEY_SIZE = 16
_INFO = b"age-encryption.org/v1/X25519"
_ZERO_NONCE = bytes(12)


def _wrap_key(shared: bytes, share: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=share + recipient, info=_INFO).derive(shared)


class X25519Recipient:
    """An age1… public key: what a file is sealed to."""

    __slots__ = ("public_bytes",)

    def __init__(self, public_bytes: bytes):
        if len(public_bytes) != 32:
            raise InvalidKeyError("an X25519 recipient is 32 bytes.")
        self.public_bytes = bytes(public_bytes)

    @classmethod
    def from_str(cls, text: str) -> "X25519Recipient":
        text = str(text).strip()
        try:
            hrp, data = bech32.decode(text)
        except bech32.Bech32Error as err:
            raise InvalidKeyError(f"not an age recipient (age1…): {err}.") from err
        if hrp != RECIPIENT_HRP or not text.startswith("age1"):
            raise InvalidKeyError("not an age recipient: it must start with “age1”.")
        return cls(data)

    def __str__(self) -> str:
        return bech32.encode(RECIPIENT_HRP, self.public_bytes)

    def __repr__(self) -> str:
        return f"X25519Recipient({str(self)!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, X25519Recipient) and other.public_bytes == self.public_bytes

    def __hash__(self) -> int:
        return hash(self.public_bytes)

    def wrap(self, file_key: bytes) -> Stanza:
        ephemeral = X25519PrivateKey.generate()
        share = ephemeral.public_key().public_bytes_raw()
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(self.public_bytes))
        key = _wrap_key(shared, share, self.public_bytes)
        body = ChaCha20Poly1305(key).encrypt(_ZERO_NONCE, file_key, None)
        return Stanza(STANZA_TYPE, (b64encode(share),), body)


class X25519Identity:
    """An AGE-SECRET-KEY-1… private key: what opens a file sealed to its recipient."""

    __slots__ = ("_private", "_recipient")

    def __init__(self, secret: bytes):
        if len(secret) != 32:
            raise InvalidKeyError("an X25519 identity is 32 bytes.")
        self._private = X25519PrivateKey.from_private_bytes(bytes(secret))
        self._recipient = X25519Recipient(self._private.public_key().public_bytes_raw())

    @classmethod
    def generate(cls) -> "X25519Identity":
        return cls(os.urandom(32))

    @classmethod
    def from_str(cls, text: str) -> "X25519Identity":
        text = str(text).strip()
        try:
            hrp, data = bech32.decode(text)
        except bech32.Bech32Error as err:
            raise InvalidKeyError(f"not an age identity (AGE-SECRET-KEY-1…): {err}.") from err
        if hrp != IDENTITY_HRP:
            raise InvalidKeyError("not an age identity: it must start with “AGE-SECRET-KEY-1”.")
        return cls(data)

    @property
    def recipient(self) -> X25519Recipient:
        return self._recipient

    def secret_bytes(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

        return self._private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    def __str__(self) -> str:
        return bech32.encode(IDENTITY_HRP, self.secret_bytes(), upper=True)

    def __repr__(self) -> str:
        return f"X25519Identity(recipient={str(self._recipient)!r})"  # never the secret

    def unwrap(self, stanza: Stanza, *, index: int, name: str | None = None) -> bytes | None:
        """The file key if `stanza` is an X25519 stanza for this identity, else None.

        A malformed X25519 stanza raises StanzaError whoever it is for, as the reference
        implementation does; a well-formed one for another recipient gives None."""
        if stanza.type != STANZA_TYPE:
            return None

        def bad(detail):
            return StanzaError(f"X25519 {detail}", stanza=index, name=name)

        if len(stanza.args) != 1:
            raise bad(f"has {len(stanza.args)} arguments, not 1 (the ephemeral share).")
        try:
            share = b64decode(stanza.args[0])
        except ValueError as err:
            raise bad(f"share: {err}.") from err
        if len(share) != 32:
            raise bad(f"share is {len(share)} bytes, not 32.")
        if len(stanza.body) != FILE_KEY_SIZE + 16:
            raise bad(f"body is {len(stanza.body)} bytes, not {FILE_KEY_SIZE + 16} (a 16-byte file key and its tag).")
        try:
            shared = self._private.exchange(X25519PublicKey.from_public_bytes(share))
        except ValueError:  # OpenSSL refuses low-order points (all-zero shared secret)
            shared = bytes(32)
        if shared == bytes(32):
            raise bad("share is a low-order point: the shared secret would be all zero.")
        key = _wrap_key(shared, share, self._recipient.public_bytes)
        try:
            return ChaCha20Poly1305(key).decrypt(_ZERO_NONCE, stanza.body, None)
        except InvalidTag:
            return None


def parse_identities(identities) -> list[X25519Identity]:
    """Identities from X25519Identity objects, key strings, or identity-file text.

    A string may hold several keys, one a line, with blank lines and "#" comments (the format
    `age-keygen` writes). Anything whose str() is a key (a pyrage identity) is taken too."""
    if identities is None:
        return []
    if isinstance(identities, (str, bytes, X25519Identity)) or not hasattr(identities, "__iter__"):
        identities = [identities]
    out = []
    for item in identities:
        if isinstance(item, X25519Identity):
            out.append(item)
            continue
        if isinstance(item, bytes):
            item = item.decode("utf-8", "replace")
        for line in str(item).splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                out.append(X25519Identity.from_str(line))
    return out


def parse_recipients(recipients) -> list[X25519Recipient]:
    """Recipients from X25519Recipient objects, age1… strings, or objects whose str() is one."""
    if isinstance(recipients, (str, X25519Recipient)) or not hasattr(recipients, "__iter__"):
        recipients = [recipients]
    return [r if isinstance(r, X25519Recipient) else X25519Recipient.from_str(str(r)) for r in recipients]
