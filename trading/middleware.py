from django.conf import settings

from .context import acting_from, ip_from_scope_or_meta


class RequestContextMiddleware:
    """Makes the request's network address available to the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ip = ip_from_scope_or_meta(
            request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR"), settings.TRUSTED_PROXY_COUNT
        )
        request.client_ip = ip
        with acting_from(ip):
            return self.get_response(request)
