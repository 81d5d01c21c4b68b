"""The daily run as APScheduler jobs in the shared asyncio loop: ingest each announcement
after arXiv publishes it, score it for every distinct criteria, and tick every minute to
deliver the digests that have come due. Exactly one process may run this (see README).
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

from core.bootstrap import App
from core.deliver.due import ARXIV_ZONE, first_due
from core.deliver.worker import DeliveryWorker
from core.scoring.daily import active_profiles, day_papers, distinct_criteria, score_day_for_everyone
from core.scoring.llm.batch import BatchScoring
from core.scoring.llm.scorer import LlmScorer

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(
        self, app: App, worker: DeliveryWorker, *, clock: Callable[[], dt.datetime] | None = None
    ) -> None:
        self.app = app
        self.worker = worker
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        settings = app.settings
        hour, minute = map(int, settings.ingest_time.split(":"))
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
            await self._ingest_and_score(expected=None)
        except Exception:
            log.exception("catch-up ingest failed; the scheduled run will try again")
        await self.tick()

    async def ingest(self, attempt: int = 0) -> None:
        """The evening run: retry until the feed shows the announcement dated tomorrow (ET)."""
        expected = self.clock().astimezone(ARXIV_ZONE).date() + dt.timedelta(days=1)
        try:
            day = await self._ingest_and_score(expected=expected)
        except Exception as exc:
            log.warning("ingest failed: %s", exc)
            day = None
        if day is None or day < expected:
            settings = self.app.settings
            if attempt < settings.ingest_retry_hours * 60 / settings.ingest_retry_minutes:
                again = self.clock() + dt.timedelta(minutes=settings.ingest_retry_minutes)
                self.scheduler.add_job(self.ingest, DateTrigger(again), args=[attempt + 1], id="ingest-retry",
                                       replace_existing=True, misfire_grace_time=3600)  # fmt: skip
            else:
                log.error("arXiv's feed still does not show %s; giving up until the next run", expected)

    async def _ingest_and_score(self, *, expected: dt.date | None) -> dt.date | None:
        settings = self.app.settings
        report = await asyncio.to_thread(
            self.app.ingestor.ingest_live, categories=settings.categories, expected=expected
        )
        log.warning(
            "ingested %s (%s): %d listed, %d new", report.day, report.status, report.listed, report.added
        )
        if expected is not None and report.day < expected:
            return report.day
        if report.status == "announced" and not await self._submit_batch(report.day):
            await self._score(report.day)
        return report.day

    async def _score(self, day: dt.date) -> None:
        scored = await asyncio.to_thread(score_day_for_everyone, self.app.sessions, self.app.scoring, day)
        log.warning("scored %s for %d distinct criteria", day, scored.distinct_criteria)

    async def _submit_batch(self, day: dt.date) -> bool:
        """With LLM_BATCH_DAILY: submit the day to the Batch API and poll for it until shortly
        before the earliest delivery. False when there is nothing to submit (or no LLM)."""
        settings = self.app.settings
        if not settings.llm_batch_daily or not isinstance(self.app.scoring.scorer, LlmScorer):
            return False
        batches = BatchScoring(sessions=self.app.sessions, scoring=self.app.scoring)

        def submit() -> tuple[str | None, dt.datetime | None]:
            with self.app.sessions() as session:
                _status, papers = day_papers(session, day)
                views = active_profiles(session)
            report = batches.submit(day, papers, distinct_criteria(views))
            earliest = first_due(views, day)
            return report.batch_id, earliest

        batch_id, earliest = await asyncio.to_thread(submit)
        if batch_id is None or earliest is None:
            return False
        deadline = earliest - dt.timedelta(minutes=settings.llm_batch_margin_minutes)
        log.warning("submitted %s as batch %s; collecting until %s", day, batch_id, deadline)
        self.scheduler.add_job(
            self.collect_batch, IntervalTrigger(seconds=settings.llm_batch_poll_seconds),
            args=[batches, day, deadline], id="batch-collect", replace_existing=True,
        )  # fmt: skip
        return True

    async def collect_batch(self, batches: BatchScoring, day: dt.date, deadline: dt.datetime) -> None:
        """Stores finished batch results; at the deadline cancels the rest and scores it directly."""

        def collect() -> bool:
            with self.app.sessions() as session:
                _status, papers = day_papers(session, day)
            if batches.poll(day, papers) is not None:
                return True
            if self.clock() < deadline:
                return False
            batches.collect(day, papers, deadline=self.clock())  # cancels what is still running
            return True

        try:
            finished = await asyncio.to_thread(collect)
        except Exception:
            log.exception("collecting the batch of %s failed; scoring it directly", day)
            finished = True
        if finished:
            if self.scheduler.get_job("batch-collect") is not None:
                self.scheduler.remove_job("batch-collect")
            await self._score(day)  # only what the batch did not bring back is asked for

    async def tick(self) -> None:
        report = await self.worker.tick(self.clock())
        if report.sent or report.failed:
            log.warning("tick: %d digests of %s sent, %d failed", report.sent, report.day, report.failed)
