"""The delivery worker's two database threads.

`PriorityThread` runs reads and builds one at a time, most urgent first: claims before
builds, and builds of the leader's paced platform (Telegram) before the others, so a Slack
fan-out queued in front never starves Telegram's flood-limited lane of ready digests.

`GroupCommit` writes what platforms accepted. Every write queued while a transaction is
committing goes into the next transaction together (group commit): a busy worker pays one
commit per batch instead of one per message, and a write never waits behind a build. Each
caller still learns its own result only once its transaction has committed.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlmodel import Session

log = logging.getLogger(__name__)
T = TypeVar("T")
CLAIM, PACED, OTHER = 0, 1, 2  # priorities: lower runs first
MAX_BATCH = 256


class PriorityThread:
    """One daemon thread taking the most urgent queued call first (FIFO within a priority)."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._queue: queue.PriorityQueue[tuple[int, int, Callable[[], Any] | None, Future[Any] | None]]
        self._queue = queue.PriorityQueue()
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, priority: int, work: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._start()
        self._queue.put((priority, next(self._order), work, future))
        return future

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            _, _, work, future = self._queue.get()
            if work is None or future is None:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(work())
            except BaseException as exc:  # handed to the awaiting coroutine
                future.set_exception(exc)


class GroupCommit:
    """One daemon thread committing queued writes in batches, each in its caller's order."""

    def __init__(
        self, transaction: Callable[[Callable[[Session], Any]], Any], name: str, max_batch: int = MAX_BATCH
    ) -> None:
        self._transaction = transaction  # runs its argument in one transaction and commits
        self._name = name
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[Callable[[Session], Any], Future[Any]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0  # how many transactions carried the writes (for tests and benchmarks)

    def submit(self, work: Callable[[Session], T]) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        self._queue.put((work, future))
        return future

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self._max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            batch = [(w, f) for w, f in batch if f.set_running_or_notify_cancel()]
            self._commit(batch)

    def _commit(self, batch: list[tuple[Callable[[Session], Any], Future[Any]]]) -> None:
        """A failed batch fails every write in it: none was committed, and none is retried
        here, since a commit that failed on the wire may have happened after all (appending a
        journal entry twice); the callers' own error handling retries from the journal."""
        try:
            results = self._transaction(lambda session: [work(session) for work, _ in batch])
        except BaseException as exc:
            for _, future in batch:
                future.set_exception(exc)
            return
        self.batches += 1
        try:
            for (_, future), result in zip(batch, results, strict=True):
                future.set_result(result)
        except (TypeError, ValueError) as exc:  # never let the thread die with callers waiting
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
