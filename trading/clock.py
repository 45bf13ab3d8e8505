"""How the server's time is written for people: Beijing time, to the second or millisecond."""

from django.utils import timezone


def local_text(moment, *, ms: bool = False) -> str:
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    text = local.strftime("%Y-%m-%d %H:%M:%S")
    return f"{text}.{local.microsecond // 1000:03d}" if ms else text
