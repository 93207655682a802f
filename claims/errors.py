class ClaimError(Exception):
    """A rule of claiming was broken; the message is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
