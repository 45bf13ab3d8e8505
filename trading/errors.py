"""Domain errors: each carries a message a person can act on, shown as it is; and the pages' refusals that carry one."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404


class DomainError(Exception):
    """`field`, where one input alone is wrong, names it (a form's field name), so that a form
    shows the refusal beside that input rather than above the whole form."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self):
        return str(self.message)


class PermissionDenied(DomainError):
    """The acting user may not take this action on this object."""


class RuleViolation(DomainError):
    """The action is allowed for this user, but not now or not with these values."""


class NotFound(DomainError):
    """The object does not exist, or the user may not know that it does."""


# --- refusals of a page, whose message the error page shows -----------------------------------


class PageRefused(DjangoPermissionDenied):
    """HTTP 403 with a message written for the person refused (a domain refusal, translated):
    the 403 page shows it. A bare PermissionDenied (Django's, a library's) shows none."""


class PageNotFound(Http404):
    """HTTP 404 with a message written for the reader (“No such lot.”): the 404 page shows it.
    Other 404s (a mistyped address, get_object_or_404's message naming a model) show none."""
