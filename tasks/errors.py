from kernel.errors import DomainError


class TaskError(DomainError):
    """A rule of implementation the user can fix (shown on the form or page)."""
