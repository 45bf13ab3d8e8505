"""The request's client address under the proxy rule, for the audit trail and django-axes alike."""

from django.conf import settings

from .context import acting_from, ip_from_scope_or_meta


def request_client_ip(request) -> str | None:
    """The request's client address under the one proxy rule; also django-axes' source
    (AXES_CLIENT_IP_CALLABLE), so the lockout and the audit trail see the same address."""
    return ip_from_scope_or_meta(
        request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR"), settings.TRUSTED_PROXY_COUNT
    )


class RequestContextMiddleware:
    """Makes the request's network address available to the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ip = request_client_ip(request)
        request.client_ip = ip
        with acting_from(ip):
            return self.get_response(request)
