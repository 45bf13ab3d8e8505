"""The site's 403 and 404 pages, in its layout, saying why and where to go.

kaibiao.urls' handler403 and handler404: the refusal's message is shown where it was written
for the reader (trading.errors.PageRefused, PageNotFound). The 400 and 500 pages are Django's
own views with the templates 400.html and 500.html (rendered without the request:
errors/bare.html)."""

from django.shortcuts import render

from trading.errors import PageNotFound, PageRefused


def _reason(exception, shown_type) -> str:
    """The refusal's own message, only where it was written for the reader: a library's or a
    mistyped address's message (a model's name, a URL pattern) is not for people."""
    return str(exception) if isinstance(exception, shown_type) else ""


def permission_denied(request, exception):
    return render(request, "403.html", {"reason": _reason(exception, PageRefused)}, status=403)


def page_not_found(request, exception):
    return render(request, "404.html", {"reason": _reason(exception, PageNotFound)}, status=404)
