"""Text messages (短信) to experts, through a backend named by settings.SMS_BACKEND.

A backend is a subclass of SMSBackend with `send(phone, text)`. The platform ships one: the
logging backend, which writes one line per message on the logger "kaibiao.sms" (the number
partly masked), for the embedded run and the tests. A deployment plugs in its gateway's own."""

import logging
from abc import ABC, abstractmethod

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("kaibiao.sms")


class SMSBackend(ABC):
    """Sends one text message. A subclass raises on a message the gateway refused."""

    @abstractmethod
    def send(self, phone: str, text: str) -> None:
        """Hand `text` to the gateway for `phone`."""


class LoggingSMSBackend(SMSBackend):
    """Writes each message to the log instead of sending it: one line, the number masked."""

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", mask(phone), " ".join(text.split()))


def mask(phone: str) -> str:
    """A mobile number with its middle hidden, as Chinese services print it: 138****5678."""
    digits = "".join(c for c in str(phone or "") if c.isdigit() or c == "+")
    if len(digits) <= 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def backend() -> SMSBackend:
    return import_string(settings.SMS_BACKEND)()


def send(phone: str, text: str) -> None:
    """Send `text` to `phone` through the configured backend."""
    backend().send(phone, text)
