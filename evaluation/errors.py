from kernel.errors import DomainError


class EvaluationError(DomainError):
    """A rule of close-out, evaluation or incentives was broken."""
