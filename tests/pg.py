"""Fresh PostgreSQL databases for the tests, when `PAPERBOT_TEST_DATABASE_URL` names a server.

The URL's database is only used to connect; each test gets its own database, copied from a
template migrated once per run (a copy takes milliseconds, a migration a second), and dropped
afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine

from storage import migrate
from storage.engine import database_url, make_engine

SERVER_URL = os.environ.get("PAPERBOT_TEST_DATABASE_URL", "")
_template: str | None = None


def _admin() -> Engine:
    return make_engine(SERVER_URL).execution_options(isolation_level="AUTOCOMMIT")


def _url(name: str) -> str:
    return database_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


def _template_name() -> str:
    """Create and migrate this run's template database the first time a test needs one."""
    global _template
    if _template is None:
        name = f"paperbot_tmpl_{uuid.uuid4().hex[:12]}"
        admin = _admin()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine = make_engine(_url(name))
        migrate.upgrade(engine)
        engine.dispose()
        _template = name
        import atexit

        atexit.register(_drop, name)
    return _template


def _drop(name: str) -> None:
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def fresh_database(*, migrated: bool = True) -> Iterator[str]:
    """A new (migrated) database's URL; dropped, with any connection left open, afterwards."""
    template = f' TEMPLATE "{_template_name()}"' if migrated else ""
    name = f"paperbot_test_{uuid.uuid4().hex[:12]}"
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
    admin.dispose()
    try:
        yield _url(name)
    finally:
        _drop(name)
