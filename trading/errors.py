"""Domain errors: each carries a message a person can act on, shown as it is."""


class DomainError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return str(self.message)


class PermissionDenied(DomainError):
    """The acting user may not take this action on this object."""


class RuleViolation(DomainError):
    """The action is allowed for this user, but not now or not with these values."""


class NotFound(DomainError):
    """The object does not exist, or the user may not know that it does."""
