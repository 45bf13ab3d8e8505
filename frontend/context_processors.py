"""What every template gets: the platform's name and the server's time now, the pages' one clock."""

from django.conf import settings
from django.utils import timezone


def platform(request):
    return {"platform_name": settings.PLATFORM_NAME, "server_now": timezone.now()}
