"""The few exception types every layer raises; faces map them to exit codes (DESIGN.md).

`UserError` and `Refused` are the caller's to fix (exit 2, with `error:` or `refused:` on stderr);
anything else escaping a command is an internal failure (exit 1).
"""


class PaceError(Exception):
    """Root of pace's own errors."""


class UserError(PaceError):
    """Bad input: the message says what was wrong and how to fix it."""


class Refused(PaceError):
    """A request pace declines on purpose (unsafe SQL, data changes, file reads); nothing ran."""


class WarehouseError(UserError):
    """The warehouse file is missing, unreadable, locked, unwritable or not pace's; `state` names which.

    States: missing, not_a_file, corrupt, not_pace, locked, busy (another pace writer), unwritable.
    """

    def __init__(self, message: str, *, state: str, path: object) -> None:
        super().__init__(message)
        self.state = state
        self.path = path
