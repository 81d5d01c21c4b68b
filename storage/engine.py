"""The engine, built from `DATABASE_URL`, with the SQLite pragmas every connection needs."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlmodel import Session, create_engine

from core.errors import InputError

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Environment variables by which a platform with throwaway disks is recognised.
EPHEMERAL_PLATFORMS = {
    "DYNO": "Heroku",
    "RENDER": "Render",
    "RAILWAY_ENVIRONMENT": "Railway",
    "FLY_APP_NAME": "Fly.io",
}
_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]*(?P<at>@)", re.IGNORECASE)


def database_url(url: str) -> URL:
    """Parse `DATABASE_URL`: `postgres://` and `postgresql://` both mean psycopg 3, and a
    percent-encoded password or path is decoded once, here and nowhere else."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    return make_url(url)


def hide_password(text: str) -> str:
    """Any `scheme://user:password@` in a message, with the password replaced by ***."""
    return _PASSWORD.sub(r"\g<head>***\g<at>", text)


def safe_url(url: str | URL) -> str:
    """The URL as it may be shown: in logs, errors and status lines."""
    parsed = url if isinstance(url, URL) else database_url(url)
    return parsed.render_as_string(hide_password=True)


def refuse_ephemeral_sqlite(
    url: str, *, default_url: str, persistent_disk: bool, environ: Mapping[str, str] | None = None
) -> None:
    """On a platform whose disk is thrown away at every restart, the default SQLite file would
    silently lose every user; refuse to start unless the operator says the disk persists."""
    if persistent_disk or url != default_url:
        return
    env = os.environ if environ is None else environ
    platform = next((name for var, name in EPHEMERAL_PLATFORMS.items() if env.get(var)), None)
    if platform is not None:
        raise InputError(
            f"{platform}'s disk is wiped at every restart, so the default SQLite file would lose all "
            "data: set DATABASE_URL to a PostgreSQL database (or PERSISTENT_DISK=true on a mounted volume)"
        )


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the engine; on SQLite, turn on WAL, foreign keys and a busy timeout per connection.

    Statement parameters are kept out of error messages: they carry tokens (Slack installs),
    abstracts and chat text, and an unexpected error's traceback ends up in the log."""
    parsed = database_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, echo=echo, pool_pre_ping=True, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, echo=echo, hide_parameters=True, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def session(engine: Engine) -> Session:
    """A session whose objects stay readable after commit (the core passes them around)."""
    return Session(engine, expire_on_commit=False)
