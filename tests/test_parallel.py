"""PromptParallel: joblib's Parallel, with each result handed back as soon as
its task has finished instead of at joblib's next 10 ms poll."""

import sys
import threading
import time
import warnings

import pytest
import sklearn
from joblib import parallel_config
from sklearn.utils.parallel import delayed

from gradhist_sklearn import _parallel
from gradhist_sklearn._parallel import PromptParallel

pytestmark = pytest.mark.explicit_engines


class RecordingCondition(threading.Condition):
    """A condition variable that counts ``wait_for`` calls and remembers how
    each of the waits inside them ended: True when woken by a notification.

    ``strict``: every wait must end with a notification, and time decides
    nothing: the caller's timeout is ignored, and a wait lasts as long as
    the task it waits for (a worker process still starting, a busy machine).
    It fails the test only when that task has been counted as finished and
    ``patience`` seconds later still nothing has woken the caller: a joblib
    that stopped waking it."""

    def __init__(self, strict=False, patience=60.0):
        super().__init__()
        self.strict = strict
        self.patience = patience
        self.n_wait_for = 0
        self.wakeups = []
        self.n_notifications = 0
        self._predicate = None

    def notify_all(self):
        self.n_notifications += 1  # under the lock, as the caller reads it
        super().notify_all()

    def wait_for(self, predicate, timeout=None):
        self.n_wait_for += 1
        self._predicate = predicate
        return super().wait_for(predicate, timeout)

    def wait(self, timeout=None):
        woken = self._notified() if self.strict else super().wait(timeout)
        self.wakeups.append(woken)
        return woken

    def _notified(self):
        """Wait until a notification comes (counted, so that one arriving
        just as a timed wait ends is not missed); True, or AssertionError."""
        before = self.n_notifications
        finished_at = None
        while self.n_notifications == before:
            super().wait(self.patience / 10)  # only to look at the task below
            if self.n_notifications == before and self._predicate():
                finished_at = finished_at or time.monotonic()
                if time.monotonic() - finished_at > self.patience:
                    raise AssertionError(f"a task finished and nothing woke the caller "
                                         f"within {self.patience} s")
        return True


class InstrumentedParallel(PromptParallel):
    """PromptParallel that records what joblib shows it: ``n_dispatched_tasks``
    when the call returns, and ``n_completed_tasks`` at each
    ``print_progress``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dispatched_on_return = None
        self.completed_at_progress = []

    def __call__(self, iterable):
        results = super().__call__(iterable)
        self.dispatched_on_return = self.n_dispatched_tasks
        return results

    def print_progress(self):
        self.completed_at_progress.append(self.n_completed_tasks)
        super().print_progress()


def _watch_result_loop_sleeps(monkeypatch):
    """Record each ``time.sleep`` of joblib's result loop in this thread."""
    caller = threading.current_thread()
    sleeps = []
    real_sleep = time.sleep

    def watched_sleep(seconds):
        if (threading.current_thread() is caller
                and sys._getframe(1).f_code.co_name == "_retrieve"):
            sleeps.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", watched_sleep)
    return sleeps


def _square(x):
    return x * x


def _fail_on(x, bad):
    if x == bad:
        raise ValueError(f"task {x} failed")
    time.sleep(0.001)
    return x


@pytest.mark.parametrize("backend", ["threading", "loky", "sequential"])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_every_result_comes_back_once(backend, n_jobs):
    with parallel_config(backend=backend):
        got = list(PromptParallel(n_jobs=n_jobs).as_completed(
            delayed(_square)(x) for x in range(40)))
    assert sorted(got) == [x * x for x in range(40)]


def test_results_come_in_completion_order():
    # Task 0 cannot finish before task 1 has, so an ordered generator would
    # hold task 1's result back until task 0's is ready.
    second_done = threading.Event()

    def first():
        assert second_done.wait(timeout=30)
        return "first"

    def second():
        second_done.set()
        return "second"

    with parallel_config(backend="threading"):
        got = list(PromptParallel(n_jobs=2).as_completed(
            [delayed(first)(), delayed(second)()]))
    assert got == ["second", "first"]


def _pause(seconds):
    # Not time.sleep, which the test below watches.
    threading.Event().wait(seconds)


def _pause_and_return(x):
    _pause(0.002)
    return x


@pytest.mark.parametrize("batch_size", [1, 4])
@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_joblib_behaves_as_prompt_parallel_relies_on(backend, batch_size, monkeypatch):
    # PromptParallel relies on joblib behaviour that joblib does not document
    # (see its module docstring). Were a joblib release to change it, the
    # caller would fall back to polling every 10 ms: still correct, but slow
    # again, so this test fails instead.
    n_tasks = 30
    # No fallback: the caller waits until it is woken (the strict condition
    # below fails the test if a finished task never wakes it).
    monkeypatch.setattr(_parallel, "FALLBACK_WAIT_SECONDS", None)
    result_loop_sleeps = _watch_result_loop_sleeps(monkeypatch)
    parallel = InstrumentedParallel(n_jobs=2, batch_size=batch_size)
    parallel._completed = RecordingCondition(strict=True)
    with parallel_config(backend=backend):
        got = list(parallel.as_completed(
            delayed(_pause_and_return)(x) for x in range(n_tasks)))
    assert sorted(got) == list(range(n_tasks))
    # 1. With workers, the call itself dispatches the first tasks, and
    #    n_dispatched_tasks counts them.
    assert parallel.dispatched_on_return > 0
    assert parallel.n_dispatched_tasks == n_tasks
    # 2. print_progress is called once per finished batch, after
    #    n_completed_tasks has counted its tasks (tasks, not batches; joblib
    #    may split a batch near the end, never merge them).
    completed = parallel.completed_at_progress
    assert completed[-1] == parallel.n_completed_tasks == n_tasks
    steps = [b - a for a, b in zip([0] + completed[:-1], completed, strict=True)]
    assert all(1 <= step <= batch_size for step in steps)
    # 3. ...after the results are stored: every wait of the caller ended by
    #    a wake-up, and joblib's result loop, asked next, always found a
    #    result ready (it never slept).
    assert parallel._completed.n_wait_for == n_tasks
    assert all(parallel._completed.wakeups)
    assert result_loop_sleeps == []


def test_sequential_run_never_waits():
    # n_jobs=1 runs each task when its result is asked for: waiting for it
    # to finish first would only ever time out.
    parallel = PromptParallel(n_jobs=1)
    parallel._completed = RecordingCondition()
    assert list(parallel.as_completed(delayed(_square)(x) for x in range(5))) == [
        0, 1, 4, 9, 16]
    assert parallel._completed.n_wait_for == 0


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_a_failing_task_raises_its_error(backend):
    with parallel_config(backend=backend):
        with pytest.raises(ValueError, match="task 7 failed"):
            list(PromptParallel(n_jobs=2).as_completed(
                delayed(_fail_on)(x, 7) for x in range(20)))


# joblib's warning about the work it throws away, whose reaching the caller
# depends on the schedule (see below). A filter set before any task thread
# starts is in every list of filters those threads save and put back, so it
# holds on every schedule, unlike the one set around results.close().
@pytest.mark.filterwarnings("ignore:.*still being processed by the workers have been "
                            "cancelled:UserWarning")
def test_stopping_early_cancels_the_tasks_not_yet_started():
    # Every task but the first is held until the caller has stopped, so at
    # that moment each of the two workers is idle or holding one task: on
    # every schedule, at most 1 + n_jobs of the 200 tasks have started.
    n_jobs = 2
    release = threading.Event()
    started = []

    def task(x):
        started.append(x)
        if x:
            assert release.wait(timeout=60)
        return x

    results = PromptParallel(n_jobs=n_jobs, prefer="threads").as_completed(
        delayed(task)(x) for x in range(200))
    try:
        assert next(results) == 0
        # joblib warns about the work it throws away. Not checked here: the
        # tasks run in threads, and scikit-learn's wrapper enters
        # warnings.catch_warnings() in each of them (process-wide state, put
        # back when the task ends), so whether the caller's own catch, such as
        # pytest.warns, sees the warning depends on the schedule.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results.close()
        n_started = len(started)
    finally:
        release.set()
    assert 1 <= n_started <= 1 + n_jobs
    assert next(results, "closed") == "closed"


def test_scikit_learn_configuration_reaches_the_workers():
    def assume_finite():
        return sklearn.get_config()["assume_finite"]

    with sklearn.config_context(assume_finite=True):
        got = list(PromptParallel(n_jobs=2, prefer="threads").as_completed(
            delayed(assume_finite)() for _ in range(4)))
    assert got == [True] * 4


def test_return_as_is_fixed():
    with pytest.raises(TypeError, match="return_as"):
        PromptParallel(n_jobs=2, return_as="list")
