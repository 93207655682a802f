"""The errors every stage raises."""

from django.core.exceptions import PermissionDenied


class DomainError(Exception):
    """A rule of the process was broken; the message, already translated, is shown to the user.

    Each stage has its own subclass so a caller can tell whose rule it was.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Forbidden(PermissionDenied):
    """The user may not do this at all, whatever the state of things: a missing right.

    A service raises it when its caller skipped the right's check; being Django's
    `PermissionDenied`, every view answers 403 with the project's page, never 500."""
