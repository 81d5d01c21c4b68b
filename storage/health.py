"""Rows saying how each running process's services stand: written by the process, read by
`paperbot status` (a separate process, so the running one's memory is out of reach)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete
from sqlmodel import Session, col, select

from core.models import ServiceState
from storage.tables import ServiceHealth


def write(session: Session, process: str, states: Sequence[ServiceState], *, now: dt.datetime) -> None:
    """Insert or refresh this process's rows (one per service), stamped `now`."""
    for state in states:
        row = session.get(ServiceHealth, (process, state.service))
        if row is None:
            row = ServiceHealth(process=process, service=state.service, state=state.state,
                                since=state.since, updated_at=now)  # fmt: skip
        row.state, row.detail, row.since, row.updated_at = state.state, state.detail[:300], state.since, now
        session.add(row)


def prune(session: Session, *, before: dt.datetime) -> int:
    """Forget rows no process has refreshed since `before` (processes long gone)."""
    moved = session.execute(delete(ServiceHealth).where(col(ServiceHealth.updated_at) < before))
    return int(moved.rowcount)  # type: ignore[attr-defined]


def read(session: Session, *, since: dt.datetime) -> list[tuple[str, ServiceState, dt.datetime]]:
    """(process, state, last updated) of rows refreshed after `since`, by process and service."""
    rows = session.exec(
        select(ServiceHealth)
        .where(col(ServiceHealth.updated_at) >= since)
        .order_by(col(ServiceHealth.process), col(ServiceHealth.service))
    ).all()
    return [(r.process, ServiceState(r.service, r.state, r.detail, r.since), r.updated_at) for r in rows]
