"""PromptParallel: joblib's Parallel, with each result handed back as soon as
its task has finished instead of at joblib's next 10 ms poll."""

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
    each of the waits inside them ended: True when woken by a notification,
    False when it ran out of time."""

    def __init__(self):
        super().__init__()
        self.n_wait_for = 0
        self.wakeups = []

    def wait_for(self, predicate, timeout=None):
        self.n_wait_for += 1
        return super().wait_for(predicate, timeout)

    def wait(self, timeout=None):
        woken = super().wait(timeout)
        self.wakeups.append(woken)
        return woken


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


def test_each_wait_ends_when_a_task_finishes(monkeypatch):
    # With the fallback pushed far away, a wait that was not ended by a
    # finished task would show up as a timed-out wait (after 60 s).
    monkeypatch.setattr(_parallel, "FALLBACK_WAIT_SECONDS", 60.0)
    # joblib's own result loop sleeps 10 ms whenever it finds no result
    # ready; here it must always find one.
    caller = threading.current_thread()
    caller_sleeps = []
    real_sleep = time.sleep

    def watched_sleep(seconds):
        if threading.current_thread() is caller:
            caller_sleeps.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", watched_sleep)
    parallel = PromptParallel(n_jobs=2, prefer="threads")
    parallel._completed = RecordingCondition()
    got = list(parallel.as_completed(delayed(_pause)(0.002) for _ in range(30)))
    assert len(got) == 30
    assert parallel._completed.n_wait_for == 30
    assert all(parallel._completed.wakeups)
    assert caller_sleeps == []


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
