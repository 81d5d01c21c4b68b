"""A leader lease: one row per role, held by one worker until its expiry.

Whoever holds the row renews it well inside its lifetime; a worker that dies simply stops
renewing, and another takes the role once the expiry has passed. Taking and renewing are one
compare-and-set UPDATE, so two workers can never both believe they hold it at the same moment
(on SQLite as on PostgreSQL). Times come from the caller, so every worker must use UTC from a
synchronised clock; a lease of a minute leaves ample room for ordinary drift.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from storage.bulk import insert_ignoring_duplicates
from storage.tables import Lease

EXPIRED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def acquire(session: Session, name: str, *, owner: str, now: dt.datetime, seconds: float) -> bool:
    """Take or renew `name` for `seconds`; False while another owner's lease runs."""
    until = now + dt.timedelta(seconds=seconds)
    insert_ignoring_duplicates(session, Lease, [{"name": name, "owner": owner, "expires_at": EXPIRED}])
    free = or_(col(Lease.owner) == owner, col(Lease.expires_at) <= now)
    moved = session.exec(
        update(Lease).where(col(Lease.name) == name, free).values(owner=owner, expires_at=until)
    )
    return bool(moved.rowcount == 1)


def release(session: Session, name: str, *, owner: str) -> None:
    """Give the role up at once (a clean shutdown), so a standby need not wait for the expiry."""
    session.execute(
        update(Lease).where(col(Lease.name) == name, col(Lease.owner) == owner).values(expires_at=EXPIRED)
    )


def holder(session: Session, name: str, *, now: dt.datetime) -> str | None:
    """Who holds `name` now, if anyone (for `paperbot status`)."""
    row = session.exec(select(Lease).where(Lease.name == name, col(Lease.expires_at) > now)).first()
    return None if row is None else row.owner
