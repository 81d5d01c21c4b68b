"""Queries for ratings and deliveries: what each profile was shown and what they thought of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session, col, delete, select

from storage.tables import Delivery, Paper, Rating


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
        select(Paper)
        .join(Rating, col(Rating.paper_id) == col(Paper.id))
        .where(Rating.profile_id == profile_id, Rating.value > 0)
        .order_by(col(Rating.updated_at).desc())
    )
    return list(session.exec(query))


def clear_ratings(session: Session, profile_id: int) -> None:
    session.exec(delete(Rating).where(col(Rating.profile_id) == profile_id))  # type: ignore[call-overload]


def delivered_before(session: Session, *, profile_id: int, day: dt.date) -> set[str]:
    """Papers this profile received in digests of earlier days."""
    query = select(Delivery.paper_ids).where(
        Delivery.profile_id == profile_id,
        Delivery.digest_date < day,
        Delivery.state == "sent",
    )
    return {paper_id for ids in session.exec(query) for paper_id in ids}


def record_sent(session: Session, *, profile_id: int, day: dt.date, paper_ids: Sequence[str]) -> Delivery:
    """Mark the digest of `day` as delivered with these papers (re-sending updates it)."""
    row = session.exec(
        select(Delivery).where(Delivery.profile_id == profile_id, Delivery.digest_date == day)
    ).first()
    if row is None:
        row = Delivery(profile_id=profile_id, digest_date=day)
        session.add(row)
    row.state = "sent"
    row.paper_ids = list(paper_ids)
    row.attempts += 1
    row.sent_at = dt.datetime.now(dt.UTC)
    return row
