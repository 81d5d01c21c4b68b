"""The delivery tick: claim digests that have come due, a batch at a time, and send them
concurrently; several worker processes may run it on one database.

Claims are database rows (unique per profile and digest date) written before sending, each
with an owner and a lease the owner renews while it sends (storage/claims.py); every message
a platform accepts is journalled at once with the papers it carried. So a digest goes out
once however many workers tick, a worker that dies leaves rows another takes over once their
lease has expired (never a live worker's), and a resumed delivery sends exactly the promised
papers not yet accepted, whatever the user changed since. Platforms in `exclusive` (Telegram,
whose flood limit is global per bot token) are sent only by the leader, so the limit holds
across processes without a shared budget. One recipient's failure is recorded and retried
without holding up the others; `Unreachable` is final and marks the profile inactive.
Reads and builds run on one thread, claims and then Telegram's builds first; what platforms
accept is committed in groups on another (core/deliver/threads.py).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import logging
import random
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from core.accounts import set_reachable
from core.deliver import resume
from core.deliver.due import is_due
from core.deliver.liveness import known_dead, worker_name
from core.deliver.retry import next_attempt
from core.deliver.sender import LeaseLost, Progress, Sender, Unreachable, journal_entry
from core.deliver.threads import CLAIM, OTHER, PACED, GroupCommit, PriorityThread
from core.digest.build import DigestBuilder
from core.digest.model import Digest
from core.models import Claim, Identity, Profile
from storage import claims, deliveries
from storage import papers as paper_store
from storage.profiles import identity_of

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
        owner: str | None = None,
        lease_seconds: float = 60.0,
        exclusive: Collection[str] = ("telegram",),
        while_paced: float = 0.25,
    ) -> None:
        self._sessions = sessions
        self.builder = builder
        self.senders = dict(senders)
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.retry_after = retry_after
        self.clock = clock
        self.owner = owner or worker_name()
        self.lease_seconds = lease_seconds
        self.exclusive = frozenset(exclusive)
        # share of their rows the other lanes hold while the paced one has work (CPU to Telegram)
        self.while_paced = while_paced
        self._db = PriorityThread("paperbot-build")  # claims, then Telegram's builds, then the rest
        # what a platform accepted is written on its own thread, never queued behind builds,
        # so the window in which a crash could forget an accepted message stays milliseconds
        self._journal = GroupCommit(lambda work: self._write(work), "paperbot-journal")
        self._busy = asyncio.Lock()
        self._leading: Callable[[], bool] = lambda: True  # see `tick`

    async def _in_db(self, work: Callable[[], T], priority: int = CLAIM) -> T:
        return await asyncio.wrap_future(self._db.submit(priority, work))

    async def _journal_write(self, work: Callable[[Session], T]) -> T:
        return await asyncio.wrap_future(self._journal.submit(work))

    def _write(self, work: Callable[[Session], T]) -> T:
        with self._sessions() as session, session.begin():
            return work(session)

    def recover(self) -> int:
        """Start-up: deliveries whose worker died (its lease expired, or it ran here and its
        process is gone) are retried at once; rows a live worker holds are left alone."""

        def take(session: Session) -> int:
            dead = [o for o in claims.pending_owners(session) if known_dead(o, me=self.owner)]
            return claims.recover_expired(session, now=self.clock(), owners=dead)

        count = self._write(take)
        if count:
            log.warning("resuming %d deliveries whose worker stopped", count)
        return count

    def _renew(self, session: Session) -> int:
        return claims.heartbeat(session, owner=self.owner, now=self.clock(), seconds=self.lease_seconds)

    def platforms(self, *, leader: bool) -> list[str]:
        return [p for p in self.senders if leader or p not in self.exclusive]

    async def tick(
        self, now: dt.datetime | None = None, *, leader: bool | Callable[[], bool] = True
    ) -> TickReport:
        """Send every digest due at `now` (default: the clock) that has not gone out yet and
        that no other worker holds; only the `leader` sends the `exclusive` platforms. Given as
        a callable, leadership is followed during the fan-out: a standby that takes over starts
        Telegram at once, and a leader that lost the lease claims no more of it."""
        if self._busy.locked():  # the previous tick is still fanning out; it will see the rest
            return TickReport()
        async with self._busy:
            moment = now or self.clock()
            self._leading = leader if callable(leader) else (lambda: leader)
            day, due = await self._in_db(lambda: self._due(moment, self.platforms(leader=self._leading())))
            report = TickReport(day=day)
            if day is None:
                return report
            beating = asyncio.create_task(self._beat())
            try:
                await self._fan_out(day, due, moment, report)
            finally:
                beating.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await beating
            if report.sent or report.failed:
                log.info("delivered %d digests of %s (%d failed)", report.sent, day, report.failed)
            return report

    async def _fan_out(
        self, day: dt.date, due: dict[str, list[int]], moment: dt.datetime, report: TickReport
    ) -> None:
        """One lane per platform, each claiming up to twice `concurrency` rows whenever it holds
        no more than half that: a worker holds only what it is about to send (the others share
        the rest), a slow platform (Slack's per-channel pace) never starves a fast one, and
        while the paced lane has work the others hold only `while_paced` of that."""
        limits = {p: asyncio.Semaphore(self.concurrency) for p in due}
        running: dict[asyncio.Task[str], Job] = {}
        retries_left, recheck, loop = set(due), dict[str, float](), asyncio.get_running_loop()
        while True:
            for platform in [p for p, at in recheck.items() if at <= loop.time() and p in due and running]:
                retries_left.add(platform)  # a dead worker's leases may have lapsed
                del recheck[platform]
            await self._follow_leadership(due, moment, limits, retries_left)
            held = collections.Counter(j.identity.platform for j in running.values())
            paced = any(held[p] or due[p] or p in retries_left for p in due if p in self.exclusive)
            for platform, waiting in due.items():
                share = self.while_paced if paced and platform not in self.exclusive else 1.0
                cap = max(1, int(self.concurrency * 2 * share))
                if held[platform] > cap // 2 or not (waiting or platform in retries_left):
                    continue  # refilled at half: a claim is a batch, not one row per finished send
                room = cap - held[platform]
                chunk, due[platform] = waiting[:room], waiting[room:]
                retry = platform in retries_left
                claim = partial(self._claim, day, chunk, moment, [platform], room, retry=retry)
                jobs = await self._in_db(claim)
                if not chunk and not jobs:  # looked at again every lease/3 while others send
                    retries_left.discard(platform)
                    recheck[platform] = loop.time() + self.lease_seconds / 3
                for job in jobs:
                    running[asyncio.create_task(self._deliver(job, limits[platform]))] = job
            if not running:
                if any(due.values()) or retries_left:
                    continue
                return
            finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                job, outcome = running.pop(task), task.result()
                report.outcomes[job.claim.profile_id] = outcome
                report.sent += outcome == "sent"
                report.failed += outcome.startswith("failed")

    async def _follow_leadership(self, due: dict[str, list[int]], moment: dt.datetime,
                                 limits: dict[str, asyncio.Semaphore], left: set[str]) -> None:  # fmt: skip
        """Open the exclusive lanes when this worker has become leader, close them when not."""
        leading = self._leading()
        for platform in [p for p in due if p in self.exclusive and not leading]:
            del due[platform]  # what it holds still goes out; it claims no more
            left.discard(platform)
        missing = [p for p in self.senders if p in self.exclusive and p not in due] if leading else []
        if missing:
            _, extra = await self._in_db(lambda: self._due(moment, missing))
            due.update(extra)
            limits.update({p: asyncio.Semaphore(self.concurrency) for p in extra})
            left.update(extra)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                await self._journal_write(self._renew)
            except Exception as exc:  # the next beat tries again; the lease leaves room for two misses
                log.warning("renewing delivery leases failed: %s", exc)

    def _due(self, now: dt.datetime, platforms: Sequence[str]) -> tuple[dt.date | None, dict[str, list[int]]]:
        """Profiles due for the latest day with no delivery yet, per platform, in random order
        so that workers starting together mostly claim different ones."""
        due: dict[str, list[int]] = {p: [] for p in platforms}
        with self._sessions() as session:
            day = paper_store.latest_day(session)
            if day is None:
                return None, due
            for row in deliveries.candidates(session, day=day, platforms=platforms):
                wanted = row.criteria.strip() or row.authors  # nothing to match: no digest, not noise
                if wanted and row.identity is not None and is_due(row, day, now):
                    due[row.identity.platform].append(row.id)
        for ids in due.values():
            random.shuffle(ids)
        return day, due

    def _claim(
        self, day: dt.date, chunk: list[int], now: dt.datetime, platforms: Sequence[str], room: int,
        *, retry: bool,
    ) -> list[Job]:  # fmt: skip
        owner, seconds = self.owner, self.lease_seconds
        with self._sessions() as session, session.begin():
            taken = claims.claim_new_many(
                session, profile_ids=chunk, day=day, now=self.clock(), owner=owner, seconds=seconds
            )
            if retry and len(taken) < room:  # failures whose retry time came, rows of dead workers
                taken += claims.claim_due(session, now=max(now, self.clock()), limit=room - len(taken),
                                          platforms=platforms, owner=owner, seconds=seconds)  # fmt: skip
            views = deliveries.profiles_of(session, [c.profile_id for c in taken]) if taken else {}
            return [Job(c, identity_of(views[c.profile_id]), views[c.profile_id])
                    for c in taken if c.profile_id in views]  # fmt: skip

    def _build(self, job: Job) -> tuple[Digest | None, Progress]:
        with self._sessions() as session, session.begin():
            return resume.digest_to_send(session, self.builder, job.claim, job.view)

    async def _deliver(self, job: Job, limit: asyncio.Semaphore) -> str:
        claim = job.claim
        async with limit:
            journal = list(claim.message_ids)
            try:
                urgent = PACED if job.identity.platform in self.exclusive else OTHER
                digest, progress = await self._in_db(lambda: self._build(job), urgent)

                async def record(message_id: str, paper_ids: Sequence[str]) -> None:
                    entry = journal_entry(message_id, paper_ids)
                    if not await self._journal_write(
                        lambda s: claims.journal(s, claim.id, owner=self.owner, entry=entry)
                    ):
                        raise LeaseLost(f"delivery {claim.id} was taken over by another worker")
                    journal.append(entry)

                progress.record = record
                if digest is not None:
                    await self.senders[job.identity.platform].deliver(job.identity, digest, progress)
                now, sent = self.clock(), resume.sent_papers(claim, journal)
                if not await self._journal_write(
                    lambda s: claims.finish(s, claim.id, owner=self.owner, now=now, paper_ids=sent)
                ):
                    raise LeaseLost(f"delivery {claim.id} was taken over by another worker")
                return "sent"
            except LeaseLost as exc:  # the other worker resumes from the journal
                log.warning("%s", exc)
                return "lost"
            except Exception as exc:  # one recipient's failure never stops the others
                return await self._failed(job, exc)

    async def _failed(self, job: Job, exc: Exception) -> str:
        claim = job.claim
        unreachable = isinstance(exc, Unreachable)
        retry_at = next_attempt(
            exc, attempts=claim.attempts, max_attempts=self.max_attempts, backoff=self.retry_after,
            day=claim.day, now=self.clock(),
        )  # fmt: skip
        final = retry_at is None
        reason = f"{type(exc).__name__}: {exc}"
        who = f"{job.identity.platform}/{job.identity.platform_id}"
        note = ", final" if final else ""
        log.warning("delivery to %s failed (attempt %d%s): %s", who, claim.attempts, note, reason)

        def failed(session: Session) -> Any:
            if not claims.fail(session, claim.id, owner=self.owner, error=reason, retry_at=retry_at):
                return None
            if unreachable:  # skipped until they come back (/start)
                gone = job.identity
                set_reachable(session, platform=gone.platform, platform_id=gone.platform_id,
                              workspace=gone.workspace, reachable=False)  # fmt: skip
            return None

        await self._journal_write(failed)
        return f"failed: {reason}"
