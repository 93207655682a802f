from kernel.errors import DomainError


class ProposalError(DomainError):
    """A rule of the call for proposals was broken."""
