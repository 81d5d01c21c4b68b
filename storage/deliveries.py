"""Delivery claims: the unique (profile, digest date) row that makes each digest go out once.

A row is claimed (inserted, or moved from a retryable failure) in its own transaction before
anything is sent; every message the platform accepts is written down at once, so a restart
continues after the last accepted message instead of sending the digest again.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.bulk import insert_ignoring_duplicates
from storage.tables import Delivery, Profile


@dataclass(frozen=True)
class Claim:
    id: int
    profile_id: int
    day: dt.date
    attempts: int
    paper_ids: list[str]
    message_ids: list[str]


def _claim_of(row: Delivery) -> Claim:
    assert row.id is not None
    return Claim(row.id, row.profile_id, row.digest_date, row.attempts, list(row.paper_ids),
                 list(row.message_ids))  # fmt: skip


def claim_new(session: Session, *, profile_id: int, day: dt.date, now: dt.datetime) -> Claim | None:
    """Insert the pending row; None when the profile already has one for the day."""
    row = Delivery(profile_id=profile_id, digest_date=day, state="pending", attempts=1, claimed_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return _claim_of(row)


def claim_retry(session: Session, delivery_id: int, *, now: dt.datetime) -> Claim | None:
    """Move a failed row whose retry time has come back to pending (compare-and-set)."""
    ready = (
        col(Delivery.id) == delivery_id,
        col(Delivery.state) == "failed",
        col(Delivery.next_attempt_at) <= now,
    )
    moved = session.execute(
        update(Delivery)
        .where(*ready)
        .values(state="pending", attempts=col(Delivery.attempts) + 1, claimed_at=now, next_attempt_at=None)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = session.get(Delivery, delivery_id, populate_existing=True)
    return None if row is None else _claim_of(row)


def recover(session: Session, *, now: dt.datetime) -> int:
    """At start-up, rows left pending by a crashed worker become due for a retry at once;
    the message ids they recorded are kept, so what a platform accepted is not sent again."""
    moved = session.execute(
        update(Delivery)
        .where(col(Delivery.state) == "pending")
        .values(state="failed", next_attempt_at=now, error="interrupted (worker restarted)")
    )
    return int(moved.rowcount)  # type: ignore[attr-defined]


def set_papers(session: Session, delivery_id: int, paper_ids: Sequence[str]) -> None:
    row = session.get(Delivery, delivery_id)
    if row is not None:
        row.paper_ids = list(paper_ids)


def add_message(session: Session, delivery_id: int, message_id: str) -> None:
    row = session.get(Delivery, delivery_id)
    if row is not None:
        row.message_ids = [*row.message_ids, message_id]


def mark_sent(session: Session, delivery_id: int, *, now: dt.datetime) -> None:
    row = session.get(Delivery, delivery_id)
    if row is not None:
        row.state, row.sent_at, row.error, row.next_attempt_at = "sent", now, None, None


def mark_failed(session: Session, delivery_id: int, *, error: str, retry_at: dt.datetime | None) -> None:
    """A failure; `retry_at` None makes it final."""
    row = session.get(Delivery, delivery_id)
    if row is not None:
        row.state, row.error, row.next_attempt_at = "failed", error[:500], retry_at


def candidates(
    session: Session, *, day: dt.date, now: dt.datetime, platforms: Sequence[str]
) -> list[tuple[Profile, Delivery | None]]:
    """Active, unpaused profiles on these platforms that have no delivery of `day` yet, or a
    failed one whose retry time has come; the database skips everyone already served."""
    row = and_(col(Delivery.profile_id) == col(Profile.id), col(Delivery.digest_date) == day)
    retry = and_(col(Delivery.state) == "failed", col(Delivery.next_attempt_at) <= now)
    query = (
        select(Profile, Delivery)
        .outerjoin(Delivery, row)
        .where(Profile.active, Profile.paused == False, col(Profile.platform).in_(list(platforms)))  # noqa: E712
        .where(or_(col(Delivery.id).is_(None), retry))
    )
    return list(session.exec(query).all())


def latest_sent(session: Session, profile_id: int) -> Delivery | None:
    query = (
        select(Delivery)
        .where(Delivery.profile_id == profile_id, Delivery.state == "sent")
        .order_by(col(Delivery.digest_date).desc())
    )
    return session.exec(query).first()


def record_sent(session: Session, *, profile_id: int, day: dt.date, paper_ids: Sequence[str]) -> Delivery:
    """Mark the digest of `day` as delivered with these papers (re-sending updates it)."""
    fresh = Delivery(profile_id=profile_id, digest_date=day, attempts=0)
    insert_ignoring_duplicates(session, Delivery, [fresh.model_dump(exclude={"id"})])
    row = session.exec(
        select(Delivery)
        .where(Delivery.profile_id == profile_id, Delivery.digest_date == day)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    row.state = "sent"
    row.paper_ids = list(paper_ids)
    row.attempts += 1
    row.sent_at = dt.datetime.now(dt.UTC)
    return row


def counts(session: Session, day: dt.date) -> Counter[str]:
    return Counter(row.state for row in session.exec(select(Delivery).where(Delivery.digest_date == day)))


def last_errors(session: Session, limit: int = 5) -> list[tuple[Delivery, Profile]]:
    query = (
        select(Delivery, Profile)
        .join(Profile, col(Profile.id) == col(Delivery.profile_id))
        .where(col(Delivery.error).is_not(None))
        .order_by(col(Delivery.claimed_at).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())
