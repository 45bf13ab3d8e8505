"""A bidder's receipts and anyone's check of one: the receipt page, its JSON file, the printable PDF.

The receipt page, file and PDF are the bidder's own (bid_access.own_receipt); the check is
public: a receipt file uploaded, or the number and digest a printed receipt's QR code carries,
answered valid or not valid and nothing more."""

import json
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from trading import formats
from trading.errors import DomainError, PageNotFound

from . import bid_access, receipts
from . import receipt_pdf as receipt_pdf_module
from .forms import ReceiptVerifyForm


@login_required
def receipt_download(request, receipt_id):
    try:
        document = bid_access.receipt_document(actor=request.user, receipt_id=receipt_id)
    except DomainError as err:
        raise PageNotFound(err.message) from err
    response = HttpResponse(json.dumps(document, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="receipt-{receipt_id}.json"'
    return response


def _own_receipt(request, receipt_id):
    try:
        return bid_access.own_receipt(actor=request.user, receipt_id=receipt_id)
    except DomainError as err:
        raise PageNotFound(err.message) from err


def _printed_check_url(request, document) -> str:
    """What a printed receipt's QR code leads to: the check, with the receipt's number and the
    digest of its signed content; it answers valid or not valid, and nothing else."""
    query = urlencode({"receipt": document["receipt"]["receipt_id"], "digest": receipts.content_digest(document["receipt"])})
    return request.build_absolute_uri(f"{reverse('bidding:receipt_verify')}?{query}")


@login_required
def receipt_page(request, receipt_id):
    """The bidder's receipt as a page: what it proves, the time of receipt in Beijing time and in
    UTC (the instant signed), and the JSON and printable PDF to download."""
    receipt = _own_receipt(request, receipt_id)
    document = bid_access.document_of(receipt)
    body = document["receipt"]
    return render(request, "bidding/receipt.html", {
        "receipt": receipt, "body": body, "document": document, "lot": receipt.bid.lot,
        "received_at": formats.parse_instant(body["server_time"]),
        "content_digest": receipts.content_digest(body),
    })


@login_required
def receipt_pdf(request, receipt_id):
    """The printable receipt (投标回执): one page, the same signed content, with its QR code."""
    receipt = _own_receipt(request, receipt_id)
    document = bid_access.document_of(receipt)
    pdf = receipt_pdf_module.render_receipt_pdf(
        document, check_url=_printed_check_url(request, document),
        platform=str(receipt.bid.lot.project.center), project_name=receipt.bid.lot.project.name)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{receipt_id}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def receipt_verify(request):
    """Anyone checks a receipt: valid or not, the fields that differ by name (never the values the
    platform holds), and whether the version still counts."""
    form = ReceiptVerifyForm(request.POST or None, request.FILES or None)
    verdict = printed = None
    if request.method == "POST" and form.is_valid():
        verdict = bid_access.verify_receipt_file(form.cleaned_data["receipt"].read(256 * 1024))
    elif "receipt" in request.GET:
        # A printed receipt's QR code: valid or not, and nothing of the bid (no name, lot or time)
        printed = {"valid": bid_access.check_printed_receipt(request.GET["receipt"], request.GET.get("digest")),
                   "number": request.GET["receipt"][:64]}
    response = render(request, "bidding/receipt_verify.html", {"form": form, "verdict": verdict, "printed": printed})
    if printed:
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"  # the receipt's number stays off other sites' logs
    return response


def receipt_public_key(request):
    return HttpResponse(receipts.public_key_pem(receipts.platform_public_key()), content_type="application/x-pem-file")
