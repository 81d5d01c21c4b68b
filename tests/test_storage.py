"""Storage on the test database (SQLite or PostgreSQL): pragmas, migrations, the constraints
the core relies on."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.cli import main
from bot.compose import App
from bot.settings import Settings
from core.models import Identity
from storage import deliveries, migrate, ratings
from storage.engine import make_engine
from storage.profiles import create
from storage.tables import Delivery
from tests import pg


@pytest.mark.sqlite_only
def test_every_sqlite_connection_has_wal_foreign_keys_and_busy_timeout(app: App) -> None:
    for _ in range(2):
        with app.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000


def test_migrations_create_every_table_and_are_idempotent(app: App) -> None:
    tables = set(inspect(app.engine).get_table_names())
    assert {
        "paper",
        "announcement_day",
        "announcement",
        "profile",
        "score",
        "rating",
        "delivery",
        "llm_usage",
        "alembic_version",
    } <= tables
    assert migrate.current_revision(app.engine) == migrate.head_revision(app.engine)
    assert migrate.upgrade(app.engine) is False


def test_db_upgrade_command(
    env: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with contextlib.ExitStack() as stack:
        if pg.SERVER_URL:  # the test's database is migrated already: start from an empty one
            url = stack.enter_context(pg.fresh_database(migrated=False))
            monkeypatch.setenv("DATABASE_URL", url)
        head = migrate.head_revision()
        assert main(["db", "upgrade"]) == 0
        assert capsys.readouterr().out == f"schema created at {head}\n"
        assert main(["db", "upgrade"]) == 0
        assert capsys.readouterr().out == f"schema is up to date ({head})\n"


def test_postgres_urls_are_normalised() -> None:
    settings = Settings(_env_file=None, database_url="postgres://u:p@db:5432/x")  # type: ignore[call-arg]
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/x"


def test_one_delivery_per_profile_and_day(app: App) -> None:
    with app.sessions() as session, session.begin():
        profile = create(session, Identity("console", "dora"), categories=["cs.LG"])
        assert profile.id is not None
        pid = profile.id
        deliveries.record_sent(session, profile_id=pid, day=dt.date(2025, 6, 3), paper_ids=["a"])
    with app.sessions() as session, session.begin():  # sending again updates the same row
        deliveries.record_sent(session, profile_id=pid, day=dt.date(2025, 6, 3), paper_ids=["a", "b"])
    with app.sessions() as session:
        rows = session.exec(select(Delivery).where(Delivery.profile_id == pid)).all()
        assert [(r.attempts, r.paper_ids) for r in rows] == [(2, ["a", "b"])]
    with pytest.raises(IntegrityError), app.sessions() as session, session.begin():
        session.add(Delivery(profile_id=pid, digest_date=dt.date(2025, 6, 3)))


def test_foreign_keys_are_enforced(app: App) -> None:
    with pytest.raises(IntegrityError), app.sessions() as session, session.begin():
        ratings.set_rating(session, profile_id=12345, paper_id="none", value=1)


def test_engine_creates_the_database_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path}/a/b/paperbot.db")
    migrate.upgrade(engine)
    assert (tmp_path / "a" / "b" / "paperbot.db").exists()
    engine.dispose()


def test_the_head_named_by_the_files_is_alembics_head(app: App) -> None:
    """Every command recognises an up-to-date schema from the file names alone; that shortcut
    must say what Alembic says, and an up-to-date database must not be touched."""
    assert migrate.named_head() == migrate.head_revision() == migrate.current_revision(app.engine)
    assert migrate.upgrade(app.engine) is False
