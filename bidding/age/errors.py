"""What can go wrong with an age file, one class per outcome.

The classes follow the outcomes of the C2SP age test vectors (CCTV testkit): a malformed
header (`HeaderError`), no identity fits (`NoIdentityMatch`), a header MAC that does not
verify (`HeaderMACError`), and a payload that fails part way (`PayloadError`). Every error
names the file it is about, says what failed, and carries a stable `code` that a view can
map to a translated message.
"""


class AgeError(Exception):
    """Base class. `str(err)` is "<name>: <detail>", or the detail alone if no name was given."""

    code = "age"

    def __init__(self, detail: str, *, name: str | None = None):
        self.detail = detail
        self.name = name
        super().__init__(f"{name}: {detail}" if name else detail)


class InvalidKeyError(AgeError, ValueError):
    """An identity, recipient or file key handed in is not well formed."""

    code = "invalid_key"


class HeaderError(AgeError):
    """The header is not a well-formed age v1 header ("header failure" in the test vectors)."""

    code = "header"


class NotAgeFile(HeaderError):
    """The bytes do not start like an age file at all (wrong intro line, armored, empty)."""

    code = "not_age"


class TruncatedHeader(HeaderError):
    """The file ends inside the header or inside the 16-byte payload nonce."""

    code = "truncated_header"


class StanzaError(HeaderError):
    """One recipient stanza is malformed. `stanza` is its 1-based position in the header."""

    code = "stanza"

    def __init__(self, detail: str, *, stanza: int, name: str | None = None):
        self.stanza = stanza
        super().__init__(f"recipient stanza {stanza}: {detail}", name=name)


class NoIdentityMatch(AgeError):
    """None of the identities handed in opens any recipient stanza of the file."""

    code = "no_match"


class HeaderMACError(AgeError):
    """The header MAC does not verify: the header was altered, or the file key is wrong."""

    code = "header_mac"


class PayloadError(AgeError):
    """The payload fails part way. Plaintext already written must be discarded."""

    code = "payload"


class ChunkTagError(PayloadError):
    """A payload chunk's Poly1305 tag does not verify. `chunk` is 1-based."""

    code = "chunk_tag"

    def __init__(self, detail: str, *, chunk: int, name: str | None = None):
        self.chunk = chunk
        super().__init__(detail, name=name)


class TruncatedPayload(PayloadError):
    """The payload ends before its final chunk."""

    code = "truncated"


class TrailingData(PayloadError):
    """Bytes follow the final chunk of the payload."""

    code = "trailing_data"


class EmptyFinalChunk(PayloadError):
    """The final chunk is empty though earlier chunks exist (the spec forbids it)."""

    code = "empty_final_chunk"
