"""A small progress bar for the command line (no third-party package)."""

import sys
import time


def _duration(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


class Progress:
    """Images done, rate and time left, redrawn in place on a terminal.

    Disabled (every method does nothing but count) when ``enabled`` is false;
    the caller decides that from ``--quiet`` and ``stream.isatty()``.
    Messages written with :meth:`message` clear the bar first, so error lines
    are never mixed with it.
    """

    width = 24
    #: Seconds between two redraws, so a fast run is not slowed by the bar.
    interval = 0.1

    def __init__(self, total, *, enabled, stream=None, clock=time.monotonic):
        self.total = total
        self.done = 0
        self.enabled = enabled and total > 0
        self.stream = sys.stderr if stream is None else stream
        self.clock = clock
        self.start = clock()
        self._last_draw = None
        self._shown = False

    def update(self, n):
        self.done += n
        if not self.enabled:
            return
        now = self.clock()
        if self._last_draw is None or now - self._last_draw >= self.interval or (
            self.done >= self.total
        ):
            self._draw(now)

    def line(self, now=None):
        """The text of the bar, e.g. ``[######----]  40% 400/1000 88.1 img/s 00:06 left``."""
        now = self.clock() if now is None else now
        fraction = min(1.0, self.done / self.total) if self.total else 1.0
        filled = int(round(fraction * self.width))
        elapsed = max(now - self.start, 1e-9)
        rate = self.done / elapsed
        if self.done >= self.total:
            tail = f"{_duration(elapsed)} total"
        elif rate > 0:
            tail = f"{_duration((self.total - self.done) / rate)} left"
        else:
            tail = "--:-- left"
        return (
            f"[{'#' * filled}{'-' * (self.width - filled)}] {fraction:4.0%} "
            f"{self.done}/{self.total} {rate:.1f} img/s {tail}"
        )

    def _draw(self, now):
        self._last_draw = now
        self.stream.write("\r" + self.line(now) + "\x1b[K")
        self.stream.flush()
        self._shown = True

    def clear(self):
        """Remove the bar from the terminal line (before a last message)."""
        if self._shown:
            self.stream.write("\r\x1b[K")
            self._shown = False

    def message(self, text):
        """Write one line of text (an error, a note) above the bar."""
        self.clear()
        self.stream.write(text + "\n")
        if self.enabled and self._last_draw is not None:
            self._draw(self.clock())
        self.stream.flush()

    def close(self):
        if self.enabled and self._shown:
            self._draw(self.clock())
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False
