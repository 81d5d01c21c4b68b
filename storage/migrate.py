"""Schema upgrades through Alembic, from the first table on; run by a command and at start-up.

Alembic is handed the open connection, never the URL: its ConfigParser would read a `%` in a
percent-encoded password or a file path as interpolation (and print the URL in the error).
Processes starting together (a web and a worker) serialise on a lock, so only one upgrades.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_xact_lock key: any constant shared by every paperbot process ("paperbot" in ASCII).
MIGRATION_LOCK = 0x7061706572626F74


def alembic_config(_engine: Engine | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine | None = None) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def named_head() -> str:
    """The head as the file names say it (`0009_worker_leases.py` is revision 0009): the chain is
    linear and numbered, which a test checks against Alembic's own reading."""
    numbers = [
        m.group(1) for f in (MIGRATIONS / "versions").glob("*.py") if (m := re.match(r"(\d{4})_", f.name))
    ]
    return max(numbers)


def _stored_revision(engine: Engine) -> str | None:
    """The database's revision read with plain SQL; None when there is no schema yet."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    except SQLAlchemyError:
        return None


def upgrade(engine: Engine) -> bool:
    """Bring the schema to head; returns whether anything had to be done. Every command starts
    here, so an up-to-date schema is recognised without loading Alembic and its scripts."""
    if _stored_revision(engine) == named_head():
        return False
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    head = head_revision()
    with engine.connect() as conn:
        _lock(conn)
        if MigrationContext.configure(conn).get_current_revision() == head:  # another process did it
            conn.rollback()
            return False
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        conn.commit()
    return True


def _lock(conn: Connection) -> None:
    """Hold the database's migration lock until this transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, waiting out the busy timeout
