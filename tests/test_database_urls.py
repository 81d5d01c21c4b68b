"""Any valid DATABASE_URL works, no output shows its password, database failures are one line,
and the default SQLite file is refused where the disk does not survive a restart."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.cli import main
from bot.compose import App
from bot.settings import Settings
from storage import dberrors, migrate
from storage.engine import database_url, hide_password, make_engine, refuse_ephemeral_sqlite, safe_url
from storage.tables import AnnouncementDay
from tests import pg

FIXTURES = Path(__file__).parent / "fixtures"


def test_postgres_and_postgresql_urls_both_mean_psycopg() -> None:
    for url in ("postgres://u:p%40ss@db:5432/x", "postgresql://u:p%40ss@db:5432/x"):
        parsed = database_url(url)
        assert (parsed.drivername, parsed.password, parsed.database) == ("postgresql+psycopg", "p@ss", "x")


def test_passwords_are_hidden_wherever_a_url_is_shown() -> None:
    assert safe_url("postgresql://u:p%40ss@db/x") == "postgresql+psycopg://u:***@db/x"
    line = hide_password("could not reach postgresql+psycopg://u:s3cr%25t@db/x, nor redis://:pw@h/0")
    assert "s3cr" not in line and "pw" not in line and line.count("***") == 2


def test_a_sqlite_path_with_a_percent_sign_migrates_and_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/100%done/paper%bot.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "100%done" / "paper%bot.db").exists()
    assert main(["status"]) == 0
    assert "none ingested yet" in capsys.readouterr().out


def test_a_percent_encoded_password_reaches_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    if not pg.SERVER_URL:
        pytest.skip("needs PAPERBOT_TEST_DATABASE_URL (PostgreSQL)")
    secret = "p@ss%w:rd/x"
    admin = make_engine(pg.SERVER_URL).execution_options(isolation_level="AUTOCOMMIT")
    role = "paperbot_pct_user"
    with admin.connect() as conn:
        conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        conn.execute(text(f"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{secret}'"))
    try:
        with pg.fresh_database(migrated=False) as url:
            base = database_url(url)
            encoded = base.set(username=role, password=secret).render_as_string(hide_password=False)
            assert "%40" in encoded and "%25" in encoded
            plain = "postgresql://" + encoded.split("://", 1)[1]
            assert migrate.upgrade(make_engine(plain)) is True
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()


def test_an_unreachable_server_is_one_line_without_the_password(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgres://u:hunter%402@127.0.0.1:9/x?connect_timeout=2")
    assert main(["status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("paperbot: error: the database cannot be used right now:")
    assert err.count("\n") == 1 and "hunter" not in err and "SELECT" not in err
    assert main(["-v", "status"]) == 1  # verbose: still no password in any log line
    assert "hunter" not in caplog.text + capsys.readouterr().err


@pytest.mark.parametrize("platform", ["DYNO", "RENDER", "RAILWAY_ENVIRONMENT", "FLY_APP_NAME"])
def test_the_default_sqlite_file_is_refused_on_an_ephemeral_platform(
    platform: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("PERSISTENT_DISK", raising=False)
    monkeypatch.setenv(platform, "1")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "set DATABASE_URL" in err
    assert not (tmp_path / "paperbot.db").exists()
    monkeypatch.setenv("PERSISTENT_DISK", "true")  # a mounted volume: allowed
    assert main(["status"]) == 0
    assert (tmp_path / "paperbot.db").exists()


def test_only_the_default_file_on_a_known_platform_is_refused() -> None:
    default = Settings.model_fields["database_url"].default
    refuse_ephemeral_sqlite(default, default_url=default, persistent_disk=False, environ={})
    elsewhere = "postgresql://h/x"
    refuse_ephemeral_sqlite(elsewhere, default_url=default, persistent_disk=False, environ={"DYNO": "1"})


def test_a_read_only_database_is_one_line_without_sql(
    env: Settings, listing_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["db", "upgrade"]) == 0
    parsed = database_url(env.database_url)
    if parsed.get_backend_name() == "sqlite":
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///file:{parsed.database}?mode=ro&uri=true")
    else:
        admin = make_engine(env.database_url).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{parsed.database}" SET default_transaction_read_only = on'))
        admin.dispose()
    capsys.readouterr()
    assert main(["ingest", "--file", str(listing_path), "--date", "2025-06-03"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("paperbot: error: ") and "internal" not in err, err
    assert ("readonly" in err or "read-only" in err) and err.count("\n") == 1
    assert "VALUES" not in err and "abstract" not in err and "[SQL" not in err


def test_an_integrity_error_is_described_without_its_parameters(app: App) -> None:
    table = AnnouncementDay.__table__  # type: ignore[attr-defined]
    with pytest.raises(IntegrityError) as caught, app.engine.begin() as conn:
        for _ in range(2):
            conn.execute(table.insert(), {"day": dt.date(2025, 6, 3), "categories": []})
    line = dberrors.describe(caught.value)
    assert line.startswith("the database refused a change (")
    assert "\n" not in line and "INSERT" not in line and "2025-06-03" not in line.split("(", 1)[0]


def test_a_failing_statement_never_carries_its_parameters_into_a_traceback(app: App) -> None:
    """Unexpected errors are logged with their traceback; the values bound to the statement (a
    Slack install's token, a user's text) must not be in it."""
    secret = "xoxb-not-for-logs-42"
    with pytest.raises(Exception) as caught, app.engine.connect() as conn:
        conn.execute(text("SELECT * FROM no_such_table WHERE token = :token"), {"token": secret})
    assert "no_such_table" in str(caught.value)
    assert secret not in str(caught.value) and secret not in repr(caught.value)
