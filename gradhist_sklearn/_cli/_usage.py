"""The errors of the command line, in a module that imports nothing, so that
``_run`` catches them by type without importing the extraction."""


class UsageError(Exception):
    """Bad command-line usage (an OUTPUT it cannot write, a table it cannot
    resume, ...): the command prints the message and exits with status 2."""


class OutputError(Exception):
    """OUTPUT (or its scratch files beside it) could not be written: a full
    disk, a folder without write permission. The command prints the message on
    one line and exits with status 3, so that a script can tell it from bad
    usage (2) and from unreadable inputs (1)."""


class InterruptedAfterCommit(BaseException):
    """A signal that arrived while OUTPUT was being renamed into place, raised
    once it was: OUTPUT is written. ``interruption`` is the signal's own
    exception (``KeyboardInterrupt`` or ``_signals.Terminated``)."""

    def __init__(self, interruption):
        super().__init__(interruption)
        self.interruption = interruption
