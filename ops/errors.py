class BackupError(Exception):
    """A backup could not be made, or a restore was refused or failed; the message says why
    and what to do (the commands print it as their error)."""
