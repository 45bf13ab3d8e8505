"""The resumable upload over HTTP: the core of the tus 1.0.0 protocol.

The resumable upload, over HTTP: the core of the tus 1.0.0 protocol (HEAD for the resume
point, PATCH to append at an offset) with its checksum extension (sha256). A bid version's
manifest (POST .../versions/) creates one upload per sealed file. A sealer that learns the
whole file's SHA-256 only once it has sealed it declares it with the last chunk, in the header
Repr-Digest (RFC 9530: `Repr-Digest: sha-256=:<base64>:`). Every answer is JSON with a
message a person can read; the rules are in bidding.upload."""

import base64
import binascii
import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaibiao.streaming import streams_body
from trading.errors import DomainError, NotFound, PermissionDenied
from trading.models import Lot

from . import upload as upload_services

TUS_VERSION = "1.0.0"
TUS_HEADERS = {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store"}


def _error(status: int, message, **headers) -> JsonResponse:
    response = JsonResponse({"error": str(message)}, status=status, json_dumps_params={"ensure_ascii": False})
    for key, value in {**TUS_HEADERS, **headers}.items():
        response[key] = value
    return response


def _status_of(err: DomainError) -> int:
    if isinstance(err, NotFound):
        return 404
    if isinstance(err, PermissionDenied):
        return 403
    if isinstance(err, upload_services.OffsetMismatch):
        return 409
    if isinstance(err, upload_services.ChecksumMismatch):
        return 460  # tus checksum extension: Checksum Mismatch
    if isinstance(err, upload_services.NotAgeFile):
        return 415
    if isinstance(err, upload_services.NotWholeAgeFile):
        return 422
    if isinstance(err, upload_services.DeadlinePassed):
        return 410
    return 400


@login_required
@require_POST
def start_version(request, lot_id):
    """Declare a new bid version: {"files": [{"kind": "form"|"file", "name": …, "size": …,
    "sha256": … (optional: the whole sealed file's, hex)}]}."""
    try:
        manifest = json.loads(request.body or b"{}")
        files = manifest["files"]
        if not isinstance(files, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return _error(400, _("Send the list of sealed files as JSON: {\"files\": [{\"kind\", \"name\", \"size\"}]}."))
    lot = Lot.objects.filter(pk=lot_id).first()
    if lot is None:
        return _error(404, _("No such lot."))
    try:
        bid = upload_services.start_bid(actor=request.user, lot=lot, files=files)
    except DomainError as err:
        return _error(_status_of(err), err.message)
    return JsonResponse({
        "bid": bid.pk,
        "version": bid.version,
        "files": [{"id": str(f.pk), "kind": f.kind, "name": f.name, "size": f.size,
                   "upload_url": request.build_absolute_uri(f"/bids/uploads/{f.pk}")}
                  for f in bid.files.all()],
    }, status=201)


def _parse_checksum(header: str | None):
    if not header:
        return None
    algorithm, _sep, value = header.partition(" ")
    if algorithm.lower() != "sha256":
        raise ValueError(_("Only sha256 checksums are supported."))
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except binascii.Error as err:
        raise ValueError(_("The checksum is not valid base64.")) from err
    if len(digest) != 32:
        raise ValueError(_("A sha256 checksum has 32 bytes."))
    return digest


def _parse_repr_digest(header: str | None) -> str | None:
    """The sha-256 member of a Repr-Digest header (RFC 9530), as hex; None if there is none."""
    if not header:
        return None
    for member in header.split(","):
        key, _sep, value = member.strip().partition("=")
        if key.strip().lower() != "sha-256":
            continue
        value = value.strip()
        try:
            if not (len(value) > 2 and value[0] == value[-1] == ":"):
                raise binascii.Error
            digest = base64.b64decode(value[1:-1], validate=True)
        except binascii.Error as err:
            raise ValueError(_("Repr-Digest: the sha-256 value is not base64 between colons.")) from err
        if len(digest) != 32:
            raise ValueError(_("A sha256 checksum has 32 bytes."))
        return digest.hex()
    return None


@streams_body  # a chunk is hashed and written while it arrives (kaibiao.streaming)
@login_required
@require_http_methods(["HEAD", "PATCH", "OPTIONS"])
def upload(request, file_id):
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Tus-Version"] = TUS_VERSION
        response["Tus-Extension"] = "checksum"
        response["Tus-Checksum-Algorithm"] = "sha256"
        for key, value in TUS_HEADERS.items():
            response[key] = value
        return response
    if request.method == "HEAD":
        try:
            sealed = upload_services.access_sealed_file(request.user, file_id)
        except DomainError as err:
            return _error(_status_of(err), err.message)
        response = HttpResponse(status=200)
        response["Upload-Offset"] = str(sealed.received)
        response["Upload-Length"] = str(sealed.size)
        for key, value in TUS_HEADERS.items():
            response[key] = value
        return response
    # PATCH
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        return _error(412, _("Send the header Tus-Resumable: 1.0.0."), **{"Tus-Version": TUS_VERSION})
    if request.content_type != "application/offset+octet-stream":
        return _error(415, _("A chunk is sent as application/offset+octet-stream."))
    try:
        offset = int(request.headers["Upload-Offset"])
        length = int(request.headers["Content-Length"])
    except (KeyError, ValueError):
        return _error(400, _("Upload-Offset and Content-Length must be whole numbers."))
    try:
        checksum = _parse_checksum(request.headers.get("Upload-Checksum"))
        declared = _parse_repr_digest(request.headers.get("Repr-Digest"))
    except ValueError as err:
        return _error(400, str(err))
    try:
        result = upload_services.receive_chunk(actor=request.user, file_id=file_id, offset=offset, read=request.read,
                                               length=length, checksum=checksum, declared=declared)
    except upload_services.OffsetMismatch as err:
        return _error(409, err.message, **{"Upload-Offset": str(err.expected)})
    except DomainError as err:
        return _error(_status_of(err), err.message)
    if result["receipt"] is not None:
        response = JsonResponse({"receipt": result["receipt"]}, status=200, json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(status=204)
    response["Upload-Offset"] = str(result["offset"])
    for key, value in TUS_HEADERS.items():
        response[key] = value
    return response
