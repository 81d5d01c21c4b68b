"""Queries for papers, announcement days and their listings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from core.models import AnnounceType, DayInfo, DayStatus, Listed, Paper
from storage.bulk import insert_ignoring_duplicates
from storage.tables import Announcement, AnnouncementDay
from storage.tables import Paper as PaperRow

_TYPE_RANK = {"new": 0, "cross": 1, "replace": 2, "replace-cross": 3}


@dataclass
class SaveReport:
    added: int = 0
    updated: int = 0
    listed: int = 0


def save_day(
    session: Session,
    *,
    day: dt.date,
    entries: Sequence[Listed],
    categories: Sequence[str],
    source: str,
) -> SaveReport:
    """Store one day's listing idempotently; replacements update papers in place."""
    report = SaveReport()
    unique = _dedupe(entries)
    # The day row first: on SQLite this write takes the database's write lock at once, and on
    # PostgreSQL a second ingest of the same day waits here for the first to commit.
    first = AnnouncementDay(day=day, source=source)
    insert_ignoring_duplicates(session, AnnouncementDay, [first.model_dump()])
    rows = _papers_by_id(session, unique)
    # In id order, so two ingests of different days that share papers lock them in one order.
    fresh = sorted((e for e in unique.values() if e.paper.id not in rows), key=lambda e: e.paper.id)
    insert_ignoring_duplicates(session, PaperRow, [_new_row(entry, day).model_dump() for entry in fresh])
    report.added = len(fresh)
    for entry in unique.values():
        row = rows.get(entry.paper.id)
        if row is not None and _is_newer(entry, row):
            _update_row(row, entry.paper)
            report.updated += 1
    session.flush()
    listed = [
        Announcement(day=day, paper_id=e.paper.id, announce_type=e.announce_type, version=e.paper.version)
        for e in sorted(unique.values(), key=lambda e: e.paper.id)
    ]
    insert_ignoring_duplicates(session, Announcement, [a.model_dump() for a in listed])
    day_row = session.get(AnnouncementDay, day, populate_existing=True, with_for_update=True)
    assert day_row is not None
    total = session.exec(select(func.count()).select_from(Announcement).where(Announcement.day == day)).one()
    day_row.status = "announced" if total else "quiet"
    day_row.categories = sorted(set(day_row.categories) | set(categories))
    day_row.entries = int(total)
    day_row.ingested_at = dt.datetime.now(dt.UTC)
    report.listed = day_row.entries
    return report


def _dedupe(entries: Iterable[Listed]) -> dict[str, Listed]:
    """One entry per paper id: a paper listed as `new` in one category and `cross` in another
    is new."""
    unique: dict[str, Listed] = {}
    for entry in entries:
        seen = unique.get(entry.paper.id)
        if seen is None or _TYPE_RANK[entry.announce_type] < _TYPE_RANK[seen.announce_type]:
            unique[entry.paper.id] = entry
    return unique


def _papers_by_id(session: Session, unique: dict[str, Listed]) -> dict[str, PaperRow]:
    ids = list(unique)
    found: dict[str, PaperRow] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update((p.id, p) for p in session.exec(select(PaperRow).where(col(PaperRow.id).in_(chunk))))
    return found


def _is_newer(entry: Listed, row: PaperRow) -> bool:
    return entry.paper.version > row.version or (
        entry.announce_type.startswith("replace")
        and entry.paper.version >= row.version
        and (entry.paper.title, entry.paper.abstract) != (row.title, row.abstract)
    )


def _new_row(entry: Listed, day: dt.date) -> PaperRow:
    return paper_row(entry.paper, day, announce_type=entry.announce_type)


def paper_row(p: Paper, day: dt.date, *, announce_type: str = AnnounceType.NEW.value) -> PaperRow:
    """A paper as its row, dated by the announcement it came with (or its first version's date)."""
    return PaperRow(
        id=p.id,
        version=p.version,
        title=p.title,
        authors=list(p.authors),
        abstract=p.abstract,
        categories=list(p.categories),
        primary_category=p.primary_category,
        comment=p.comment,
        announced_on=day,
        announce_type=announce_type,
    )


def _update_row(row: PaperRow, paper: Paper) -> None:
    row.version = paper.version
    row.title = paper.title
    row.authors = list(paper.authors)
    row.abstract = paper.abstract
    row.categories = list(paper.categories)
    row.primary_category = paper.primary_category or row.primary_category
    row.comment = paper.comment
    row.updated_at = dt.datetime.now(dt.UTC)


def record_quiet_day(session: Session, *, day: dt.date, categories: Sequence[str]) -> None:
    """A day without announcement; never downgrades a day that already has papers."""
    quiet = AnnouncementDay(day=day, status="quiet", categories=sorted(set(categories)))
    insert_ignoring_duplicates(session, AnnouncementDay, [quiet.model_dump()])
    row = session.get(AnnouncementDay, day, populate_existing=True, with_for_update=True)
    if row is not None and row.status == "quiet":
        row.categories = sorted(set(row.categories) | set(categories))


# Built once: every digest build asks, and building a statement costs as much as running it.
_DAY_INFO = select(
    col(AnnouncementDay.day),
    col(AnnouncementDay.status),
    col(AnnouncementDay.entries),
    col(AnnouncementDay.ingested_at),
).where(AnnouncementDay.day == sa.bindparam("day"))


def day_info(session: Session, day: dt.date) -> DayInfo | None:
    row = session.exec(_DAY_INFO, params={"day": day}).first()
    if row is None:
        return None
    day, status, entries, ingested_at = row
    return DayInfo(day=day, status=DayStatus(status), entries=entries, ingested_at=ingested_at)


def announced_days(session: Session, *, first: dt.date, last: dt.date) -> list[DayInfo]:
    """The announcement days from `first` to `last` (quiet days left out), oldest first."""
    query = (
        select(AnnouncementDay)
        .where(AnnouncementDay.day >= first, AnnouncementDay.day <= last)
        .where(AnnouncementDay.status == DayStatus.ANNOUNCED.value)
        .order_by(col(AnnouncementDay.day))
    )
    return [
        DayInfo(day=r.day, status=DayStatus(r.status), entries=r.entries, ingested_at=r.ingested_at)
        for r in session.exec(query)
    ]


def latest_day(session: Session, *, announced_only: bool = True) -> dt.date | None:
    query = select(col(AnnouncementDay.day)).order_by(col(AnnouncementDay.day).desc()).limit(1)
    if announced_only:
        query = query.where(AnnouncementDay.status == DayStatus.ANNOUNCED.value)
    return session.exec(query).first()


def day_listing(session: Session, day: dt.date) -> list[tuple[Paper, AnnounceType]]:
    """Every paper listed on `day` with its announce type, in a stable order."""
    query = (
        select(PaperRow, Announcement.announce_type)
        .join(Announcement, col(Announcement.paper_id) == col(PaperRow.id))
        .where(Announcement.day == day)
        .order_by(col(PaperRow.id))
    )
    return [(to_paper(row), AnnounceType(kind)) for row, kind in session.exec(query)]


def get_papers(session: Session, ids: Sequence[str]) -> dict[str, Paper]:
    found: dict[str, Paper] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        query = select(PaperRow).where(col(PaperRow.id).in_(chunk))
        found.update((row.id, to_paper(row)) for row in session.exec(query))
    return found


def to_paper(row: PaperRow) -> Paper:
    return Paper(
        id=row.id,
        version=row.version,
        title=row.title,
        authors=tuple(row.authors),
        abstract=row.abstract,
        categories=tuple(row.categories),
        primary_category=row.primary_category,
        comment=row.comment,
    )


def paper_count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(PaperRow)).one())


def recent_papers(session: Session, limit: int) -> list[Paper]:
    """The most recently announced papers, oldest first (the learned models' corpus)."""
    query = select(PaperRow).order_by(col(PaperRow.announced_on).desc(), col(PaperRow.id)).limit(limit)
    return [to_paper(row) for row in reversed(session.exec(query).all())]


def papers_announced_on(session: Session, days: Iterable[dt.date]) -> dict[str, list[Paper]]:
    """The papers first announced on each of `days`, by ISO date."""
    wanted = sorted(set(days))
    query = select(PaperRow).where(col(PaperRow.announced_on).in_(wanted)).order_by(col(PaperRow.id))
    found: dict[str, list[Paper]] = {d.isoformat(): [] for d in wanted}
    for row in session.exec(query):
        found[row.announced_on.isoformat()].append(to_paper(row))
    return found


def announced_on(session: Session, ids: Sequence[str]) -> dict[str, dt.date]:
    query = select(col(PaperRow.id), col(PaperRow.announced_on)).where(col(PaperRow.id).in_(list(ids)))
    return dict(session.exec(query).all())
