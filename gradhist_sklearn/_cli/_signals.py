"""Signals during a run: SIGTERM as an exception, and a commit that a signal
cannot cut in half."""

import contextlib
import signal
import threading


class Terminated(BaseException):
    """Raised by the SIGTERM handler of :func:`sigterm_raises`, so that the
    ``finally`` blocks remove the temporary files as they do after Ctrl-C."""


def _raise_terminated(signum, frame):
    raise Terminated


@contextlib.contextmanager
def sigterm_raises():
    """Turn SIGTERM into :class:`Terminated` while the body runs (main thread)."""
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def deferred_signals(signals=(signal.SIGINT, signal.SIGTERM)):
    """Hold ``signals`` while the body runs, and deliver them when it ends.

    A signal arriving inside is only recorded; once the previous handlers are
    back it is raised again (``signal.raise_signal``), so Ctrl-C during a
    commit takes effect after it, never half-way through, and is not lost.

    The handlers are swapped rather than the signal mask changed: the mask
    belongs to one thread, and the process's other threads (joblib's, tqdm's)
    would still take the signal and have the main thread's handler run in the
    middle of the body. Outside the main thread, where handlers cannot be
    set, the body runs unprotected.
    """
    caught, previous = [], {}
    in_main_thread = threading.current_thread() is threading.main_thread()
    for sig in signals:
        # None: a handler not installed from Python, which could not be put back.
        if in_main_thread and signal.getsignal(sig) is not None:
            previous[sig] = signal.signal(sig, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for signum in dict.fromkeys(caught):  # each signal once, in order of arrival
            signal.raise_signal(signum)

