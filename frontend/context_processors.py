from django.conf import settings
from django.utils import timezone


def platform(request):
    return {"platform_name": settings.PLATFORM_NAME, "server_now": timezone.now()}
