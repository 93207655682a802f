class DomainError(Exception):
    """A rule of the process was broken; the message, already translated, is shown to the user.

    Each stage has its own subclass so a caller can tell whose rule it was.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
