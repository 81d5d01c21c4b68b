"""arXiv unreachable at start-up is expected: the catch-up job says so in one warning line,
with what happens next, and no traceback."""

from __future__ import annotations

import logging
import socket

import pytest

from bot import compose
from bot.settings import Settings


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_unreachable_arxiv_at_start_up_is_one_warning_line(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}"
    app = compose.build_app(
        settings.model_copy(update={"arxiv_rss_url": f"{dead}/rss/", "arxiv_api_url": f"{dead}/api/query"})
    )
    scheduler = compose.scheduler(app, compose.delivery_worker(app, {}))
    scheduler.leader = True  # the only worker leads (taking the lease is tested elsewhere)
    with caplog.at_level(logging.INFO):
        await scheduler.catch_up()
    app.engine.dispose()
    loud = [r for r in caplog.records if r.name == "bot.scheduler" and r.levelno >= logging.WARNING]
    assert [r.levelname for r in loud] == ["WARNING"], [r.getMessage() for r in loud]
    assert "catch-up ingest failed" in loud[0].getMessage()
    assert "the evening ingest will try again" in loud[0].getMessage()
    assert all(r.exc_info is None and not r.exc_text for r in caplog.records)
