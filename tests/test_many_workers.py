"""Several `paperbot run --role worker` processes on one PostgreSQL database (issue 13 item 4,
issue 14 item 3): one leader ingests and sends Telegram, a standby takes over when it is
killed, a worker started mid fan-out takes nothing a live worker holds, and every user gets
exactly one digest."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.compose import App, build_app
from bot.settings import Settings
from core.commands.core import Caller
from core.deliver.due import ARXIV_ZONE, published_at
from core.models import Identity
from storage import lease
from storage.tables import Delivery
from tests import pg
from tests.fakes.arxiv_server import FakeArxiv, Scripted, rss_feed
from tests.fakes.telegram_server import FakeTelegram

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not pg.SERVER_URL, reason="several workers share PostgreSQL: set PAPERBOT_TEST_DATABASE_URL"
    ),
]
CHATS = list(range(201, 241))
LIMIT = 30  # Telegram's overall flood limit, enforced by the fake


def current_day(now: dt.datetime) -> dt.date:
    """The newest announcement arXiv has published by `now` (weekdays; no holidays here)."""
    day = now.astimezone(ARXIV_ZONE).date() + dt.timedelta(days=1)
    while day.weekday() >= 5 or published_at(day) > now:
        day -= dt.timedelta(days=1)
    return day


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        server.overall_limit = LIMIT
        yield server


@pytest.fixture
def world(settings: Settings, fake_arxiv: FakeArxiv, listing_path: Path) -> Iterator[App]:
    """Today's announcement on the fake arXiv, not yet ingested; 40 Telegram readers due now."""
    day = current_day(dt.datetime.now(dt.UTC))
    records = [json.loads(line) for line in listing_path.read_text().splitlines()]
    fake_arxiv.rss = [Scripted(200, rss_feed(day, [(r, "new", 1) for r in records]))]
    for record in records:
        fake_arxiv.papers[record["id"]] = (record, 1)
    app = build_app(settings)
    due = published_at(day).strftime("%H:%M")  # in UTC: due the moment the day came out
    for chat in CHATS:
        caller = Caller(Identity(platform="telegram", platform_id=str(chat), display_name=f"u{chat}"))
        for command in ("/start", "/topics set sparse autoencoders, interpretability", "/threshold 1 1",
                        "/top 30", f"/time {due}"):  # fmt: skip
            assert app.commands.handle(caller, command).ok
    yield app
    app.engine.dispose()


def worker(settings: Settings, fake: FakeTelegram, tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "TELEGRAM_BOT_TOKEN": fake.token,
           "TELEGRAM_API_BASE_URL": fake.base_url, "ARXIV_RSS_URL": settings.arxiv_rss_url,
           "ARXIV_API_URL": settings.arxiv_api_url, "ARXIV_DELAY_SECONDS": "3", "ARXIV_RETRIES": "0",
           "WORKER_LEASE_SECONDS": "3", "WORKER_RENEW_SECONDS": "1",
           "DELIVERY_TICK_SECONDS": "1"}  # fmt: skip
    log = (tmp_path / f"{name}.log").open("wb")
    command = [sys.executable, "-m", "bot.cli", "run", "--role", "worker"]
    return subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)


def stop(*processes: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM what still runs and wait for it: the tests then judge each exit code."""
    for process in processes:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def wait_until(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def rows(app: App) -> list[Delivery]:
    with app.sessions() as session:
        return list(session.exec(select(Delivery)))


def leader(app: App) -> str | None:
    with app.sessions() as session:
        return lease.holder(session, "scheduler", now=dt.datetime.now(dt.UTC))


def pid_of(owner: str | None) -> int | None:
    return None if owner is None else int(owner.split(":")[1])


def headers(fake: FakeTelegram) -> Counter[int]:
    return Counter(m["chat"]["id"] for m in fake.accepted if m["text"].startswith("paperbot ·"))


def assert_everyone_once(app: App, fake: FakeTelegram, fake_arxiv: FakeArxiv) -> None:
    wait_until(lambda: len(headers(fake)) == len(CHATS) and all(r.state == "sent" for r in rows(app)))
    assert set(headers(fake)) == set(CHATS) and set(headers(fake).values()) == {1}, "one digest each"
    texts = Counter((m["chat"]["id"], m["text"]) for m in fake.accepted)
    assert set(texts.values()) == {1}, "no message of any digest was sent twice"
    assert not [r for r in fake.rejected if "Too Many Requests" in r[1]], "the flood limit held"
    assert len([p for p, _ in fake_arxiv.requests if p.startswith("/rss/")]) == 1, "one ingest"


def test_killing_the_leader_mid_fan_out_hands_over_to_the_standby(
    settings: Settings, world: App, fake_telegram: FakeTelegram, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    fake_telegram.hold_after = 25  # then sends hang until released: the kill lands mid fan-out
    first = worker(settings, fake_telegram, tmp_path, "first")
    second: subprocess.Popen[bytes] | None = None
    try:
        wait_until(lambda: pid_of(leader(world)) == first.pid)
        second = worker(settings, fake_telegram, tmp_path, "second")
        wait_until(
            lambda: len(fake_telegram.accepted) == 25 and sum(len(r.message_ids) for r in rows(world)) == 25
        )
        assert pid_of(leader(world)) == first.pid, "the standby waits while the leader renews"
        first.send_signal(signal.SIGKILL)
        first.wait()
        fake_telegram.hold_after = None
        fake_telegram.released.set()
        assert 5 <= len(headers(fake_telegram)) < len(CHATS), "the kill landed in the middle of the fan-out"
        wait_until(lambda: pid_of(leader(world)) == second.pid, seconds=30)
        assert_everyone_once(world, fake_telegram, fake_arxiv)
    finally:
        stop(first, second)
    assert second is not None and second.returncode == 0
    assert leader(world) is None, "a clean stop releases the leader lease at once"


def test_a_worker_started_mid_fan_out_takes_nothing_a_live_worker_holds(
    settings: Settings, world: App, fake_telegram: FakeTelegram, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    fake_telegram.hold_after = 20
    first = worker(settings, fake_telegram, tmp_path, "first")
    second: subprocess.Popen[bytes] | None = None
    try:
        wait_until(lambda: len(fake_telegram.accepted) == 20)
        held = {r.id: r.owner for r in rows(world) if r.state == "pending"}
        assert held and {pid_of(o) for o in held.values()} == {first.pid}
        second = worker(settings, fake_telegram, tmp_path, "second")  # an overlapping deploy
        time.sleep(5)  # longer than a lease: the first worker's heartbeats keep its rows
        still = {r.id: (r.state, r.owner) for r in rows(world) if r.id in held}
        assert all(state in {"pending", "sent"} and pid_of(owner) in {first.pid, None}
                   for state, owner in still.values()), still  # fmt: skip
        fake_telegram.hold_after = None
        fake_telegram.released.set()
        assert_everyone_once(world, fake_telegram, fake_arxiv)
    finally:
        stop(first, second)
    assert first.returncode == 0 and second is not None and second.returncode == 0
