"""The age v1 header: its text syntax, its MAC, and the check an upload runs on its first bytes.

    age-encryption.org/v1
    -> X25519 <ephemeral share, base64>
    <body: unpadded base64, 64 columns a line, ended by a shorter (maybe empty) line>
    --- <HMAC-SHA256, base64>
    <binary payload: 16-byte nonce, then STREAM chunks>

The parser is as strict as the reference implementation (C2SP age spec, CCTV vectors):
canonical unpadded base64, no CR, arguments of ASCII ! to ~, body lines of at most 64
columns. It reads the stream line by line and never past the MAC line, so the stream is left
where the payload starts. Headers are capped at MAX_HEADER_BYTES to keep memory bounded.
"""

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import HeaderError, HeaderMACError, NotAgeFile, StanzaError, TruncatedHeader

INTRO = b"age-encryption.org/v1\n"
VERSION_PREFIX = b"age-encryption.org/"
ARMOR_BEGIN = b"-----BEGIN AGE ENCRYPTED FILE-----"
STANZA_PREFIX = b"->"
FOOTER_PREFIX = b"---"
COLUMNS = 64  # base64 characters in a full body line
BYTES_PER_LINE = 48  # what a full body line decodes to
MAC_SIZE = 32
MAX_HEADER_BYTES = 256 * 1024

_B64_CHARS = re.compile(rb"[A-Za-z0-9+/]*")


@dataclass(frozen=True)
class Stanza:
    type: str
    args: tuple[str, ...]
    body: bytes


@dataclass(frozen=True)
class Header:
    stanzas: tuple[Stanza, ...]
    mac: bytes
    mac_input: bytes  # the header bytes the MAC covers: from the start up to and including "---"
    size: int  # bytes from the start of the file to the end of the MAC line: the payload offset


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def b64decode(text: bytes | str) -> bytes:
    """Strict unpadded standard base64, as age requires: canonical, no padding, no whitespace."""
    if isinstance(text, str):
        text = text.encode("ascii", "replace")
    if not _B64_CHARS.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64")
    try:
        data = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except binascii.Error as err:
        raise ValueError("not unpadded base64") from err
    if b64encode(data).encode("ascii") != text:
        raise ValueError("not canonical base64 (the unused low bits are not zero)")
    return data


def _is_vchar_string(arg: bytes) -> bool:
    return bool(arg) and all(33 <= c <= 126 for c in arg)


def _crlf_hint(line: bytes) -> str:
    if line.endswith(b"\r\n") or line.endswith(b"\r"):
        return " The header lines end with CR LF: the file was changed by a text-mode transfer."
    return ""


class _Parser:
    """Consumes header lines one at a time; shared by the full parse and the upload check."""

    def __init__(self, name: str | None):
        self.name = name
        self.state = "intro"  # then "next" (a stanza or the MAC line), "body", "done"
        self.line_no = 0
        self.raw = bytearray()
        self.stanzas: list[Stanza] = []
        self._type = ""
        self._args: tuple[str, ...] = ()
        self._body = bytearray()
        self.mac = b""
        self.mac_input = b""

    # errors --------------------------------------------------------------------------------

    def _header_error(self, detail: str, cls=HeaderError):
        return cls(detail, name=self.name)

    def _stanza_error(self, detail: str):
        return StanzaError(detail, stanza=len(self.stanzas) + 1, name=self.name)

    # whole lines ---------------------------------------------------------------------------

    def feed(self, line: bytes) -> bool:
        """Take one whole line, ending in LF. True once the MAC line has been read."""
        self.line_no += 1
        content = line[:-1]
        if self.state == "intro":
            self._intro(line)
        elif self.state == "next":
            if content.startswith(FOOTER_PREFIX):
                self._footer(content)
            elif content.startswith(STANZA_PREFIX):
                self._stanza_line(content)
            else:
                raise self._header_error(
                    f"line {self.line_no} of the header is neither a recipient stanza (->) "
                    f"nor the MAC line (---).{_crlf_hint(line)}"
                )
        elif self.state == "body":
            self._body_line(content, line)
        self.raw += line
        if len(self.raw) > MAX_HEADER_BYTES:
            raise self._header_error(f"the header is longer than {MAX_HEADER_BYTES} bytes.")
        return self.state == "done"

    def _intro(self, line: bytes):
        if line == INTRO:
            self.state = "next"
            return
        if line.startswith(INTRO[:-1]) and line.endswith(b"\r\n"):
            raise self._header_error("the first line ends with CR LF, not LF: the file was "
                                     "changed by a text-mode transfer.")
        if line.startswith(VERSION_PREFIX):
            version = line[len(VERSION_PREFIX):].rstrip(b"\r\n")[:32].decode("ascii", "replace")
            raise self._header_error(f"unsupported age format version {version!r}; only v1 is known.")
        raise self._not_age(line)

    def _not_age(self, start: bytes):
        if start.startswith(ARMOR_BEGIN[: len(start)]) and start.startswith(b"-----"):
            return self._header_error("it is an ASCII-armored (PEM) age file; only the binary "
                                      "age format is taken.", NotAgeFile)
        return self._header_error("it does not begin with the age header line "
                                  "“age-encryption.org/v1”.", NotAgeFile)

    def _footer(self, content: bytes):
        parts = content.split(b" ")
        if parts[0] != FOOTER_PREFIX or len(parts) != 2:
            raise self._header_error(f"the MAC line (line {self.line_no}) is malformed: it must be "
                                     "“--- ” followed by the MAC.")
        try:
            mac = b64decode(parts[1])
        except ValueError as err:
            raise self._header_error(f"the MAC line (line {self.line_no}): {err}.") from err
        if len(mac) != MAC_SIZE:
            raise self._header_error(f"the MAC on line {self.line_no} is {len(mac)} bytes, not {MAC_SIZE}.")
        self.mac = mac
        self.mac_input = bytes(self.raw) + FOOTER_PREFIX
        self.state = "done"

    def _stanza_line(self, content: bytes):
        parts = content.split(b" ")
        if parts[0] != STANZA_PREFIX or len(parts) < 2:
            raise self._stanza_error(f"line {self.line_no} must be “-> ” followed by the stanza type.")
        for i, arg in enumerate(parts[1:]):
            if not _is_vchar_string(arg):
                what = "the type" if i == 0 else f"argument {i}"
                raise self._stanza_error(f"{what} on line {self.line_no} is empty or has characters "
                                         "other than ASCII ! to ~.")
        self._type = parts[1].decode("ascii")
        self._args = tuple(p.decode("ascii") for p in parts[2:])
        self._body = bytearray()
        self.state = "body"

    def _body_line(self, content: bytes, line: bytes):
        if len(content) > COLUMNS:
            raise self._stanza_error(f"body line {self.line_no} is longer than {COLUMNS} columns.")
        try:
            self._body += b64decode(content)
        except ValueError as err:
            raise self._stanza_error(f"line {self.line_no} should be a body line but is {err} (a body "
                                     f"ends with a line shorter than {COLUMNS} columns, maybe empty)."
                                     f"{_crlf_hint(line)}") from err
        if len(content) < COLUMNS:
            self.stanzas.append(Stanza(self._type, self._args, bytes(self._body)))
            self.state = "next"

    # an incomplete last line (upload check) ----------------------------------------------

    def check_fragment(self, fragment: bytes):
        """Raise if `fragment`, the start of a line, cannot begin a valid next line."""
        if not fragment or self.state == "done":
            return
        if self.state == "intro":
            if INTRO.startswith(fragment):
                return
            if fragment.startswith(VERSION_PREFIX) or fragment.startswith(INTRO[:-1]):
                self._intro(fragment + b"\n")
            raise self._not_age(fragment)
        if self.state == "next":
            if not (fragment.startswith(STANZA_PREFIX) or fragment.startswith(FOOTER_PREFIX)
                    or FOOTER_PREFIX.startswith(fragment)):
                raise self._header_error(f"line {self.line_no + 1} of the header is neither a "
                                         "recipient stanza (->) nor the MAC line (---).")
            if any(c < 32 or c > 126 for c in fragment):
                raise self._header_error(f"line {self.line_no + 1} of the header has characters "
                                         "other than printable ASCII.")
            return
        if len(fragment) > COLUMNS or not _B64_CHARS.fullmatch(fragment):
            raise self._stanza_error(f"body line {self.line_no + 1} is not base64 of at most "
                                     f"{COLUMNS} columns.")

    def header(self) -> Header:
        return Header(tuple(self.stanzas), self.mac, self.mac_input, len(self.raw))


def _readline(stream, limit: int) -> bytes:
    readline = getattr(stream, "readline", None)
    if readline is not None:
        return readline(limit)
    out = bytearray()
    while len(out) < limit:
        byte = stream.read(1)
        if not byte:
            break
        out += byte
        if byte == b"\n":
            break
    return bytes(out)


def parse_header(stream, *, name: str | None = None) -> Header:
    """Read and check the header from a binary stream, leaving it at the payload nonce.

    Raises NotAgeFile, TruncatedHeader, StanzaError or HeaderError. The MAC is parsed, not
    verified: that needs the file key (see `verify_mac`)."""
    parser = _Parser(name)
    # The first read is short, so a large file that is not age is refused after a few bytes.
    line = _readline(stream, 128)
    while True:
        if not line.endswith(b"\n"):
            if len(parser.raw) + len(line) > MAX_HEADER_BYTES:
                raise parser._header_error(f"the header is longer than {MAX_HEADER_BYTES} bytes.")
            if not parser.raw and not line:
                raise parser._header_error("the file is empty.", NotAgeFile)
            parser.check_fragment(line)
            raise parser._header_error("the file ends inside the header.", TruncatedHeader)
        if parser.feed(line):
            return parser.header()
        line = _readline(stream, MAX_HEADER_BYTES - len(parser.raw) + 1)


def check_header_start(data: bytes, *, name: str | None = None) -> int | None:
    """Check that `data`, the first bytes of an upload, can begin an age v1 file; return the
    header's size once `data` holds all of it (up to its MAC line), else None.

    Whatever header bytes are present are checked as `parse_header` would: the intro line,
    stanza syntax, base64, the MAC line. Bytes after the header (the payload) are not looked
    at. Raises a HeaderError subclass (NotAgeFile for a file that is not age at all)."""
    parser = _Parser(name)
    data = bytes(data)
    if not data:
        raise parser._header_error("the file is empty.", NotAgeFile)
    # Judge the first line before anything else, so a large file that is not age is refused
    # as such rather than as an overlong header.
    first = data[:128].split(b"\n", 1)[0]
    parser.check_fragment(first)
    start = 0
    while parser.state != "done":
        end = data.find(b"\n", start)
        if end < 0:
            if len(data) - start > MAX_HEADER_BYTES:
                raise parser._header_error(f"the header is longer than {MAX_HEADER_BYTES} bytes.")
            parser.check_fragment(data[start:])
            return None
        parser.feed(data[start : end + 1])
        start = end + 1
    return start


def looks_like_age(data: bytes) -> bool:
    """True if `data` (the first bytes of a file) can begin an age v1 file; see check_header_start."""
    try:
        check_header_start(data)
    except HeaderError:
        return False
    return True


def _header_key(file_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"header").derive(file_key)


def compute_mac(file_key: bytes, mac_input: bytes) -> bytes:
    return hmac.new(_header_key(file_key), mac_input, hashlib.sha256).digest()


def verify_mac(header: Header, file_key: bytes, *, name: str | None = None, detail: str | None = None) -> None:
    if not hmac.compare_digest(compute_mac(file_key, header.mac_input), header.mac):
        raise HeaderMACError(
            detail or "the header MAC does not verify: the header was altered after sealing.",
            name=name,
        )


def encode_header(stanzas, file_key: bytes) -> bytes:
    """The header for `stanzas` with its MAC under `file_key`, ending with the MAC line."""
    out = bytearray(INTRO)
    for stanza in stanzas:
        out += " ".join(["->", stanza.type, *stanza.args]).encode("ascii") + b"\n"
        body = stanza.body
        while True:
            piece, body = body[:BYTES_PER_LINE], body[BYTES_PER_LINE:]
            out += b64encode(piece).encode("ascii") + b"\n"
            if len(piece) < BYTES_PER_LINE:
                break
    out += FOOTER_PREFIX
    mac = compute_mac(file_key, bytes(out))
    return bytes(out) + b" " + b64encode(mac).encode("ascii") + b"\n"
