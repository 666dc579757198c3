"""The errors of the command line that stop a run before it writes anything."""


class UsageError(Exception):
    """Bad command-line usage (an OUTPUT it cannot write, a table it cannot
    resume, ...): the command prints the message and exits with status 2."""


class OutputError(Exception):
    """OUTPUT (or its scratch files beside it) could not be written: a full
    disk, a folder without write permission. The command prints the message on
    one line and exits with status 3, so that a script can tell it from bad
    usage (2) and from unreadable inputs (1)."""
