"""The delivery worker's database threads (claims and Telegram's builds first; accepted
messages committed in groups) and the Telegram pacer's window after a stalled loop."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from bot.telegram.pacing import WINDOW, Pacer
from core.deliver.threads import CLAIM, OTHER, PACED, GroupCommit, PriorityThread
from core.deliver.worker import DeliveryWorker


def test_claims_then_paced_builds_then_the_rest_run_first() -> None:
    worker, gate, order = PriorityThread("test-db"), threading.Event(), []
    first = worker.submit(OTHER, gate.wait)  # holds the thread while the others queue up
    queued = [worker.submit(p, lambda p=p, n=n: order.append((p, n)))
              for n, p in enumerate([OTHER, PACED, OTHER, CLAIM, PACED])]  # fmt: skip
    gate.set()
    first.result(timeout=5)
    for future in queued:
        future.result(timeout=5)
    assert order == [(CLAIM, 3), (PACED, 1), (PACED, 4), (OTHER, 0), (OTHER, 2)]


class Transactions:
    """Stands in for `DeliveryWorker._write`: records each transaction's writes."""

    def __init__(self) -> None:
        self.batches: list[list[Any]] = []
        self.gate = threading.Event()
        self.fail_next = False

    def __call__(self, work: Callable[[Any], list[Any]]) -> list[Any]:
        self.gate.wait()
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("connection lost")
        done = work(None)
        self.batches.append(done)
        return done


def test_writes_queued_during_a_commit_share_the_next_transaction() -> None:
    transactions = Transactions()
    writer = GroupCommit(transactions, "test-journal")
    first = writer.submit(lambda _s: "a")
    time.sleep(0.05)  # the first transaction is open (waiting on the gate)
    rest = [writer.submit(lambda _s, n=n: n) for n in range(5)]
    transactions.gate.set()
    assert first.result(timeout=5) == "a" and [f.result(timeout=5) for f in rest] == [0, 1, 2, 3, 4]
    assert transactions.batches == [["a"], [0, 1, 2, 3, 4]] and writer.batches == 2


def test_a_failed_transaction_fails_each_of_its_writes_and_the_thread_goes_on() -> None:
    transactions = Transactions()
    transactions.fail_next = True
    writer = GroupCommit(transactions, "test-journal")
    failed = [writer.submit(lambda _s, n=n: n) for n in range(3)]
    transactions.gate.set()
    for future in failed:
        with pytest.raises(RuntimeError, match="connection lost"):
            future.result(timeout=5)
    assert writer.submit(lambda _s: "later").result(timeout=5) == "later"


async def test_a_stalled_loop_never_lets_overdue_messages_exceed_the_window() -> None:
    pacer, departures = Pacer(29.0), []

    async def send() -> None:
        await pacer.wait()
        departures.append(time.monotonic())

    async def stall() -> None:
        await asyncio.sleep(0.3)
        time.sleep(0.4)  # the loop is blocked: a dozen messages fall overdue

    await asyncio.gather(stall(), *(send() for _ in range(70)))
    most = max(sum(1 for t in departures if start <= t < start + WINDOW) for start in departures)
    assert most <= 29, most
    assert departures[-1] - departures[0] < 70 / 29 + 1.0  # the stall only delays


class Recording:
    """A platform that takes `seconds` per digest and counts its sends in flight."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.now, self.most, self.done = seconds, 0, 0, 0
        self.most_while: Callable[[], bool] = lambda: True
        self.peak_while = 0

    async def deliver(self, identity: Any, digest: Any, progress: Any) -> None:
        self.now += 1
        self.most = max(self.most, self.now)
        if self.most_while():
            self.peak_while = max(self.peak_while, self.now)
        await asyncio.sleep(self.seconds)
        await progress.accepted(f"m{self.done}", [e.paper.id for e in digest.entries])  # one message
        self.now -= 1
        self.done += 1


def _readers_due(app: Any, listing_path: Any, *, telegram: int, slack: int) -> dt.datetime:
    """`telegram` + `slack` readers of the listing's day, all due at the returned moment."""
    from core.commands.core import Caller
    from core.models import Identity

    day = dt.date(2025, 6, 3)
    app.ingestor.ingest_file(listing_path, day=day)
    readers = [Identity("telegram", str(100 + n)) for n in range(telegram)]
    readers += [Identity("slack", f"U{n}", workspace="T1", kind="user") for n in range(slack)]
    for who in readers:
        for command in ("/start", "/topics set sparse autoencoders", "/threshold 1 1", "/time 06:00"):
            assert app.commands.handle(Caller(who), command).ok
    return dt.datetime.combine(day, dt.time(6, 0), tzinfo=dt.UTC)


async def test_the_leaders_other_lanes_hold_back_while_telegram_has_work(app: Any, listing_path: Any) -> None:
    due = _readers_due(app, listing_path, telegram=24, slack=24)
    telegram, slack = Recording(0.05), Recording(0.05)
    slack.most_while = lambda: telegram.done < 24
    worker = DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"telegram": telegram,
                            "slack": slack}, clock=lambda: due, owner="w", concurrency=8)  # fmt: skip
    report = await worker.tick(leader=True)
    assert report.sent == 48 and telegram.done == slack.done == 24
    assert slack.peak_while <= 4 < slack.most, (slack.peak_while, slack.most)  # a quarter, then all


async def test_a_standby_that_takes_over_mid_fan_out_starts_telegram_in_the_same_tick(
    app: Any, listing_path: Any
) -> None:
    due = _readers_due(app, listing_path, telegram=6, slack=12)
    telegram, slack = Recording(0.01), Recording(0.05)
    worker = DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"telegram": telegram,
                            "slack": slack}, clock=lambda: due, owner="w", concurrency=2)  # fmt: skip
    report = await worker.tick(leader=lambda: slack.done >= 2)  # the old leader died meanwhile
    assert report.sent == 18 and telegram.done == 6 and slack.done == 12


async def test_a_lane_claims_in_batches_not_one_row_per_finished_send(app: Any, listing_path: Any) -> None:
    """Each claim is a transaction that locks rows: refilled at half, a lane of concurrency 4
    claims about four rows at a time, not one for every digest that went out."""
    due = _readers_due(app, listing_path, telegram=0, slack=40)
    worker = DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"slack": Recording(0.01)},
                            clock=lambda: due, owner="w", concurrency=4)  # fmt: skip
    sizes: list[int] = []
    claim = worker._claim

    def counted(*args: Any, **kwargs: Any) -> Any:
        jobs = claim(*args, **kwargs)
        sizes.append(len(jobs))
        return jobs

    worker._claim = counted  # type: ignore[method-assign]
    report = await worker.tick(leader=True)
    assert report.sent == 40
    batches = [n for n in sizes if n]
    assert sum(batches) == 40 and len(batches) <= 10 and min(batches[:-1]) >= 4, sizes
