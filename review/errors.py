from kernel.errors import DomainError


class ReviewError(DomainError):
    """A rule of the expert review was broken."""
