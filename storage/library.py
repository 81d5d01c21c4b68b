"""Queries for imported libraries: which papers each profile brought from its own library.

Kept apart from ratings: an import is not a 👍 the user pressed (it may be years old), so
`/forget` of ratings, the stats of votes and the learned model can each decide what it counts.
Papers an import fetched from arXiv are stored like ingested ones, dated by their first version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from core.models import Paper
from storage.bulk import insert_ignoring_duplicates
from storage.papers import paper_row, to_paper
from storage.tables import LibraryPaper, Rating
from storage.tables import Paper as PaperRow


def store_papers(session: Session, fetched: Sequence[tuple[Paper, dt.date]]) -> None:
    """Papers fetched for an import (with their first version's date); stored ones stay as they are."""
    rows = [paper_row(p, day).model_dump() for p, day in fetched]
    insert_ignoring_duplicates(session, PaperRow, rows)


def add(session: Session, *, profile_id: int, paper_ids: Sequence[str], source: str) -> int:
    """Record `paper_ids` in the profile's library; returns how many were new to it."""
    before = library_ids(session, profile_id)
    fresh = [pid for pid in dict.fromkeys(paper_ids) if pid not in before]
    now = dt.datetime.now(dt.UTC)
    rows = [
        {"profile_id": profile_id, "paper_id": pid, "source": source, "imported_at": now} for pid in fresh
    ]
    insert_ignoring_duplicates(session, LibraryPaper, rows)
    return len(fresh)


def library_ids(session: Session, profile_id: int) -> set[str]:
    """The profile's imported papers."""
    return set(session.exec(select(LibraryPaper.paper_id).where(LibraryPaper.profile_id == profile_id)))


def library_size(session: Session, profile_id: int) -> int:
    query = select(sa.func.count()).select_from(LibraryPaper).where(LibraryPaper.profile_id == profile_id)
    return int(session.exec(query).one())


def library_papers(session: Session, profile_id: int) -> list[Paper]:
    query = (
        select(PaperRow)
        .join(LibraryPaper, col(LibraryPaper.paper_id) == col(PaperRow.id))
        .where(LibraryPaper.profile_id == profile_id)
        .order_by(col(LibraryPaper.imported_at).desc(), col(LibraryPaper.id).desc())
    )
    return [to_paper(row) for row in session.exec(query)]


def clear(session: Session, profile_id: int) -> None:
    """Forget the profile's imported library."""
    session.exec(delete(LibraryPaper).where(col(LibraryPaper.profile_id) == profile_id))


# Built once (building a statement costs as much as running it): the profile's votes, and its
# imported papers with no value.
_VOTES_AND_LIBRARY = sa.union_all(
    select(Rating.paper_id, Rating.value).where(Rating.profile_id == sa.bindparam("profile_id")),
    select(LibraryPaper.paper_id, sa.cast(sa.null(), sa.Integer)).where(
        LibraryPaper.profile_id == sa.bindparam("profile_id")
    ),
)


def votes_and_library(session: Session, profile_id: int) -> tuple[dict[str, int], list[str]]:
    """The profile's votes and its imported papers in one round trip: every digest build of
    every reader asks for both, and most readers have neither."""
    found: dict[str, int] = {}
    library: list[str] = []
    for paper_id, value in session.execute(_VOTES_AND_LIBRARY, {"profile_id": profile_id}):
        if value is None:
            library.append(paper_id)
        else:
            found[paper_id] = value
    return found, library
