"""The evaluation report's downloads: the PDF as made and its signatures file (evaluation.report_files)."""

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from trading.errors import NotFound, PageNotFound

from . import report_files


@login_required
def report_pdf(request, lot_id):
    try:
        room, pdf = report_files.report_pdf(actor=request.user, lot_id=lot_id)
    except NotFound as err:
        raise PageNotFound(err.message) from err
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{report_files.file_stem(room)}.pdf"'
    response["Cache-Control"] = "private, no-store"  # the committee's names and scores: never in a shared cache
    return response


@login_required
def report_signatures(request, lot_id):
    try:
        room, document = report_files.signatures_file(actor=request.user, lot_id=lot_id)
    except NotFound as err:
        raise PageNotFound(err.message) from err
    response = HttpResponse(json.dumps(document, ensure_ascii=False, indent=2) + "\n",
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report_files.file_stem(room)}-signatures.json"'
    response["Cache-Control"] = "private, no-store"
    return response
