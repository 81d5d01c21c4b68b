"""The daily run's triggers, as APScheduler jobs in the shared asyncio loop: the evening
ingest (with retries until arXiv shows the new day), polling a submitted batch, and a tick
every minute that delivers the digests that have come due. What each trigger does is the
core's (core/day.py, core/deliver/worker.py).

Any number of worker processes may run this on one database: they elect a leader through a
lease row (storage/lease.py) renewed every `renew_seconds` and valid for `lease_seconds`.
Only the leader ingests and scores (so arXiv sees one client) and sends Telegram (whose flood
limit is per bot token); every worker ticks and shares the other deliveries by claiming rows.
A standby takes the lease within `lease_seconds + renew_seconds` of the leader dying, and a
leader that stops cleanly releases it at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.day import DailyRun, Evening
from core.deliver.due import ARXIV_ZONE, published_at
from core.deliver.liveness import known_dead
from core.deliver.worker import DeliveryWorker
from core.errors import PaperbotError
from storage import claims, lease
from storage import papers as paper_store

LEADER = "scheduler"

if TYPE_CHECKING:
    from sqlmodel import Session

log = logging.getLogger(__name__)
T = TypeVar("T")


class Scheduler:
    def __init__(
        self,
        daily: DailyRun,
        worker: DeliveryWorker,
        *,
        ingest_time: str = "20:05",
        batch_poll_seconds: float = 60.0,
        clock: Callable[[], dt.datetime] | None = None,
        lease_seconds: float = 60.0,
        renew_seconds: float = 20.0,
        tick_seconds: float = 60.0,
    ) -> None:
        self.daily = daily
        self.worker = worker
        self.batch_poll_seconds = batch_poll_seconds
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.lease_seconds = lease_seconds
        self.tick_seconds = tick_seconds
        self.leader = False
        hour, minute = map(int, ingest_time.split(":"))
        self.scheduler = AsyncIOScheduler(
            timezone=dt.UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
        )
        # arXiv announces Sunday–Thursday evenings (US Eastern); a late start still ingests
        weekdays = "sun,mon,tue,wed,thu"
        evenings = CronTrigger(day_of_week=weekdays, hour=hour, minute=minute, timezone=ARXIV_ZONE)
        self.scheduler.add_job(self.ingest, evenings, id="ingest", misfire_grace_time=6 * 3600)
        self.scheduler.add_job(
            self.tick, IntervalTrigger(seconds=tick_seconds), id="tick", misfire_grace_time=50
        )  # a missed tick is harmless: the next one sends whatever is due
        self.scheduler.add_job(self.lead, IntervalTrigger(seconds=renew_seconds), id="lead")

    async def start(self) -> None:
        await asyncio.to_thread(self.worker.recover)
        self.scheduler.start()
        await self.lead()  # the leader catches up at once (see `lead`)
        if not self.leader:
            self.scheduler.add_job(self.tick, DateTrigger(self.clock()), id="first-tick")

    async def stop(self) -> None:
        self.scheduler.shutdown(wait=False)
        # delivery claims are left to expire: sends may still be in flight as the loop winds down
        try:  # the leader role is handed over at once rather than after the lease expires
            if self.leader:
                owner = self.worker.owner
                await asyncio.to_thread(self._write, lambda s: lease.release(s, LEADER, owner=owner))
        except Exception as exc:
            log.warning("releasing the leases failed (they expire by themselves): %s", exc)
        self.leader = False

    def _write(self, work: Callable[[Session], T]) -> T:
        with self.daily.sessions() as session, session.begin():
            return work(session)

    async def lead(self) -> None:
        """Take or renew the leader lease. On becoming leader, catch up as a fresh start
        would: the latest announcement if it is missing, then anything due."""
        owner, seconds = self.worker.owner, self.lease_seconds
        try:
            now = self.clock()
            held = await asyncio.to_thread(self._write, lambda s: _acquire(s, owner, now, seconds))
        except Exception as exc:  # not knowing means not leading: another worker may take over
            log.warning("renewing the leader lease failed: %s", exc)
            held = False
        if held and not self.leader:
            log.warning("this worker (%s) now leads: ingest, scoring and Telegram run here", owner)
            first = DateTrigger(self.clock())
            self.scheduler.add_job(self.catch_up, first, id="catch-up", replace_existing=True)
        elif self.leader and not held:
            log.warning("this worker (%s) no longer leads", owner)
        self.leader = held

    async def catch_up(self) -> None:
        if not self.leader:
            return
        if await asyncio.to_thread(self._up_to_date):  # a takeover or restart asks arXiv nothing
            await self.tick()
            return
        try:
            self._follow(await asyncio.to_thread(self.daily.evening, expected=None))
        except PaperbotError as exc:  # arXiv unreachable or unreadable: expected, one line
            log.warning("catch-up ingest failed: %s; the evening ingest will try again", exc)
        except Exception:
            log.exception("catch-up ingest failed; the scheduled run will try again")
        await self.tick()

    def _up_to_date(self) -> bool:
        """Whether the latest stored announcement is the newest arXiv can have published by now."""
        with self.daily.sessions() as session:
            latest = paper_store.latest_day(session, announced_only=False)
        if latest is None:
            return False
        following = latest + dt.timedelta(days=3 if latest.weekday() == 4 else 1)  # Friday → Monday
        return published_at(following) > self.clock()

    async def ingest(self, attempt: int = 0) -> None:
        """The evening run: retry until the feed shows the announcement dated tomorrow (ET)."""
        if not self.leader:
            return
        expected = self.daily.expected_day(self.clock())
        try:
            evening = await asyncio.to_thread(self.daily.evening, expected=expected)
        except Exception as exc:
            log.warning("ingest failed: %s", exc)
            evening = None
        if evening is not None and not evening.late:
            self._follow(evening)
            return
        again = self.daily.retry_at(attempt, self.clock())
        if again is None:
            log.error("arXiv's feed still does not show %s; giving up until the next run", expected)
            return
        self.scheduler.add_job(self.ingest, DateTrigger(again), args=[attempt + 1], id="ingest-retry",
                               replace_existing=True, misfire_grace_time=3600)  # fmt: skip

    def _follow(self, evening: Evening) -> None:
        """A submitted batch is polled until it is back or its deadline has come."""
        if evening.collect_until is None:
            return
        self.scheduler.add_job(
            self.collect_batch, IntervalTrigger(seconds=self.batch_poll_seconds),
            args=[evening.day, evening.collect_until], id="batch-collect", replace_existing=True,
        )  # fmt: skip

    async def collect_batch(self, day: dt.date, deadline: dt.datetime) -> None:
        """Stores finished batch results; at the deadline cancels the rest and scores it directly."""
        if not self.leader:
            return
        finished = await asyncio.to_thread(self.daily.poll, day, deadline=deadline, now=self.clock())
        if finished and self.scheduler.get_job("batch-collect") is not None:
            self.scheduler.remove_job("batch-collect")

    async def tick(self) -> None:
        report = await self.worker.tick(self.clock(), leader=lambda: self.leader)
        if report.sent or report.failed:
            log.warning("tick: %d digests of %s sent, %d failed", report.sent, report.day, report.failed)
        await self._tick_again_for_retries()

    async def _tick_again_for_retries(self) -> None:
        """A retry (or a dead worker's lease) coming due before the next tick gets a tick of its
        own, so a failure backing off seconds is not held up a whole tick interval."""
        platforms = self.worker.platforms(leader=self.leader)
        try:
            due = await asyncio.to_thread(self._read_next_due, platforms)
        except Exception as exc:  # the regular tick still comes
            log.warning("reading the next retry failed: %s", exc)
            return
        if due is None:
            return
        wait = (due - self.clock()).total_seconds()
        if wait < self.tick_seconds:
            at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=max(wait, 1.0))
            self.scheduler.add_job(self.tick, DateTrigger(at), id="retry-tick", replace_existing=True)

    def _read_next_due(self, platforms: list[str]) -> dt.datetime | None:
        with self.daily.sessions() as session:
            return claims.next_due(session, platforms=platforms)


def _acquire(session: Session, owner: str, now: dt.datetime, seconds: float) -> bool:
    """Take or renew the leader lease; a leader known dead (it ran here and its process is
    gone: a restart after a crash) is not waited for until its lease expires."""
    holder = lease.holder(session, LEADER, now=now)
    if holder is not None and known_dead(holder, me=owner):
        log.warning("the previous leader (%s) is gone; taking over at once", holder)
        lease.release(session, LEADER, owner=holder)
    return lease.acquire(session, LEADER, owner=owner, now=now, seconds=seconds)
