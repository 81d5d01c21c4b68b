"""Insert many rows at once, skipping those a unique constraint already holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel


def insert_ignoring_duplicates(
    session: Session, table: type[SQLModel], rows: Sequence[dict[str, Any]]
) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    target = table.__table__  # type: ignore[attr-defined]  # SQLModel leaves it undeclared
    statement: sqlite.Insert | postgresql.Insert
    if dialect == "sqlite":
        statement = sqlite.insert(target).on_conflict_do_nothing()
    elif dialect == "postgresql":
        statement = postgresql.insert(target).on_conflict_do_nothing()
    else:  # pragma: no cover - other databases are not supported
        raise RuntimeError(f"unsupported database dialect {dialect}")
    for start in range(0, len(rows), 5000):
        session.execute(statement, list(rows[start : start + 5000]))
