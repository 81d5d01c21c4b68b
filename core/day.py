"""What happens to an announcement day, as one procedure the scheduler and the CLI share.

    ingest the expected announcement (again later while arXiv still shows the previous one)
    → score it directly, or submit it to the Batch API
    → collect the batch until shortly before the first delivery is due
    → cancel what is late and score it directly.

A day is scored once, before anyone is due, so that delivering only renders. The steps take
the current time from the caller and return what should happen next; when to call them again
(cron, intervals) is the scheduler's business, not this module's.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.deliver.due import ARXIV_ZONE, first_due
from core.errors import InputError
from core.ingest.service import Ingestor
from core.scoring.daily import (
    DailyReport,
    active_profiles,
    day_papers,
    distinct_criteria,
    score_day_for_everyone,
)
from core.scoring.service import ScoringService

if TYPE_CHECKING:  # the openai client loads only where a key is configured
    from sqlmodel import Session

    from core.scoring.llm.batch import BatchReport, BatchScoring

log = logging.getLogger(__name__)
NO_BATCH = "the Batch API needs the LLM scorer: set OPENAI_API_KEY"


@dataclass(frozen=True)
class Evening:
    """The outcome of one evening attempt: the day the feed showed, whether it is still the
    previous one (`late`: try again), and until when to collect a submitted batch."""

    day: dt.date
    late: bool = False
    collect_until: dt.datetime | None = None


class DailyRun:
    def __init__(
        self,
        *,
        sessions: Callable[[], Session],
        ingestor: Ingestor,
        scoring: ScoringService,
        categories: Sequence[str],
        batches: BatchScoring | None = None,
        batch_daily: bool = False,
        batch_margin: dt.timedelta = dt.timedelta(minutes=15),
        retry_every: dt.timedelta = dt.timedelta(minutes=10),
        retry_for: dt.timedelta = dt.timedelta(hours=6),
    ) -> None:
        self.sessions = sessions
        self.ingestor = ingestor
        self.scoring = scoring
        self.categories = list(categories)
        self.batches = batches
        self.batch_daily = batch_daily and batches is not None
        self.batch_margin = batch_margin
        self.retry_every = retry_every
        self.retry_for = retry_for

    @staticmethod
    def expected_day(now: dt.datetime) -> dt.date:
        """The announcement an evening run waits for: the one dated tomorrow in US Eastern."""
        return now.astimezone(ARXIV_ZONE).date() + dt.timedelta(days=1)

    def retry_at(self, attempt: int, now: dt.datetime) -> dt.datetime | None:
        """When to look for the announcement again after `attempt` failed; None: give up."""
        if attempt < self.retry_for / self.retry_every:
            return now + self.retry_every
        return None

    def evening(self, *, expected: dt.date | None) -> Evening:
        """Ingest the latest announcement; when it is `expected` (or any, with None), score it
        directly or submit it as a batch."""
        report = self.ingestor.ingest_live(categories=self.categories, expected=expected)
        log.warning(
            "ingested %s (%s): %d listed, %d new", report.day, report.status, report.listed, report.added
        )
        if expected is not None and report.day < expected:
            return Evening(report.day, late=True)
        if report.status != "announced":
            return Evening(report.day)
        if self.batch_daily:
            deadline = self._submit_for_deadline(report.day)
            if deadline is not None:
                return Evening(report.day, collect_until=deadline)
        self._score_logged(report.day)
        return Evening(report.day)

    def score(self, day: dt.date) -> DailyReport:
        """Score `day` directly for every distinct criteria (only what is not cached yet)."""
        return score_day_for_everyone(self.sessions, self.scoring, day)

    def _score_logged(self, day: dt.date) -> None:
        scored = self.score(day)
        log.warning("scored %s for %d distinct criteria", day, scored.distinct_criteria)

    def submit(self, day: dt.date) -> BatchReport:
        """Queue `day`'s uncached papers for every distinct criteria as one Batch API job."""
        batches = self._batches()
        with self.sessions() as session:
            _status, papers = day_papers(session, day)
            views = active_profiles(session)
        return batches.submit(day, papers, distinct_criteria(views))

    def deadline(self, day: dt.date) -> dt.datetime | None:
        """When `day`'s scoring must be done: when its first reader is due."""
        with self.sessions() as session:
            return first_due(active_profiles(session), day)

    def collect(self, day: dt.date, *, deadline: dt.datetime) -> tuple[BatchReport, DailyReport]:
        """Wait for `day`'s batches until `deadline`, cancel the rest, score that directly."""
        batches = self._batches()
        with self.sessions() as session:
            _status, papers = day_papers(session, day)
        collected = batches.collect(day, papers, deadline=deadline)
        return collected, self.score(day)

    def poll(self, day: dt.date, *, deadline: dt.datetime, now: dt.datetime) -> bool:
        """One look at `day`'s batch: False while it runs and the deadline is ahead; True once
        its results are stored or it is cancelled, and the rest is scored directly."""
        batches = self._batches()
        try:
            with self.sessions() as session:
                _status, papers = day_papers(session, day)
            if batches.poll(day, papers) is None:
                if now < deadline:
                    return False
                batches.collect(day, papers, deadline=now)  # cancels what is still running
        except Exception:
            log.exception("collecting the batch of %s failed; scoring it directly", day)
        self._score_logged(day)  # only what the batch did not bring back is asked for
        return True

    def _submit_for_deadline(self, day: dt.date) -> dt.datetime | None:
        """Submit `day`; the moment to stop collecting, or None when nothing was submitted
        (or nobody is due), so the day is scored directly now."""
        with self.sessions() as session:
            _status, papers = day_papers(session, day)
            views = active_profiles(session)
        submitted = self._batches().submit(day, papers, distinct_criteria(views))
        earliest = first_due(views, day)
        if submitted.batch_id is None or earliest is None:
            return None
        deadline = earliest - self.batch_margin
        log.warning("submitted %s as batch %s; collecting until %s", day, submitted.batch_id, deadline)
        return deadline

    def _batches(self) -> BatchScoring:
        if self.batches is None:
            raise InputError(NO_BATCH)
        return self.batches
