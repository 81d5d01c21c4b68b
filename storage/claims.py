"""Delivery rows as a work queue shared by several workers.

A worker claims rows by writing its name and a lease expiry on them; it renews the lease (a
heartbeat) while it sends. On PostgreSQL the claim selects with `FOR UPDATE SKIP LOCKED`, so
workers claiming at the same moment take disjoint rows without waiting for each other; on
SQLite the database's single writer gives the same result. Recovery takes over only pending
rows whose owner's lease has expired, never a row a live worker is sending.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import and_, case, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, func, select

from storage.deliveries import Claim, _claim_of, deliverable
from storage.tables import Delivery
from storage.tables import Profile as ProfileRow


def _lease(now: dt.datetime, seconds: float) -> dt.datetime:
    return now + dt.timedelta(seconds=seconds)


def claim_new(
    session: Session, *, profile_id: int, day: dt.date, owner: str, now: dt.datetime, seconds: float
) -> Claim | None:
    """Insert the pending row owned by `owner`; None when the profile already has one for the day."""
    values = {
        "profile_id": profile_id,
        "digest_date": day,
        "state": "pending",
        "attempts": 1,
        "claimed_at": now,
        "created_at": now,
        "owner": owner,
        "lease_until": _lease(now, seconds),
        "paper_ids": [],
        "message_ids": [],
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    # SQLModel maps `__table__` but does not declare it to type checkers: hence the two ignores.
    statement = insert(Delivery.__table__).values(values).on_conflict_do_nothing()  # type: ignore[attr-defined]
    new_id = session.execute(statement.returning(Delivery.__table__.c.id)).scalar()  # type: ignore[attr-defined]
    if new_id is None:
        return None
    row = session.get(Delivery, new_id)
    return None if row is None else _claim_of(row)


def _claimable(now: dt.datetime) -> ColumnElement[bool]:
    retry = and_(col(Delivery.state) == "failed", col(Delivery.next_attempt_at) <= now)
    orphaned = and_(
        col(Delivery.state) == "pending",
        or_(col(Delivery.lease_until).is_(None), col(Delivery.lease_until) <= now),
    )
    return or_(retry, orphaned)


def claim_new_many(
    session: Session,
    *,
    profile_ids: Sequence[int],
    day: dt.date,
    owner: str,
    now: dt.datetime,
    seconds: float,
) -> list[Claim]:
    """Claim the day's delivery for each of these profiles that has none yet, in one statement.

    The profiles are locked first with SKIP LOCKED (PostgreSQL), so a worker never waits on
    another worker's uncommitted claims; whatever another worker took meanwhile is skipped
    by the unique (profile, day) constraint."""
    if not profile_ids:
        return []
    if session.get_bind().dialect.name == "postgresql":
        locked = session.exec(
            select(ProfileRow.id)
            .where(col(ProfileRow.id).in_(list(profile_ids)))
            # NO KEY UPDATE: a /digest inserting the profile's delivery (its foreign key check
            # takes KEY SHARE) is not blocked, so it cannot deadlock with this claim's insert
            .with_for_update(skip_locked=True, key_share=True)
        ).all()
        profile_ids = [int(i) for i in locked if i is not None]
        if not profile_ids:
            return []
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    until = _lease(now, seconds)
    rows = [
        {"profile_id": pid, "digest_date": day, "state": "pending", "attempts": 1, "claimed_at": now,
         "created_at": now, "owner": owner, "lease_until": until, "paper_ids": [], "message_ids": []}
        for pid in profile_ids
    ]  # fmt: skip
    statement = insert(Delivery.__table__).on_conflict_do_nothing()  # type: ignore[attr-defined]
    new_ids = session.execute(statement.returning(Delivery.__table__.c.id), rows).scalars().all()  # type: ignore[attr-defined]
    if not new_ids:
        return []
    made = session.exec(select(Delivery).where(col(Delivery.id).in_(list(new_ids))))
    return [_claim_of(row) for row in made]


def claim_due(
    session: Session,
    *,
    owner: str,
    now: dt.datetime,
    seconds: float,
    limit: int = 100,
    platforms: Sequence[str] | None = None,
) -> list[Claim]:
    """Claim up to `limit` rows that are due for a retry or whose owner's lease expired
    (of active, unpaused profiles on `platforms` when given)."""
    due = _claimable(now)
    if platforms is not None:
        wanted = select(ProfileRow.id).where(*deliverable(platforms))
        due = and_(due, col(Delivery.profile_id).in_(wanted))
    picked = session.exec(
        select(Delivery.id)
        .where(due)
        .order_by(col(Delivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not picked:
        return []
    session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(list(picked)), due)
        .values(
            state="pending",
            owner=owner,
            lease_until=_lease(now, seconds),
            claimed_at=now,
            # an attempt its worker never finished (killed, lease lapsed) spends no retry
            attempts=case(
                (col(Delivery.state) == "pending", col(Delivery.attempts)), else_=col(Delivery.attempts) + 1
            ),
            next_attempt_at=None,
        )
    )
    mine = select(Delivery).where(col(Delivery.id).in_(list(picked)), col(Delivery.owner) == owner)
    rows = session.exec(mine.where(col(Delivery.claimed_at) == now).execution_options(populate_existing=True))
    return [_claim_of(row) for row in rows]


def heartbeat(session: Session, *, owner: str, now: dt.datetime, seconds: float) -> int:
    """Extend the lease of every pending row `owner` holds; returns how many it still holds."""
    moved = session.exec(
        update(Delivery)
        .where(col(Delivery.owner) == owner, col(Delivery.state) == "pending")
        .values(lease_until=_lease(now, seconds))
    )
    return int(moved.rowcount)


def still_owned(session: Session, delivery_id: int, *, owner: str) -> bool:
    """Whether `owner` may go on sending this row (another worker took it after a lapse)."""
    row = session.exec(
        select(Delivery.owner).where(col(Delivery.id) == delivery_id, col(Delivery.state) == "pending")
    ).first()
    return row == owner


def next_due(session: Session, *, platforms: Sequence[str]) -> dt.datetime | None:
    """When the next retry comes due or the next lease lapses among the rows `claim_due` could
    take for `platforms`, if any (in UTC)."""
    wanted = col(Delivery.profile_id).in_(select(ProfileRow.id).where(*deliverable(platforms)))
    retry = select(func.min(Delivery.next_attempt_at)).where(col(Delivery.state) == "failed", wanted)
    lapse = select(func.min(Delivery.lease_until)).where(col(Delivery.state) == "pending", wanted)
    times = [session.exec(retry).one(), session.exec(lapse).one()]
    return min((t if t.tzinfo else t.replace(tzinfo=dt.UTC) for t in times if t is not None), default=None)


def pending_owners(session: Session) -> list[str]:
    """The workers holding pending rows (to ask which of them are known dead)."""
    found = session.exec(select(Delivery.owner).where(col(Delivery.state) == "pending").distinct())
    return [o for o in found if o]


def recover_expired(session: Session, *, now: dt.datetime, owners: Sequence[str] = ()) -> int:
    """Pending rows whose owner stopped renewing, or of `owners` known dead, become claimable at
    once (their lease ends now, no owner: a slow owner's `still_owned` fails and it stops): still
    pending, so taking one over spends no retry, and the messages they recorded are kept, so
    what a platform accepted is not sent again."""
    orphaned = and_(
        col(Delivery.state) == "pending",
        or_(
            col(Delivery.lease_until).is_(None),
            col(Delivery.lease_until) <= now,
            col(Delivery.owner).in_(list(owners)),
        ),
    )
    moved = session.exec(update(Delivery).where(orphaned).values(lease_until=now, owner=None))
    return int(moved.rowcount)


def _mine(delivery_id: int, owner: str) -> tuple[ColumnElement[bool], ...]:
    return (col(Delivery.id) == delivery_id, col(Delivery.owner) == owner, col(Delivery.state) == "pending")


def journal(session: Session, delivery_id: int, *, owner: str, entry: str) -> bool:
    """Write down one message the platform accepted; False when `owner` no longer holds the
    row (its lease lapsed and another worker took it over), so the sender must stop."""
    row = session.exec(select(Delivery).where(*_mine(delivery_id, owner)).with_for_update()).first()
    if row is None:
        return False
    row.message_ids = [*row.message_ids, entry]
    return True


def finish(
    session: Session, delivery_id: int, *, owner: str, now: dt.datetime, paper_ids: Sequence[str]
) -> bool:
    """Mark the row sent with the papers that really went out; False when no longer ours."""
    moved = session.execute(
        update(Delivery)
        .where(*_mine(delivery_id, owner))
        .values(
            state="sent",
            sent_at=now,
            error=None,
            next_attempt_at=None,
            owner=None,
            lease_until=None,
            paper_ids=list(paper_ids),
        )
    )
    return bool(moved.rowcount == 1)  # type: ignore[attr-defined]


def fail(session: Session, delivery_id: int, *, owner: str, error: str, retry_at: dt.datetime | None) -> bool:
    """A failure; `retry_at` None makes it final. False when the row is no longer ours."""
    moved = session.execute(
        update(Delivery)
        .where(*_mine(delivery_id, owner))
        .values(state="failed", error=error[:500], next_attempt_at=retry_at, owner=None, lease_until=None)
    )
    return bool(moved.rowcount == 1)  # type: ignore[attr-defined]


def owners(session: Session, ids: Sequence[int]) -> dict[int, str | None]:
    rows = session.exec(select(Delivery.id, Delivery.owner).where(col(Delivery.id).in_(list(ids))))
    return {int(i or 0): o for i, o in rows}
