"""Proxy variables, as on many university and company machines: the product's Slack client
honours NO_PROXY, and the suite passes whatever proxy the caller has set."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.compose import App
from bot.slack.adapter import SlackAdapter
from bot.slack.proxy import proxy_for
from core.deliver.sender import Progress
from core.digest.model import Digest
from core.models import DigestStatus
from tests.conftest import DAY
from tests.fakes.slack_server import FakeSlack

ROOT = Path(__file__).resolve().parents[1]
DEAD_PROXY = "http://127.0.0.1:9"  # nothing listens on the discard port: a used proxy fails
PROXY_ENV = {"HTTPS_PROXY": DEAD_PROXY, "HTTP_PROXY": DEAD_PROXY, "NO_PROXY": "localhost,127.0.0.1,::1"}


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


def test_proxy_for_follows_no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in PROXY_ENV.items():
        monkeypatch.setenv(key, value)
    assert proxy_for("http://127.0.0.1:8123/api/") is None
    assert proxy_for("http://localhost/api/") is None
    assert proxy_for("https://slack.com/api/") == DEAD_PROXY  # the outside world still goes through it
    monkeypatch.delenv("NO_PROXY")
    assert proxy_for("http://127.0.0.1:8123/api/") == DEAD_PROXY


async def test_the_slack_client_reaches_a_no_proxy_host(
    app: App, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in PROXY_ENV.items():
        monkeypatch.setenv(key, value)
    adapter = SlackAdapter(core=app.commands, signing_secret="signing-secret", base_url=fake_slack.base_url,
                           token="xoxb-T1", receive=False)  # fmt: skip
    identity = SlackAdapter.user_identity("T1", "U7")
    await adapter.deliver(identity, Digest(day=DAY, user="u", status=DigestStatus.QUIET), Progress())
    (sent,) = fake_slack.of("chat.postMessage")
    assert sent.token == "xoxb-T1"


def test_the_suite_passes_with_the_callers_proxy_variables(tmp_path: Path) -> None:
    """A Slack test, run as a caller with proxy variables would run it."""
    environ = os.environ | PROXY_ENV | {"PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_slack.py"]
    argv += ["-k", "oauth"]
    done = subprocess.run(argv, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-1500:]
    assert " passed" in done.stdout and "failed" not in done.stdout


def test_no_proxy_variable_reaches_a_test() -> None:
    leaked = [k for k in os.environ if k.lower() in {"https_proxy", "http_proxy", "all_proxy"}]
    assert leaked == []
