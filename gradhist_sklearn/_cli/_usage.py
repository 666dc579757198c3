"""The one error of the command line that is the user's to fix."""


class UsageError(Exception):
    """Bad command-line usage (an OUTPUT it cannot write, a table it cannot
    resume, ...): the command prints the message and exits with status 2."""
