"""The delivery tick: claim every digest that has come due, then send them concurrently.

Claims are database rows (unique per profile and digest date) written before sending, so
a digest goes out once however often the tick runs, and a crash leaves rows that the next
start resumes after the last message the platform accepted. Building digests and writing
rows happen on one database thread; sending is bounded by `concurrency` and each platform's
own pacing; one recipient's failure is recorded and retried without holding up the others.
A recipient the platform refuses for good (`Unreachable`: blocked the bot, left, uninstalled)
gets a final failure and its profile marked inactive, here, the same for every platform;
adapters only raise.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from core.accounts import set_reachable
from core.deliver.due import is_due
from core.deliver.retry import next_attempt
from core.deliver.sender import Progress, Sender, Unreachable
from core.digest.build import DigestBuilder
from core.digest.model import Digest
from core.models import Claim, Identity, Profile
from storage import deliveries, profiles
from storage import papers as paper_store

if TYPE_CHECKING:
    from sqlmodel import Session

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class TickReport:
    day: dt.date | None = None
    sent: int = 0
    failed: int = 0
    outcomes: dict[int, str] = field(default_factory=dict)  # profile id → sent | failed: reason


@dataclass(frozen=True)
class Job:
    claim: Claim
    identity: Identity
    view: Profile


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DeliveryWorker:
    def __init__(
        self,
        *,
        sessions: Callable[[], Session],
        builder: DigestBuilder,
        senders: Mapping[str, Sender],
        concurrency: int = 64,
        max_attempts: int = 4,
        retry_after: dt.timedelta = dt.timedelta(minutes=2),
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self._sessions = sessions
        self.builder = builder
        self.senders = dict(senders)
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.retry_after = retry_after
        self.clock = clock
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="paperbot-build")
        # what a platform accepted is written on its own thread, never queued behind builds,
        # so the window in which a crash could forget an accepted message stays milliseconds
        self._journal = ThreadPoolExecutor(max_workers=1, thread_name_prefix="paperbot-journal")
        self._busy = asyncio.Lock()

    async def _in_db(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db, work)

    async def _journal_write(self, work: Callable[[Session], Any]) -> None:
        await asyncio.get_running_loop().run_in_executor(self._journal, lambda: self._write(work))

    def recover(self) -> int:
        """Start-up: deliveries a crashed worker left pending are retried at once."""
        with self._sessions() as session, session.begin():
            count = deliveries.recover(session, now=self.clock())
        if count:
            log.warning("resuming %d deliveries left pending by the previous run", count)
        return count

    async def tick(self, now: dt.datetime | None = None) -> TickReport:
        """Send every digest due at `now` (default: the clock) that has not gone out yet."""
        if self._busy.locked():  # the previous tick is still fanning out; it will see the rest
            return TickReport()
        async with self._busy:
            moment = now or self.clock()
            day, jobs = await self._in_db(lambda: self._claim_due(moment))
            report = TickReport(day=day)
            if not jobs:
                return report
            log.info("delivering %d digests of %s", len(jobs), day)
            limit = asyncio.Semaphore(self.concurrency)
            outcomes = await asyncio.gather(*(self._deliver(job, limit) for job in jobs))
            for job, outcome in zip(jobs, outcomes, strict=True):
                report.outcomes[job.claim.profile_id] = outcome
                report.sent += outcome == "sent"
                report.failed += outcome != "sent"
            return report

    def _claim_due(self, now: dt.datetime) -> tuple[dt.date | None, list[Job]]:
        with self._sessions() as session, session.begin():
            day = paper_store.latest_day(session)
            if day is None:
                return None, []
            jobs = []
            for row, have in deliveries.candidates(session, day=day, now=now, platforms=list(self.senders)):
                assert row.id is not None
                if not (row.criteria.strip() or row.authors):
                    continue  # nothing to match yet: no digest rather than noise
                view = row
                if have is None:
                    claim = (
                        deliveries.claim_new(session, profile_id=row.id, day=day, now=now)
                        if is_due(view, day, now)
                        else None
                    )
                else:  # a failed delivery whose retry time has come
                    claim = deliveries.claim_retry(session, have, now=now)
                if claim is not None:
                    jobs.append(Job(claim, profiles.identity_of(row), view))
            return day, jobs

    def _build(self, job: Job) -> Digest:
        with self._sessions() as session, session.begin():
            digest = self.builder.build(session, job.view, job.claim.day)
            kept = set(job.claim.paper_ids)
            if kept:  # a resumed delivery shows exactly the papers it started with
                digest.entries = [e for e in digest.entries if e.paper.id in kept]
            else:
                deliveries.set_papers(session, job.claim.id, [e.paper.id for e in digest.entries])
            return digest

    def _write(self, work: Callable[[Session], Any]) -> None:
        with self._sessions() as session, session.begin():
            work(session)

    async def _deliver(self, job: Job, limit: asyncio.Semaphore) -> str:
        claim = job.claim
        async with limit:
            try:
                digest = await self._in_db(lambda: self._build(job))

                async def record(message_id: str) -> None:
                    await self._journal_write(lambda s: deliveries.add_message(s, claim.id, message_id))

                progress = Progress(done=list(claim.message_ids), record=record)
                await self.senders[job.identity.platform].deliver(job.identity, digest, progress)
                now = self.clock()
                await self._journal_write(lambda s: deliveries.mark_sent(s, claim.id, now=now))
                return "sent"
            except Exception as exc:  # one recipient's failure never stops the others
                unreachable = isinstance(exc, Unreachable)
                retry_at = next_attempt(
                    exc,
                    attempts=claim.attempts,
                    max_attempts=self.max_attempts,
                    backoff=self.retry_after,
                    day=claim.day,
                    now=self.clock(),
                )
                final = retry_at is None
                reason = f"{type(exc).__name__}: {exc}"
                who = f"{job.identity.platform}/{job.identity.platform_id}"
                note = ", final" if final else ""
                log.warning("delivery to %s failed (attempt %d%s): %s", who, claim.attempts, note, reason)

                def failed(session: Session) -> None:
                    deliveries.mark_failed(session, claim.id, error=reason, retry_at=retry_at)
                    if unreachable:  # skipped until they come back (/start)
                        gone = job.identity
                        set_reachable(session, platform=gone.platform, platform_id=gone.platform_id,
                                      workspace=gone.workspace, reachable=False)  # fmt: skip

                await self._journal_write(failed)
                return f"failed: {reason}"
