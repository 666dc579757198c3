"""Running chunks of work with joblib, and collecting each result as it is ready.

joblib's result loop looks for a finished task, and when there is none it
sleeps ``time.sleep(0.01)`` before it looks again. Every call with workers
therefore returns up to 10 ms after its last task has finished, and a batch
small enough to take a few milliseconds waits a whole poll for its results.
That is negligible for the long fits joblib was designed for, not for a
transformer whose batches take tens of milliseconds.

:class:`PromptParallel` removes that delay without leaving joblib. Its results
come back in completion order (``return_as="generator_unordered"``), each
tagged with where it belongs. The caller sleeps on a condition variable, and
every completed task wakes it. The wake-up comes from ``print_progress``,
which joblib calls after each successful task, once the result is stored. A
timed wait keeps the fallback: if the wake-up never comes (a failed task, or
a joblib version that stops calling ``print_progress``), the caller looks
after 10 ms anyway, so it is never later than joblib itself. A result that
takes longer than that to come is therefore waited for in joblib's loop, as
late as joblib alone would return it: the gain is on results that follow one
another within 10 ms, which the chunks of a batch do, and on small batches.

It was kept over joblib's public API alone (scikit-learn's ``Parallel``
iterated directly, with ``return_as="generator_unordered"`` or
``"generator"``) by measurement: both variants, timed in the same runs, are
compared in ``docs/performance.rst``, section "Scaling across cores".

What it relies on is joblib behaviour that joblib does not document:

- ``print_progress`` is called once per finished batch, after
  ``n_completed_tasks`` has counted the batch's tasks and after their results
  are stored where the result generator finds them;
- ``n_dispatched_tasks`` counts the tasks dispatched, and with workers the
  call itself dispatches the first ones (the sequential backend, used for
  ``n_jobs=1``, runs each task only when its result is asked for).

``tests/test_parallel.py`` pins each point, so that a joblib release that
changes them fails the tests rather than silently falling back to polling;
``.ci/floors`` runs those tests at the oldest joblib that ``pyproject.toml``
allows (1.4, the first with ``generator_unordered``).

Backends, ``n_jobs`` and :func:`joblib.parallel_config` work as with
:class:`sklearn.utils.parallel.Parallel`, which this class extends, for every
backend that can return results as a generator (threads, loky, dask; joblib
refuses its ``multiprocessing`` backend with any generator). The same goes
for scikit-learn's configuration, which is passed on to the workers.
"""

import threading

from sklearn.utils.parallel import Parallel

#: How long the caller sleeps at most before looking for a result anyway
#: (joblib's own polling interval).
FALLBACK_WAIT_SECONDS = 0.01


class PromptParallel(Parallel):
    """:class:`sklearn.utils.parallel.Parallel` that hands back each result as
    soon as its task has finished.

    Use :meth:`as_completed` rather than calling the instance. It takes the
    same iterable of ``delayed`` calls and yields their results in
    completion order. Other arguments are those of
    :class:`joblib.Parallel`, except ``return_as``.
    """

    def __init__(self, n_jobs=None, **kwargs):
        super().__init__(n_jobs=n_jobs, return_as="generator_unordered", **kwargs)
        self._completed = threading.Condition()

    def print_progress(self):
        # joblib calls this after it has counted a finished task and stored
        # its result (it is the hook behind ``verbose``).
        super().print_progress()
        with self._completed:
            self._completed.notify_all()

    def as_completed(self, iterable):
        """Run the tasks and yield their results in the order they finish."""
        tasks = list(iterable)
        results = self(tasks)
        # Right after the call, a parallel backend has already dispatched its
        # first tasks. The sequential one (n_jobs=1) runs each task when its
        # result is asked for, so there is nothing to wait for.
        in_parallel = self.n_dispatched_tasks > 0
        try:
            for consumed in range(len(tasks)):
                if in_parallel:
                    with self._completed:
                        self._completed.wait_for(
                            lambda: self.n_completed_tasks > consumed,  # noqa: B023
                            timeout=FALLBACK_WAIT_SECONDS,
                        )
                yield next(results)
            # Let joblib see the end of its generator and release the workers.
            for _ in results:
                raise RuntimeError("joblib returned more results than tasks")
        finally:
            # Leaving early (an error here, or the caller stopped iterating)
            # aborts the remaining tasks, as joblib does for its generators.
            results.close()
