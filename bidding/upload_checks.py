"""What the bytes of a sealed file's upload must be before a receipt: a whole age v1 file.

The server holds no key, so it checks what can be checked without one, as the bytes stream in:

- the age header, whatever the chunking: until the whole header (to its MAC line) has arrived,
  the start of the file is gathered across chunks (what earlier chunks stored is read back, at
  most MAX_HEADER_BYTES) and checked as it grows, so a file whose first bytes are not an age v1
  header is refused at once;
- with the chunk that ends the file: the header is complete, the payload after it is the
  16-byte nonce and whole STREAM chunks (agefile.check_framing), and the SHA-256 of the bytes
  received is the one the sealer declared, where it declared one (the version's manifest, or
  the last chunk's Repr-Digest). A file cut exactly at a chunk boundary passes the framing;
  only the declared digest catches that.

    check = WholeFileCheck(sealed, offset, length, declared=...)
    check.feed(block) ...               # each block of the chunk, in order
    check.finish(running_sha256_hex)    # after the chunk arrived whole; refuses or returns
"""

from django.utils.translation import gettext as _

from trading.errors import RuleViolation

from . import storage
from .age.header import MAX_HEADER_BYTES
from .agefile import AgeError, EmptyFinalChunk, check_framing, check_header_start


class NotAgeFile(RuleViolation):
    """The bytes so far cannot begin an age v1 file: the chunk is refused, nothing of it kept."""


class NotWholeAgeFile(RuleViolation):
    """The file's last byte is in, but the file is not the whole age file its sealer made."""

    def __init__(self, problem):
        again = _("Nothing of this version is kept: seal the file again and upload a new version.")
        # Two sentences, joined as the language joins them (no space after a Chinese full stop).
        super().__init__(_("%(problem)s %(again)s") % {"problem": problem, "again": again})


class WholeFileCheck:
    """Follows one chunk of a sealed file's upload, at `offset`, of `length` bytes."""

    def __init__(self, sealed, offset: int, length: int, *, declared: str | None = None):
        self.sealed = sealed
        self.last = offset + length == sealed.size
        self.declared = {d for d in (sealed.declared_sha256, declared) if d}
        self.header_size = None
        self._head = bytearray()
        # The start of the file is wanted while the header may still be arriving, and by the
        # chunk that ends the file (to know where the payload starts).
        self._watching = offset < MAX_HEADER_BYTES or self.last
        if self._watching and offset:
            self._head += storage.read_prefix(sealed.storage_name, min(offset, MAX_HEADER_BYTES))
            self._check()

    def feed(self, block) -> None:
        if not self._watching or self.header_size is not None:
            return
        room = MAX_HEADER_BYTES - len(self._head)
        self._head += block[:room]
        self._check()

    def _check(self) -> None:
        try:
            self.header_size = check_header_start(bytes(self._head))
        except AgeError as err:
            raise NotAgeFile(_("“%(name)s” is not a sealed (age) file, so it is refused: %(err)s Seal it first.")
                             % {"name": self.sealed.name, "err": err}) from err
        if self.header_size is None and len(self._head) >= MAX_HEADER_BYTES:
            raise NotAgeFile(_("“%(name)s” is not a sealed (age) file, so it is refused: its age header is "
                               "longer than %(n)d bytes. Seal it first.") % {"name": self.sealed.name, "n": MAX_HEADER_BYTES})

    def finish(self, received_sha256: str) -> None:
        """With the chunk that ends the file: refuse it unless it is a whole age file, as declared."""
        if not self.last:
            return
        name = self.sealed.name
        if self.header_size is None:
            raise NotWholeAgeFile(_("“%(name)s” is cut short: it ends inside its age header, before the "
                                    "header's MAC line.") % {"name": name})
        try:
            check_framing(self.sealed.size - self.header_size)
        except EmptyFinalChunk as err:
            raise NotWholeAgeFile(_("“%(name)s” is not a whole age file: it ends with an empty chunk after "
                                    "others.") % {"name": name}) from err
        except AgeError as err:
            raise NotWholeAgeFile(_("“%(name)s” is cut short: after its age header, the encrypted content is "
                                    "not the 16-byte nonce followed by whole chunks (each 64 KiB and 16 bytes, "
                                    "the last one shorter).") % {"name": name}) from err
        for want in self.declared:
            if want != received_sha256:
                raise NotWholeAgeFile(_("“%(name)s” is not the file that was sealed: the SHA-256 of the bytes "
                                        "received (%(got)s) differs from the one declared for it (%(want)s); "
                                        "the file was cut short or changed.")
                                      % {"name": name, "got": received_sha256, "want": want})


def declared_sha256(value) -> str:
    """A declared SHA-256, as 64 lowercase hex digits; '' for none; ValueError if malformed."""
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or len(value) != 64:
        raise ValueError(value)
    text = value.lower()
    bytes.fromhex(text)
    return text
