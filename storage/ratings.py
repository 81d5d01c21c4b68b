"""Queries for ratings: what each profile thought of the papers it was shown (👍 +1, 👎 -1)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, delete, select

from core.models import Paper
from storage.papers import to_paper
from storage.tables import Paper as PaperRow
from storage.tables import Rating


def set_rating(session: Session, *, profile_id: int, paper_id: str, value: int) -> bool:
    """Store a vote; returns whether it changed anything."""
    row = session.exec(
        select(Rating).where(Rating.profile_id == profile_id, Rating.paper_id == paper_id)
    ).first()
    if row is None:
        session.add(Rating(profile_id=profile_id, paper_id=paper_id, value=value))
        return True
    if row.value == value:
        return False
    row.value = value
    row.updated_at = dt.datetime.now(dt.UTC)
    return True


def ratings(session: Session, profile_id: int) -> dict[str, int]:
    query = select(Rating.paper_id, Rating.value).where(Rating.profile_id == profile_id)
    return dict(session.exec(query).all())


def liked_papers(session: Session, profile_id: int) -> list[Paper]:
    query = (
        select(PaperRow)
        .join(Rating, col(Rating.paper_id) == col(PaperRow.id))
        .where(Rating.profile_id == profile_id, Rating.value > 0)
        .order_by(col(Rating.updated_at).desc())
    )
    return [to_paper(row) for row in session.exec(query)]


def clear_ratings(session: Session, profile_id: int) -> None:
    session.exec(delete(Rating).where(col(Rating.profile_id) == profile_id))


def votes_per_day(
    session: Session, *, profile_id: int, since: dt.date
) -> tuple[dict[dt.date, int], dict[dt.date, int]]:
    """👍 and 👎 counted on the day each vote was last cast."""
    up: dict[dt.date, int] = {}
    down: dict[dt.date, int] = {}
    query = select(Rating.updated_at, Rating.value).where(Rating.profile_id == profile_id)
    for moment, value in session.exec(query):
        day = moment.date()
        if day >= since:
            target = up if value > 0 else down
            target[day] = target.get(day, 0) + 1
    return up, down
