"""Delivery claims: the unique (profile, digest date) row that makes each digest go out once.

A row is claimed (inserted, or moved from a retryable failure) in its own transaction before
anything is sent; every message the platform accepts is written down at once, so a restart
continues after the last accepted message instead of sending the digest again. The rows
sent are also the history of what each profile was shown (never show a paper twice, /stats).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import and_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from core.models import Claim, Delivered, DeliveryFailure, DeliveryState, Identity, Profile
from storage.bulk import insert_ignoring_duplicates
from storage.profiles import to_profile
from storage.tables import Delivery
from storage.tables import Profile as ProfileRow

__all__ = ["Claim", "Delivered", "DeliveryFailure"]

PENDING, SENT, FAILED = DeliveryState.PENDING.value, DeliveryState.SENT.value, DeliveryState.FAILED.value


def _delivered(row: Delivery) -> Delivered:
    return Delivered(row.profile_id, row.digest_date, DeliveryState(row.state), list(row.paper_ids),
                     row.attempts)  # fmt: skip


def _claim_of(row: Delivery) -> Claim:
    assert row.id is not None
    return Claim(row.id, row.profile_id, row.digest_date, row.attempts, list(row.paper_ids),
                 list(row.message_ids))  # fmt: skip


def set_papers(session: Session, delivery_id: int, paper_ids: Sequence[str]) -> None:
    row = session.get(Delivery, delivery_id)
    if row is not None:
        row.paper_ids = list(paper_ids)


def deliverable(platforms: Sequence[str]) -> list[ColumnElement[bool]]:
    """Who may get a digest now: active, unpaused profiles on `platforms` (the one definition
    for new deliveries, retries and the next retry's time, so they never disagree)."""
    return [
        col(ProfileRow.platform).in_(list(platforms)),
        col(ProfileRow.active).is_(True),
        col(ProfileRow.paused).is_(False),
    ]


def candidates(session: Session, *, day: dt.date, platforms: Sequence[str]) -> list[Profile]:
    """Active, unpaused profiles on these platforms with no delivery of `day` yet (retries and
    dead workers' rows are claimed by `claims.claim_due`); the database skips everyone served."""
    row = and_(col(Delivery.profile_id) == col(ProfileRow.id), col(Delivery.digest_date) == day)
    query = (
        select(ProfileRow).outerjoin(Delivery, row).where(*deliverable(platforms), col(Delivery.id).is_(None))
    )
    return [to_profile(profile) for profile in session.exec(query).all()]


def latest_sent(session: Session, profile_id: int) -> Delivered | None:
    query = (
        select(Delivery)
        .where(Delivery.profile_id == profile_id, Delivery.state == SENT)
        .order_by(col(Delivery.digest_date).desc())
    )
    row = session.exec(query).first()
    return None if row is None else _delivered(row)


def record_sent(session: Session, *, profile_id: int, day: dt.date, paper_ids: Sequence[str]) -> None:
    """Mark the digest of `day` as delivered with these papers (re-sending updates it)."""
    fresh = Delivery(profile_id=profile_id, digest_date=day, attempts=0)
    insert_ignoring_duplicates(session, Delivery, [fresh.model_dump(exclude={"id"})])
    row = session.exec(
        select(Delivery)
        .where(Delivery.profile_id == profile_id, Delivery.digest_date == day)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    row.state = SENT
    row.paper_ids = list(paper_ids)
    row.attempts += 1
    row.sent_at = dt.datetime.now(dt.UTC)


def counts(session: Session, day: dt.date) -> Counter[str]:
    """Deliveries of `day` per state (keys are `DeliveryState` values)."""
    query = select(Delivery.state).where(Delivery.digest_date == day)
    return Counter(DeliveryState(state) for state in session.exec(query))


def last_errors(session: Session, limit: int = 5) -> list[DeliveryFailure]:
    query = (
        select(Delivery, ProfileRow)
        .join(ProfileRow, col(ProfileRow.id) == col(Delivery.profile_id))
        .where(col(Delivery.error).is_not(None))
        .order_by(col(Delivery.claimed_at).desc())
        .limit(limit)
    )
    return [
        DeliveryFailure(
            identity=_identity(profile),
            day=row.digest_date,
            attempts=row.attempts,
            error=row.error or "",
            next_attempt_at=row.next_attempt_at,
        )
        for row, profile in session.exec(query).all()
    ]


def _identity(row: ProfileRow) -> Identity:
    return Identity(platform=row.platform, platform_id=row.platform_id, workspace=row.workspace,
                    display_name=row.display_name, kind=row.kind)  # fmt: skip


# --- history: what each profile was shown --------------------------------------------------


# Built once: every digest build reads it, and building a statement costs as much as running it.
_HISTORY = select(col(Delivery.digest_date), Delivery.paper_ids).where(
    Delivery.profile_id == sa.bindparam("profile_id"),
    Delivery.digest_date < sa.bindparam("day"),
    Delivery.state == DeliveryState.SENT,
)


def history_before(session: Session, *, profile_id: int, day: dt.date) -> tuple[set[str], dt.date | None]:
    """Papers this profile received in digests of earlier days, and the day of its last
    digest before `day` (None: never), in one read: a digest covers the days since then."""
    seen: set[str] = set()
    last: dt.date | None = None
    for digest_date, ids in session.exec(_HISTORY, params={"profile_id": profile_id, "day": day}):
        seen.update(ids)
        last = digest_date if last is None or digest_date > last else last
    return seen, last


def shown_per_day(session: Session, *, profile_id: int, since: dt.date) -> dict[dt.date, int]:
    """Papers delivered, counted on the day each digest was sent."""
    query = select(Delivery.sent_at, Delivery.paper_ids).where(
        Delivery.profile_id == profile_id, Delivery.state == DeliveryState.SENT
    )
    shown: dict[dt.date, int] = {}
    for moment, ids in session.exec(query):
        if moment is not None and moment.date() >= since:
            shown[moment.date()] = shown.get(moment.date(), 0) + len(ids)
    return shown


def profiles_of(session: Session, profile_ids: Sequence[int]) -> dict[int, Profile]:
    """The profiles a batch of claims delivers to, in one query."""
    query = select(ProfileRow).where(col(ProfileRow.id).in_(list(profile_ids)))
    return {row.id: to_profile(row) for row in session.exec(query) if row.id is not None}
