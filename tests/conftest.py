"""Shared fixtures: a temp database, the app built by the real composition root,
the fake arXiv server, and the small real listing in tests/fixtures.

The database is a fresh SQLite file per test, or, with a PostgreSQL URL in
`PAPERBOT_TEST_DATABASE_URL`, a fresh PostgreSQL database per test (see tests/pg.py).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.compose import App, build_app
from bot.settings import Settings
from tests import pg
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.telegram_server import FakeTelegram

if TYPE_CHECKING:
    from bot.telegram.adapter import TelegramAdapter

FIXTURES = Path(__file__).parent / "fixtures"
DAY = dt.date(2025, 6, 3)


@pytest.fixture
def listing_path() -> Path:
    return FIXTURES / "day-2025-06-03.jsonl"


@pytest.fixture
def records(listing_path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in listing_path.read_text().splitlines()]


@pytest.fixture
def fake_arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        yield server


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if pg.SERVER_URL:
        skip = pytest.mark.skip(reason="needs SQLite itself; PAPERBOT_TEST_DATABASE_URL is PostgreSQL")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database for this test."""
    if not pg.SERVER_URL:
        yield f"sqlite:///{tmp_path / 'paperbot.db'}"
        return
    with pg.fresh_database() as url:
        yield url


@pytest.fixture
def settings(database_url: str, fake_arxiv: FakeArxiv) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        arxiv_rss_url=f"{fake_arxiv.base}/rss/",
        arxiv_api_url=f"{fake_arxiv.base}/api/query",
        arxiv_delay_seconds=0,
        arxiv_timeout_seconds=5,
        arxiv_retries=2,
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[App]:
    built = build_app(settings)
    yield built
    built.engine.dispose()


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The same settings as environment variables, for the CLI."""
    for key, value in settings.model_dump().items():
        if value is None or hasattr(value, "get_secret_value"):
            continue
        monkeypatch.setenv(key.upper(), json.dumps(value) if isinstance(value, dict | list) else str(value))
    return settings


@pytest.fixture(autouse=True)
def _no_proxy_from_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk to loopback fakes only: a caller's proxy variables (which slack_sdk reads
    and applies even to 127.0.0.1) must not change what they do."""
    for key in list(os.environ):
        if key.lower() in {"https_proxy", "http_proxy", "all_proxy", "no_proxy"}:
            monkeypatch.delenv(key)


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    """A loopback Bot API; a test module may override it (e.g. with a rate limit)."""
    with FakeTelegram() as server:
        yield server


@pytest.fixture
async def telegram(app: App, fake_telegram: FakeTelegram) -> AsyncIterator[TelegramAdapter]:
    """The Telegram adapter as the delivery worker uses it: sending only, no polling."""
    from bot.telegram.adapter import TelegramAdapter

    adapter = TelegramAdapter(core=app.commands, token=fake_telegram.token, base_url=fake_telegram.base_url,
                              receive=False)  # fmt: skip
    await adapter.start()
    yield adapter
    await adapter.stop()
