from kernel.errors import DomainError


class MergeError(DomainError):
    """A rule of merging was broken."""
