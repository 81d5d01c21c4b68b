"""Ingest one announcement day (live or from a file) into storage, idempotently."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from core.errors import InputError, SourceError
from core.ingest.listing import read_listing
from core.ingest.rss import FeedDay
from core.models import DayStatus
from storage import papers as store

if TYPE_CHECKING:
    from sqlmodel import Session

log = logging.getLogger(__name__)


class PaperSource(Protocol):
    """Where the latest announcement comes from (arXiv live, or a fake in tests)."""

    def fetch_day(self, categories: Sequence[str]) -> FeedDay: ...


@dataclass
class IngestReport:
    day: dt.date
    status: DayStatus
    listed: int
    added: int
    updated: int
    skipped_lines: tuple[int, ...] = ()


class FeedNotReady(SourceError):
    """The feed does not show the expected announcement yet (empty, or undated): try again
    later, like a feed still showing the previous day. Nothing was recorded."""


class Ingestor:
    def __init__(self, *, sessions: Callable[[], Session], source: PaperSource | None) -> None:
        self._sessions = sessions
        self._source = source

    def ingest_file(self, path: Path, *, day: dt.date, categories: Sequence[str] = ()) -> IngestReport:
        """Load a saved listing as the announcement of `day`; bad lines are skipped."""
        listing = read_listing(path)
        if not listing.entries:
            raise InputError(f"{path} holds no readable paper")
        cats = categories or sorted({c for e in listing.entries for c in e.paper.categories[:1]})
        with self._sessions() as session, session.begin():
            saved = store.save_day(session, day=day, entries=listing.entries, categories=cats, source="file")
        return IngestReport(
            day=day,
            status=DayStatus.ANNOUNCED,
            listed=saved.listed,
            added=saved.added,
            updated=saved.updated,
            skipped_lines=tuple(listing.skipped_lines),
        )

    def ingest_live(
        self, *, categories: Sequence[str], day: dt.date | None = None, expected: dt.date | None = None
    ) -> IngestReport:
        """Fetch the latest announcement; a feed with no items records a quiet day, except on
        an `expected` weekday, when it is more likely arXiv's feed is late (FeedNotReady)."""
        if self._source is None:
            raise InputError("no live arXiv source is configured")
        feed = self._source.fetch_day(categories)
        if feed.day is None and day is None:
            # filing it under the machine's date could give the announcement the wrong day
            raise FeedNotReady("arXiv's feed carries no date; it is not filed under today's date")
        feed_day = feed.day or day or dt.date.today()
        if not feed.entries and expected is not None and feed_day == expected and expected.weekday() < 5:
            raise FeedNotReady(f"arXiv's feed for {expected} is still empty")
        if day is not None and feed.entries and feed_day != day:
            raise InputError(
                f"arXiv's feed serves only the latest announcement ({feed_day}), not {day}; "
                "load older days with --file"
            )
        with self._sessions() as session, session.begin():
            if not feed.entries:
                store.record_quiet_day(session, day=feed_day, categories=categories)
                return IngestReport(day=feed_day, status=DayStatus.QUIET, listed=0, added=0, updated=0)
            saved = store.save_day(
                session, day=feed_day, entries=feed.entries, categories=categories, source="rss"
            )
        return IngestReport(
            day=feed_day,
            status=DayStatus.ANNOUNCED,
            listed=saved.listed,
            added=saved.added,
            updated=saved.updated,
        )
