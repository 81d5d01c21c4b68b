"""The daily run's triggers, as APScheduler jobs in the shared asyncio loop: the evening
ingest (with retries until arXiv shows the new day), polling a submitted batch, and a tick
every minute that delivers the digests that have come due. What each trigger does is the
core's (core/day.py, core/deliver/worker.py). Exactly one process may run this (see README).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.day import DailyRun, Evening
from core.deliver.due import ARXIV_ZONE
from core.deliver.worker import DeliveryWorker
from core.errors import PaperbotError

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(
        self,
        daily: DailyRun,
        worker: DeliveryWorker,
        *,
        ingest_time: str = "20:05",
        batch_poll_seconds: float = 60.0,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.daily = daily
        self.worker = worker
        self.batch_poll_seconds = batch_poll_seconds
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        hour, minute = map(int, ingest_time.split(":"))
        self.scheduler = AsyncIOScheduler(
            timezone=dt.UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
        )
        # arXiv announces Sunday–Thursday evenings (US Eastern); a late start still ingests
        weekdays = "sun,mon,tue,wed,thu"
        evenings = CronTrigger(day_of_week=weekdays, hour=hour, minute=minute, timezone=ARXIV_ZONE)
        self.scheduler.add_job(self.ingest, evenings, id="ingest", misfire_grace_time=6 * 3600)
        self.scheduler.add_job(
            self.tick, IntervalTrigger(minutes=1), id="tick", misfire_grace_time=50
        )  # a missed tick is harmless: the next one sends whatever is due

    async def start(self) -> None:
        await asyncio.to_thread(self.worker.recover)
        self.scheduler.start()
        # catch up at start-up: the latest announcement if it is missing, then anything due
        self.scheduler.add_job(self.catch_up, DateTrigger(self.clock()), id="catch-up")

    async def stop(self) -> None:
        self.scheduler.shutdown(wait=False)

    async def catch_up(self) -> None:
        try:
            self._follow(await asyncio.to_thread(self.daily.evening, expected=None))
        except PaperbotError as exc:  # arXiv unreachable or unreadable: expected, one line
            log.warning("catch-up ingest failed: %s; the evening ingest will try again", exc)
        except Exception:
            log.exception("catch-up ingest failed; the scheduled run will try again")
        await self.tick()

    async def ingest(self, attempt: int = 0) -> None:
        """The evening run: retry until the feed shows the announcement dated tomorrow (ET)."""
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
        finished = await asyncio.to_thread(self.daily.poll, day, deadline=deadline, now=self.clock())
        if finished and self.scheduler.get_job("batch-collect") is not None:
            self.scheduler.remove_job("batch-collect")

    async def tick(self) -> None:
        report = await self.worker.tick(self.clock())
        if report.sent or report.failed:
            log.warning("tick: %d digests of %s sent, %d failed", report.sent, report.day, report.failed)
