"""No token, key or password in anything paperbot writes: the real CLI against the fake Telegram."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import MASK, RedactingFilter, Redactor
from bot.settings import Settings
from tests.fakes.telegram_server import FakeTelegram

TOKEN = "7123456789:AAHq3vXyZ_0123456789abcdefghijKLMNOpq"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN) as fake:
        yield fake


def _paperbot(env: Settings, token: str, base_url: str, *args: str) -> subprocess.Popen[str]:
    environ = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    environ |= {"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_BASE_URL": base_url, "PYTHONPATH": str(ROOT)}
    environ |= {"DATABASE_URL": env.database_url}  # the test's own database, SQLite or PostgreSQL
    code = "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=tempfile.gettempdir(),
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_verbose_run_never_prints_the_bot_token(env: Settings, telegram: FakeTelegram) -> None:
    process = _paperbot(env, TOKEN, telegram.base_url, "-v", "run", "--role", "worker")
    deadline = time.monotonic() + 60
    while len(telegram.sent("getUpdates")) < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    try:
        _, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    assert len(telegram.sent("getUpdates")) >= 3, err[-2000:]
    assert "getUpdates" in err  # httpx did log the Bot API URLs, with the token masked
    assert f"/bot{MASK}/getUpdates" in err
    assert TOKEN not in err and TOKEN.split(":")[1] not in err


def test_a_rejected_token_is_not_echoed(env: Settings, telegram: FakeTelegram) -> None:
    wrong = "7123456789:AAHwrongwrongwrongwrongwrongwrong0000"
    process = _paperbot(env, wrong, telegram.base_url, "run", "--role", "worker")
    deadline = time.monotonic() + 60  # the refused start is reported, then retried in the background
    while not telegram.unauthorized and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    try:
        out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    assert err.strip(), "the rejected token must be reported"
    assert wrong not in err + out and wrong.split(":")[1] not in err + out


def test_upstream_error_bodies_and_urls_are_masked_in_log_records(caplog: pytest.LogCaptureFixture) -> None:
    redactor = Redactor(["hunter2-database"])
    text = (
        'upstream said {"error": "invalid key sk-proj-abcdefghijklmnop1234"} for xoxb-1234-5678-abcdef '
        "and xapp-1-A0B1-2345 via postgresql://bot:hunter2-database@db/paperbot Bearer abc.def.ghi.jkl"
    )
    masked = redactor(text)
    for secret in (
        "sk-proj-abcdefghijklmnop1234",
        "xoxb-1234-5678-abcdef",
        "xapp-1-A0B1-2345",
        "hunter2",
        "abc.def",
    ):
        assert secret not in masked
    logger = logging.getLogger("paperbot.test.secrets")
    handler = caplog.handler
    handler.addFilter(RedactingFilter())
    try:
        try:
            raise RuntimeError(f"InvalidToken: {TOKEN}")
        except RuntimeError:
            logger.error("upstream answered %s", f"key={TOKEN}", exc_info=True)
    finally:
        handler.removeFilter(handler.filters[-1])
    assert TOKEN not in caplog.text and MASK in caplog.text
