"""The server-side age core (bidding.agefile): the published C2SP/CCTV age vectors, interop with
pyrage and with Debian's `age`, tampering anywhere, and constant memory on a 200 MB file."""

import hashlib
import io
import os
import shutil
import subprocess
import time
import tracemalloc
from pathlib import Path

import pyrage
import pytest

from bidding import agefile
from bidding.age import bech32, stream
from bidding.agefile import (
    AgeError,
    ChunkTagError,
    HeaderError,
    HeaderMACError,
    InvalidKeyError,
    NoIdentityMatch,
    NotAgeFile,
    PayloadError,
    StanzaError,
    TrailingData,
    TruncatedHeader,
    TruncatedPayload,
    X25519Identity,
    X25519Recipient,
)

VECTORS = Path(__file__).parent / "vectors" / "cctv"
CHUNK = 64 * 1024
EXPECT = {
    "header failure": HeaderError,
    "HMAC failure": HeaderMACError,
    "no match": NoIdentityMatch,
    "payload failure": PayloadError,
}


def load_vector(path: Path) -> tuple[dict[str, list[str]], bytes]:
    data = path.read_bytes()
    head, body = data.split(b"\n\n", 1)
    meta: dict[str, list[str]] = {}
    for line in head.decode("utf-8").splitlines():
        key, value = line.split(": ", 1)
        meta.setdefault(key, []).append(value)
    return meta, body


VECTOR_NAMES = sorted(p.name for p in VECTORS.iterdir())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the published vectors ---------------------------------------------------------------


def test_vectors_are_all_there():
    assert len(VECTOR_NAMES) == 54
    expects = {load_vector(VECTORS / n)[0]["expect"][0] for n in VECTOR_NAMES}
    assert expects == {"success", "no match", "HMAC failure", "header failure", "payload failure"}


@pytest.fixture(params=["stream", "file"])
def source(request, tmp_path, monkeypatch):
    """A vector as a stream (read chunk by chunk) or as a file on disk (read in blocks by
    several threads; blocks of one chunk here, so that a vector of a few chunks spans threads)."""
    if request.param == "stream":
        yield io.BytesIO
        return
    monkeypatch.setattr(stream, "BLOCK_CHUNKS", 1)
    files = []

    def on_disk(body: bytes):
        path = tmp_path / f"vector-{len(files)}.age"
        path.write_bytes(body)
        files.append(open(path, "rb"))
        return files[-1]

    yield on_disk
    for fh in files:
        fh.close()


@pytest.mark.parametrize("name", VECTOR_NAMES)
def test_cctv_vector(name, source):
    # given a published vector and its identities
    meta, body = load_vector(VECTORS / name)
    expect = meta["expect"][0]
    out = io.BytesIO()

    # when it is decrypted
    if expect == "success":
        result = agefile.decrypt(source(body), out, identities=meta["identity"], name=name)
        # then the plaintext is the published one
        assert sha256(out.getvalue()) == meta["payload"][0]
        assert result.size == len(out.getvalue())
        return
    with pytest.raises(EXPECT[expect]) as caught:
        agefile.decrypt(source(body), out, identities=meta["identity"], name=name)

    # then it fails the published way, naming the file
    assert str(caught.value).startswith(f"{name}: ")
    if expect == "payload failure":
        # only authentic chunks were written before the failure, exactly as the vector says
        assert sha256(out.getvalue()) == meta["payload"][0]
    else:
        assert out.getvalue() == b""


KEYED = ("success", "HMAC failure", "payload failure")


@pytest.mark.parametrize("name", [n for n in VECTOR_NAMES if load_vector(VECTORS / n)[0]["expect"][0] in KEYED])
def test_cctv_vector_with_the_file_key_handed_in(name, source):
    meta, body = load_vector(VECTORS / name)
    expect = meta["expect"][0]
    out = io.BytesIO()
    if expect == "success":
        agefile.decrypt(source(body), out, file_key=meta["file key"][0], name=name)
        assert sha256(out.getvalue()) == meta["payload"][0]
    else:
        with pytest.raises(EXPECT[expect]):
            agefile.decrypt(source(body), out, file_key=meta["file key"][0], name=name)


@pytest.mark.parametrize("name", [n for n in VECTOR_NAMES if (VECTORS / n).stat().st_size < 2000])
def test_upload_check_agrees_with_the_parser_on_every_prefix(name):
    # given a vector small enough to try every prefix
    _meta, body = load_vector(VECTORS / name)
    try:
        header = agefile.parse_header(io.BytesIO(body))
    except HeaderError:
        header = None

    if header is not None:
        # then no prefix of a syntactically valid file is refused at upload
        for length in range(1, len(body) + 1):
            assert agefile.looks_like_age(body[:length]), length
    else:
        # then a malformed header is refused at upload once its bad line is there
        with pytest.raises(HeaderError):
            agefile.check_header_start(body)


def test_unwrapped_file_key_is_the_published_one():
    meta, body = load_vector(VECTORS / "x25519_multiple_recipients")
    key = agefile.file_key_for(body, meta["identity"])
    assert key.hex() == meta["file key"][0]


# --- the upload check ----------------------------------------------------------------------


@pytest.mark.parametrize("start, error", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", NotAgeFile),
    (b"PK\x03\x04\x14\x00\x06\x00", NotAgeFile),
    (b"\xef\xbb\xbfage-encryption.org/v1\n", NotAgeFile),
    (b"", NotAgeFile),
    (b"-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24u\n", NotAgeFile),
    (b"age-encryption.org/v1\r\n-> X25519 abc\r\n", HeaderError),
    (b"age-encryption.org/v2\n", HeaderError),
    (b"age-encryption.org/v1\n-- X25519", HeaderError),
    (b"age-encryption.org/v1\n-> X25519  abc\n", StanzaError),
    (b"age-encryption.org/v1\n-> X25519 abc\nnot base64!\n", StanzaError),
    (b"age-encryption.org/v1\n-> X25519 abc\n" + b"A" * 65, StanzaError),
])
def test_upload_check_refuses_what_is_not_age(start, error):
    assert not agefile.looks_like_age(start)
    with pytest.raises(error) as caught:
        agefile.check_header_start(start, name="bid.pdf")
    assert str(caught.value).startswith("bid.pdf: ")


def test_upload_check_refuses_a_large_binary_file_as_not_age():
    with pytest.raises(NotAgeFile):
        agefile.check_header_start(os.urandom(1024).replace(b"\n", b"") * 1024)


@pytest.mark.parametrize("start", [
    b"a", b"age-encryption.org/", b"age-encryption.org/v1\n", b"age-encryption.org/v1\n-",
    b"age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcq",
    b"age-encryption.org/v1\n-> scrypt c2FsdA 18\nQUFB",
    b"age-encryption.org/v1\n-> piv-p256 abc def\n\n--- ",
])
def test_upload_check_accepts_a_valid_beginning(start):
    assert agefile.looks_like_age(start)
    agefile.check_header_start(start)


def test_upload_check_takes_any_stanza_type_such_as_a_passphrase_share():
    sealed = pyrage.passphrase.encrypt(b"share 3 of 5", "custodian passphrase")
    agefile.check_header_start(sealed[:4096])
    assert [s.type for s in agefile.parse_header(io.BytesIO(sealed)).stanzas] == ["scrypt"]


def test_parse_header_leaves_the_stream_at_the_payload_nonce():
    identity = X25519Identity.generate()
    sealed = agefile.encrypt_bytes(b"price: 1 000 000", [identity.recipient])
    stream = io.BytesIO(sealed)
    header = agefile.parse_header(stream)
    assert stream.tell() == header.size == sealed.index(b"\n", sealed.index(b"\n---") + 1) + 1
    assert header.mac_input == sealed[: sealed.index(b"\n---") + 4]
    assert [s.type for s in header.stanzas] == ["X25519"]


class ReadOnly:
    """A stream with read() only, handing out at most 1000 bytes at a time."""

    def __init__(self, data: bytes):
        self._inner = io.BytesIO(data)

    def read(self, size=-1):
        return self._inner.read(min(size, 1000) if size and size > 0 else 1000)


def test_decrypt_takes_a_stream_without_readline_and_with_short_reads():
    identity = X25519Identity.generate()
    plaintext = os.urandom(3 * CHUNK + 5)
    sealed = agefile.encrypt_bytes(plaintext, [identity.recipient])
    out = io.BytesIO()
    agefile.decrypt(ReadOnly(sealed), out, identities=[identity])
    assert out.getvalue() == plaintext


# --- keys ------------------------------------------------------------------------------------

BIP173_VALID = [
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
]
BIP173_INVALID = [
    "\x201nwldj5",  # HRP character out of range
    "\x7f1axkwrx",  # HRP character out of range
    "\x801eym55h",  # HRP character out of range
    "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",  # too long
    "pzry9x0s0muk",  # no separator
    "1pzry9x0s0muk",  # empty HRP
    "x1b4n0q5v",  # invalid data character
    "li1dgmt3",  # too short checksum
    "de1lg7wt\xff",  # invalid character in checksum
    "A1G7SGD8",  # checksum calculated with uppercase form of HRP
    "10a06t8",  # empty HRP
    "1qzzfhee",  # empty HRP
]


@pytest.mark.parametrize("text", BIP173_VALID)
def test_bech32_decodes_the_bip173_valid_strings(text):
    hrp, data = bech32.decode(text, max_length=90)
    assert bech32.encode(hrp, data, upper=text.isupper()) == text


@pytest.mark.parametrize("text", BIP173_INVALID)
def test_bech32_refuses_the_bip173_invalid_strings(text):
    with pytest.raises(bech32.Bech32Error):
        bech32.decode(text, max_length=90)


def test_bech32_refuses_mixed_case():
    with pytest.raises(bech32.Bech32Error):
        bech32.decode("A12uEL5L")


def test_keys_match_pyrage_both_ways():
    for _ in range(20):
        theirs = pyrage.x25519.Identity.generate()
        ours = X25519Identity.from_str(str(theirs))
        assert str(ours) == str(theirs)
        assert str(ours.recipient) == str(theirs.to_public())
        mine = agefile.generate_identity()
        assert str(pyrage.x25519.Identity.from_str(str(mine)).to_public()) == str(mine.recipient)
        assert X25519Recipient.from_str(str(mine.recipient)) == mine.recipient


def test_the_age_spec_example_key():
    identity = X25519Identity.from_str("AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX")
    assert str(identity.recipient) == "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"
    assert "AGE-SECRET-KEY" not in repr(identity)


def test_identity_file_text_with_comments_is_read():
    identity = X25519Identity.generate()
    text = f"# created: 2026-03-01T09:00:00+08:00\n# public key: {identity.recipient}\n{identity}\n"
    assert [str(i) for i in agefile.parse_identities(text)] == [str(identity)]


@pytest.mark.parametrize("bad", ["AGE-SECRET-KEY-1QQQQ", "hello", "AGE-SECRET-KEY-1" + "Q" * 58,
                                 "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"])
def test_malformed_identities_are_refused(bad):
    with pytest.raises(InvalidKeyError):
        agefile.parse_identities(bad)


@pytest.mark.parametrize("bad", ["age1qqqq", "AGE1ZVKYG2LQZRAA2LNJVQEJ32NKUU0UES2S82HZRYE869XEEXVN73EQUNUJWJ",
                                 "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"])
def test_malformed_recipients_are_refused(bad):
    with pytest.raises(InvalidKeyError):
        agefile.parse_recipients(bad)


# --- interop -------------------------------------------------------------------------------

SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 17]


@pytest.mark.parametrize("size", SIZES)
def test_pyrage_files_decrypt_here(size):
    identity = pyrage.x25519.Identity.generate()
    plaintext = os.urandom(size)
    sealed = pyrage.encrypt(plaintext, [identity.to_public()])
    assert agefile.decrypt_bytes(sealed, identities=[str(identity)]) == plaintext
    assert agefile.decrypt_bytes(sealed, identities=[identity]) == plaintext  # a pyrage object too


@pytest.mark.parametrize("size", SIZES)
def test_files_sealed_here_decrypt_with_pyrage(size):
    identity = pyrage.x25519.Identity.generate()
    plaintext = os.urandom(size)
    sealed = agefile.encrypt_bytes(plaintext, [str(identity.to_public())])
    assert pyrage.decrypt(sealed, [identity]) == plaintext


def test_pyrage_streaming_decrypt_reads_files_sealed_here():
    identity = pyrage.x25519.Identity.generate()
    plaintext = os.urandom(5 * CHUNK + 3)
    sealed = agefile.encrypt_bytes(plaintext, [str(identity.to_public())])
    out = io.BytesIO()
    pyrage.decrypt_io(io.BytesIO(sealed), out, [identity])
    assert out.getvalue() == plaintext


def test_debian_age_cli_decrypts_a_file_sealed_here(tmp_path):
    age = shutil.which("age")
    if age is None:
        pytest.fail("Debian's `age` command is missing: apt-get install age")
    identity = X25519Identity.generate()
    (tmp_path / "identity.txt").write_text(f"# public key: {identity.recipient}\n{identity}\n")
    plaintext = os.urandom(2 * CHUNK + 99)
    (tmp_path / "bid.pdf.age").write_bytes(agefile.encrypt_bytes(plaintext, [identity.recipient]))

    run = subprocess.run([age, "-d", "-i", str(tmp_path / "identity.txt"), str(tmp_path / "bid.pdf.age")],
                         capture_output=True, timeout=60)

    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout == plaintext


def test_a_file_sealed_by_debian_age_decrypts_here(tmp_path):
    age = shutil.which("age")
    if age is None:
        pytest.fail("Debian's `age` command is missing: apt-get install age")
    identity = X25519Identity.generate()
    plaintext = os.urandom(CHUNK + 1)
    (tmp_path / "bid.pdf").write_bytes(plaintext)
    subprocess.run([age, "-r", str(identity.recipient), "-o", str(tmp_path / "bid.pdf.age"), str(tmp_path / "bid.pdf")],
                   check=True, capture_output=True, timeout=60)
    result = agefile.decrypt_to_path(tmp_path / "bid.pdf.age", tmp_path / "out.pdf", identities=[identity])
    assert (tmp_path / "out.pdf").read_bytes() == plaintext
    assert result.size == len(plaintext)


# --- who can open: identities and file keys ---------------------------------------------------


@pytest.fixture
def sealed_bid():
    """A bid sealed, as the platform does, to the tender's opening recipient and the bidder's."""
    opening, bidder = X25519Identity.generate(), X25519Identity.generate()
    plaintext = os.urandom(2 * CHUNK + 1000)
    sealed = agefile.encrypt_bytes(plaintext, [opening.recipient, bidder.recipient])
    return opening, bidder, plaintext, sealed


def test_either_the_opening_or_the_bidder_identity_opens_the_bid(sealed_bid):
    opening, bidder, plaintext, sealed = sealed_bid
    for identities in ([opening], [bidder], [bidder, opening], [str(X25519Identity.generate()), str(opening)]):
        assert agefile.decrypt_bytes(sealed, identities=identities) == plaintext


def test_a_stranger_identity_gets_no_match(sealed_bid):
    *_rest, sealed = sealed_bid
    with pytest.raises(NoIdentityMatch, match="does not open this file"):
        agefile.decrypt_bytes(sealed, identities=[X25519Identity.generate()], name="bid.pdf.age")


def test_the_file_key_handed_in_opens_the_bid(sealed_bid):
    _opening, bidder, plaintext, sealed = sealed_bid
    key = agefile.file_key_for(sealed, [bidder])
    header = agefile.parse_header(io.BytesIO(sealed))
    assert len(key) == 16
    assert agefile.unwrap_file_key(header, [bidder]) == key
    assert agefile.file_key_for(header, [bidder]) == key
    assert agefile.file_key_for(io.BytesIO(sealed), [bidder]) == key
    assert agefile.decrypt_bytes(sealed, file_key=key) == plaintext
    assert agefile.decrypt_bytes(sealed, file_key=key.hex().upper()) == plaintext


def test_a_wrong_file_key_fails_the_header_mac(sealed_bid):
    *_rest, sealed = sealed_bid
    with pytest.raises(HeaderMACError, match="not this file's"):
        agefile.decrypt_bytes(sealed, file_key=os.urandom(16), name="bid.pdf.age")


@pytest.mark.parametrize("bad", ["abc", "00" * 15, b"short", 1234])
def test_a_malformed_file_key_is_refused(sealed_bid, bad):
    *_rest, sealed = sealed_bid
    with pytest.raises(InvalidKeyError):
        agefile.decrypt_bytes(sealed, file_key=bad)


def test_identities_or_file_key_one_of_the_two(sealed_bid):
    opening, _bidder, _plaintext, sealed = sealed_bid
    with pytest.raises(TypeError):
        agefile.decrypt_bytes(sealed)
    with pytest.raises(TypeError):
        agefile.decrypt_bytes(sealed, identities=[opening], file_key=b"\0" * 16)


def test_an_scrypt_stanza_beside_another_is_refused():
    identity = X25519Identity.generate()
    sealed = agefile.encrypt_bytes(b"x", [identity.recipient])
    scrypt = b"-> scrypt c2FsdHNhbHRzYWx0c2FsdA 10\n" + b"A" * 43 + b"\n"
    head, rest = sealed.split(b"\n", 1)
    with pytest.raises(HeaderError, match="scrypt"):
        agefile.decrypt_bytes(head + b"\n" + scrypt + rest, identities=[identity])


def test_empty_plaintext_is_one_empty_final_chunk():
    identity = X25519Identity.generate()
    sealed = agefile.encrypt_bytes(b"", [identity.recipient])
    header = agefile.parse_header(io.BytesIO(sealed))
    assert len(sealed) == header.size + 16 + 16
    assert agefile.decrypt_bytes(sealed, identities=[identity]) == b""


# --- tampering ---------------------------------------------------------------------------------


def _regions(sealed: bytes) -> dict[str, int]:
    """Byte offsets inside each part of a one-recipient, three-chunk age file."""
    stanza_line = sealed.index(b"\n-> X25519 ") + 1
    body_line = sealed.index(b"\n", stanza_line) + 1
    mac_line = sealed.index(b"\n--- ") + 1
    header_end = sealed.index(b"\n", mac_line) + 1
    return {
        "intro": 3,
        "stanza share": stanza_line + len("-> X25519 ") + 5,
        "stanza body": body_line + 5,
        "header MAC": mac_line + 4 + 5,
        "nonce": header_end + 7,
        "first chunk": header_end + 16 + 100,
        "last chunk": len(sealed) - 1,
    }


def _swap_base64(byte: int) -> int:
    return ord("B") if byte != ord("B") else ord("C")


TAMPERING = {
    "intro": (NotAgeFile, None),
    "stanza share": (NoIdentityMatch, None),
    "stanza body": (NoIdentityMatch, None),
    "header MAC": (HeaderMACError, None),
    "nonce": (ChunkTagError, 1),
    "first chunk": (ChunkTagError, 1),
    "last chunk": (ChunkTagError, 3),
}


@pytest.mark.parametrize("region", list(TAMPERING))
def test_one_changed_byte_anywhere_fails_and_leaves_no_plaintext(tmp_path, region):
    # given a sealed bid of three chunks
    identity = X25519Identity.generate()
    plaintext = os.urandom(2 * CHUNK + 500)
    sealed = bytearray(agefile.encrypt_bytes(plaintext, [identity.recipient]))
    at = _regions(bytes(sealed))[region]
    # when one byte of the region changes (base64 text stays base64)
    sealed[at] = _swap_base64(sealed[at]) if region.startswith(("stanza", "header")) else sealed[at] ^ 0x01
    (tmp_path / "bid.pdf.age").write_bytes(sealed)
    (tmp_path / "bid.pdf").write_bytes(b"the last good version")

    # then decryption fails with the right error, naming the file
    error, chunk = TAMPERING[region]
    with pytest.raises(error) as caught:
        agefile.decrypt_to_path(tmp_path / "bid.pdf.age", tmp_path / "bid.pdf", identities=[identity])
    assert str(caught.value).startswith("bid.pdf.age: ")
    if chunk:
        assert caught.value.chunk == chunk
        assert f"payload chunk {chunk} " in str(caught.value)
    # and no plaintext reached the destination, and no temporary file is left behind
    assert (tmp_path / "bid.pdf").read_bytes() == b"the last good version"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bid.pdf", "bid.pdf.age"]


def test_every_single_bit_flip_and_every_truncation_fails():
    identity = X25519Identity.generate()
    sealed = agefile.encrypt_bytes(b"opening form: price 1 234 567.00 yuan; 180 days", [identity.recipient])
    for at in range(len(sealed)):
        for bit in (0x01, 0x80):
            damaged = bytearray(sealed)
            damaged[at] ^= bit
            with pytest.raises(AgeError):
                agefile.decrypt_bytes(bytes(damaged), identities=[identity])
    for length in range(len(sealed)):
        with pytest.raises(AgeError):
            agefile.decrypt_bytes(sealed[:length], identities=[identity])


def test_truncation_at_a_chunk_boundary_and_trailing_data_are_named():
    identity = X25519Identity.generate()
    sealed = agefile.encrypt_bytes(os.urandom(2 * CHUNK), [identity.recipient])
    with pytest.raises(TruncatedPayload, match="truncated"):
        agefile.decrypt_bytes(sealed[: -(CHUNK + 16)], identities=[identity])
    with pytest.raises(TrailingData, match="trailing data"):
        agefile.decrypt_bytes(sealed + b"\0", identities=[identity])
    header_size = agefile.parse_header(io.BytesIO(sealed)).size
    with pytest.raises(TruncatedHeader):
        agefile.decrypt_bytes(sealed[: header_size + 8], identities=[identity])


def seal_in_chunks(identity, plaintext: bytes) -> tuple[bytearray, int]:
    sealed = bytearray(agefile.encrypt_bytes(plaintext, [identity.recipient]))
    return sealed, agefile.parse_header(io.BytesIO(bytes(sealed))).size + 16  # where chunk 1 starts


def test_a_file_on_disk_decrypts_on_several_threads_and_stops_at_the_first_damaged_chunk(tmp_path):
    # given a file of 90 chunks: several blocks, so both threads decrypt some
    identity = X25519Identity.generate()
    plaintext = os.urandom(89 * CHUNK + 1234)
    sealed, start = seal_in_chunks(identity, plaintext)
    assert 90 > 2 * stream.BLOCK_CHUNKS
    path = tmp_path / "bid.pdf.age"
    path.write_bytes(sealed)
    out = io.BytesIO()
    with open(path, "rb") as src:
        assert agefile.decrypt(src, out, identities=[identity]).size == len(plaintext)
    assert out.getvalue() == plaintext

    # when one byte of chunk 70 (a later block than the first of each thread) is changed
    sealed[start + 69 * (CHUNK + 16) + 100] ^= 1
    path.write_bytes(sealed)
    out = io.BytesIO()
    with open(path, "rb") as src, pytest.raises(ChunkTagError) as caught:
        agefile.decrypt(src, out, identities=[identity])

    # then the error names that chunk, and only the 69 authentic chunks before it came out
    assert f"payload chunk 70 (at byte {start + 69 * (CHUNK + 16)})" in str(caught.value)
    assert caught.value.chunk == 70
    assert out.getvalue() == plaintext[:69 * CHUNK]
    # and decrypt_to_path leaves nothing behind
    with pytest.raises(ChunkTagError):
        agefile.decrypt_to_path(path, tmp_path / "bid.pdf", identities=[identity])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bid.pdf.age"]


def test_a_file_on_disk_with_a_final_chunk_in_its_middle_is_refused(tmp_path):
    # given a sealed file whose final chunk (the 21st, a full one) is followed by 30 more
    identity = X25519Identity.generate()
    first, _start = seal_in_chunks(identity, os.urandom(21 * CHUNK))
    path = tmp_path / "glued.age"
    path.write_bytes(bytes(first) + os.urandom(30 * (CHUNK + 16)))
    # then it is refused at that chunk, whichever thread decrypted it
    out = io.BytesIO()
    with open(path, "rb") as src, pytest.raises(TrailingData, match="payload chunk 21 "):
        agefile.decrypt(src, out, identities=[identity])
    assert len(out.getvalue()) == 21 * CHUNK


def test_decrypt_to_path_writes_the_plaintext_only_on_success(tmp_path):
    identity = X25519Identity.generate()
    plaintext = os.urandom(CHUNK + 1)
    (tmp_path / "bid.pdf.age").write_bytes(agefile.encrypt_bytes(plaintext, [identity.recipient]))
    result = agefile.decrypt_to_path(tmp_path / "bid.pdf.age", tmp_path / "bid.pdf", identities=str(identity))
    assert (tmp_path / "bid.pdf").read_bytes() == plaintext
    assert result.size == len(plaintext)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bid.pdf", "bid.pdf.age"]


# --- constant memory ----------------------------------------------------------------------------


class Pattern:
    """A 200 MB plaintext source that is never held in memory."""

    def __init__(self, size: int):
        self.left = size
        self.block = bytes(range(256)) * 256  # 64 KiB

    def read(self, size=-1):
        size = min(size if size and size > 0 else len(self.block), self.left, len(self.block))
        self.left -= size
        return self.block[:size]


class Sink:
    def __init__(self):
        self.size = 0

    def write(self, data):
        self.size += len(data)
        return len(data)


def test_decrypting_200_mb_keeps_memory_constant(tmp_path, capsys):
    size = 200 * 1000 * 1000
    identity = X25519Identity.generate()
    with open(tmp_path / "big.age", "wb") as out:
        agefile.encrypt(Pattern(size), out, [identity.recipient])

    tracemalloc.start()
    started = time.perf_counter()
    try:
        with open(tmp_path / "big.age", "rb") as src:
            result = agefile.decrypt(src, Sink(), identities=[identity])
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    seconds = time.perf_counter() - started

    assert result.size == size
    with capsys.disabled():
        print(f"\n[agefile] decrypted {size / 1e6:.0f} MB in {seconds:.1f} s; tracemalloc peak {peak / 1024:.0f} KiB")
    assert peak < 10 * 1024 * 1024


# --- what an upload can check without a key: the header's end, the payload's framing ----------


def test_check_header_start_returns_the_header_size_once_the_mac_line_is_in():
    recipient = agefile.generate_identity().recipient
    data = agefile.encrypt_bytes(b"x" * 100, [recipient])
    size = agefile.parse_header(io.BytesIO(data)).size
    assert agefile.check_header_start(data) == size
    assert agefile.check_header_start(data[:size]) == size
    assert agefile.check_header_start(data[: size - 1]) is None
    assert agefile.check_header_start(data[:1]) is None


@pytest.mark.parametrize("plain", [0, 1, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 3 * 64 * 1024, 150_005])
def test_every_whole_age_file_passes_the_framing_check_and_every_shorter_cut_that_is_not_legal_fails(plain):
    data = agefile.encrypt_bytes(os.urandom(plain), [agefile.generate_identity().recipient])
    head = agefile.parse_header(io.BytesIO(data)).size
    agefile.check_framing(len(data) - head)
    legal = 0
    for cut in range(len(data) - head - 1, -1, -1):
        body = cut - 16
        final = body % (64 * 1024 + 16) or 64 * 1024 + 16
        ok = body == 16 or (body > 0 and final > 16)
        if ok:
            agefile.check_framing(cut)
            legal += 1
        else:
            with pytest.raises((agefile.TruncatedPayload, agefile.EmptyFinalChunk)):
                agefile.check_framing(cut)
    assert legal < len(data)  # the cuts that pass are those a key would catch (flag and tag)


def test_framing_names_an_empty_final_chunk_after_others():
    with pytest.raises(agefile.EmptyFinalChunk):
        agefile.check_framing(16 + 64 * 1024 + 16 + 16)
    with pytest.raises(agefile.TruncatedPayload, match="nonce"):
        agefile.check_framing(15)
    with pytest.raises(agefile.TruncatedPayload, match="no chunk"):
        agefile.check_framing(16)
    agefile.check_framing(32)  # the empty file: one empty final chunk
