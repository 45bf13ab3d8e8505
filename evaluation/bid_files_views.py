"""The committee's bid-file pages: the list, one PDF shown in the page, a file's inline bytes and its download.

Thin: evaluation.bid_files decides who reads what and audits each file served. The PDF's own
response may be framed by this site's page only (X-Frame-Options SAMEORIGIN, CSP frame-ancestors
'self'; every other response of the site refuses any frame); the page around it needs nothing
more, as the site's CSP lets it frame its own origin (default-src 'self')."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override

from trading.errors import DomainError, NotFound, PageNotFound, PageRefused

from . import bid_files

# The PDF alone, framed by our own page: no script, style or connection of its own.
PDF_POLICY = {"default-src": [CSP.NONE], "frame-ancestors": [CSP.SELF], "base-uri": [CSP.NONE],
              "form-action": [CSP.NONE]}


def _page(call):
    try:
        return call()
    except NotFound as err:
        raise PageNotFound(err.message) from err
    except DomainError as err:
        raise PageRefused(err.message) from err


@login_required
def bid_file_list(request, lot_id):
    lot, bids = _page(lambda: bid_files.bid_files(actor=request.user, lot_id=lot_id))
    return render(request, "evaluation/bid_files.html", {"lot": lot, "bids": bids})


@login_required
def bid_file_page(request, lot_id, file_id):
    lot, sealed = _page(lambda: bid_files.bid_file(actor=request.user, lot_id=lot_id, file_id=file_id))
    return render(request, "evaluation/bid_file.html", {
        "lot": lot, "sealed": sealed, "pdf": bid_files.is_pdf(sealed), "bidder": sealed.bid.organization.name,
        "order": sealed.bid.opening.order})


def _no_store(response):
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@xframe_options_sameorigin
@csp_override(PDF_POLICY)
def bid_file_inline(request, lot_id, file_id):
    sealed, handle = _page(lambda: bid_files.open_bid_file(actor=request.user, lot_id=lot_id, file_id=file_id,
                                                           how=bid_files.VIEWED))
    # Named, not an attachment: Content-Disposition inline, shown by the browser's PDF viewer.
    response = FileResponse(handle, content_type="application/pdf", filename=sealed.name)
    return _no_store(response)


@login_required
def bid_file_download(request, lot_id, file_id):
    sealed, handle = _page(lambda: bid_files.open_bid_file(actor=request.user, lot_id=lot_id, file_id=file_id,
                                                           how=bid_files.DOWNLOADED))
    # Whatever the file is, it is saved, never opened by the browser in the site's origin.
    response = FileResponse(handle, as_attachment=True, filename=sealed.name, content_type="application/octet-stream")
    return _no_store(response)
