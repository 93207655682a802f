from kernel.errors import DomainError


class ClaimError(DomainError):
    """A rule of claiming was broken."""
