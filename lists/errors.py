from kernel.errors import DomainError


class ListError(DomainError):
    """A rule of the annual list was broken."""
