"""Log filters: what the server log, read by operators, must not say before a tender's opening.

Django logs every 4xx answer ("Bad Request: /bids/lots/7/versions/") with its path. On the bid
routes that line times a bidder's activity on a lot before the deadline, which whoever reads the
log may not learn (招标投标法 第22条); the bidder got its answer, and what counts is audited."""

import logging

SEALED_PATHS = ("/bids/",)


class SealedRouteRefusals(logging.Filter):
    """Drops django.request's lines for refused requests (4xx) on the bid routes; errors (5xx) stay,
    without the request's path."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", "") or ""
        if not path.startswith(SEALED_PATHS):
            return True
        if getattr(record, "status_code", 500) < 500:
            return False
        record.msg, record.args = "%s on a bid route", (record.levelname.title(),)
        return True
