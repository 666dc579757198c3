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


def printable(text):
    """``text`` (a file name, or a message holding one) as the command shows
    it on the terminal: each character that does not print (a newline, a
    carriage return, an escape sequence's ESC, a direction override such as
    U+202E) written as its Python escape (``\\n``, ``\\x1b``, ``\\u202e``), and
    each byte of a name that is not valid UTF-8 as ``\\xNN``. A file name can
    then never end a line, move the cursor or print a status line of its own.
    Printable text, backslashes included, is shown as it is."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(_printable_char(char) for char in text)


def _printable_char(char):
    if "\udc80" <= char <= "\udcff":  # a byte that is not UTF-8 (surrogate escape)
        return f"\\x{ord(char) - 0xDC00:02x}"
    if char.isprintable():
        return char
    return repr(char)[1:-1]
