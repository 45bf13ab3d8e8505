"""Domain errors: each carries a message a person can act on, shown as it is."""


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
