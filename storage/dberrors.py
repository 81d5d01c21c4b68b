"""Database errors as one line an operator can act on: no SQL, no parameters, no password."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError

from storage.engine import hide_password


def describe(exc: SQLAlchemyError) -> str:
    """The driver's own first line (`attempt to write a readonly database`, `database or disk is
    full`, `connection refused`), without the statement SQLAlchemy appends to it."""
    original = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    first = hide_password(lines[0] if lines else type(original).__name__)
    if first.startswith("(") and ")" in first:  # SQLAlchemy's own "(module.Class) message"
        first = first.split(")", 1)[1].strip()
    first = first[:300]
    if isinstance(exc, IntegrityError):
        return f"the database refused a change ({first}); try again"
    if isinstance(exc, OperationalError):
        return f"the database cannot be used right now: {first}"
    return f"database error: {first}"
