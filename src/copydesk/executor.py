"""Where a run's batch jobs go: worker processes, or this process when there are none.

Why one object for a whole job: the worker processes cost an interpreter each (imports, compiled kernels loaded),
about a second of a CPU apiece. Passed to :func:`copydesk.pipeline.dedup` and then to
:func:`copydesk.run.write_outputs`, one ``Workers`` serves both passes and then writes ``deduplicated.jsonl``
(the largest output) in a process that is already warm, while this process writes the others.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Final, Self, TypeVar

R = TypeVar("R")
T = TypeVar("T")

__all__ = ["AUTO_WORKERS_MAX", "AUTO_WORKERS_MIN_DOCS", "Workers", "resolve_workers", "usable_cpus"]

#: With ``workers=0`` (auto), inputs smaller than this run in one process: starting workers (each imports
#: numpy and numba) costs about what they save on a few thousand docs.
AUTO_WORKERS_MIN_DOCS: Final[int] = 20_000
#: With ``workers=0``, at most this many processes: the serial stages bound the gain beyond a few.
AUTO_WORKERS_MAX: Final[int] = 8


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def resolve_workers(requested: int, docs: int | None) -> int:
    """The number of processes to clean and sketch with. ``requested`` > 0 is taken as is; 0 means one per
    usable CPU (at most ``AUTO_WORKERS_MAX``) when the input is known to hold at least
    ``AUTO_WORKERS_MIN_DOCS`` docs, else one. Results never depend on it."""
    if requested > 0:
        return requested
    if docs is None or docs < AUTO_WORKERS_MIN_DOCS:
        return 1
    return min(usable_cpus(), AUTO_WORKERS_MAX)


class Workers:
    """Worker processes shared by both passes (and by the writing of the outputs, when the caller keeps them
    open: see the module docstring), started on first need and never for a small input.

    Results come back in submission order whatever the number of processes, and a job runs here in this
    process until the pool starts, so every result is the same with or without workers.
    """

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self.count = 1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the processes (jobs not started are cancelled); later jobs run in this process. The count of
        processes the run used stays, for the threads of the serial stages."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    @property
    def pooled(self) -> bool:
        """Whether jobs go to worker processes (else they run here, in order)."""
        return self._pool is not None

    def start(self, count: int) -> None:
        """Start ``count`` processes (spawned: a fork would copy the parent's tables); one means none."""
        if self._pool is None and count > 1:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=count, mp_context=context)
            self.count = count

    def submit(self, fn: Callable[..., R], *args: Any) -> Future[R] | None:
        """Run one job in a worker process; None when there are none (the caller runs it itself)."""
        return None if self._pool is None else self._pool.submit(fn, *args)

    def ordered(self, fn: Callable[..., R], jobs: Iterable[tuple[tuple[Any, ...], T]]) -> Iterator[tuple[R, T]]:
        """``(fn(*args), tag)`` for each ``(args, tag)`` job, in job order, with at most two jobs per process
        in flight (bounded memory)."""
        pending: deque[tuple[Future[R], T]] = deque()
        for args, tag in jobs:
            if self._pool is None:  # pending is empty until the pool starts, so order holds
                yield fn(*args), tag
                continue
            pending.append((self._pool.submit(fn, *args), tag))
            if len(pending) >= 2 * self.count:
                future, done = pending.popleft()
                yield future.result(), done
        while pending:
            future, done = pending.popleft()
            yield future.result(), done
