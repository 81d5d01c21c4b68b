"""The delivery worker: who is due when (time zones, DST), exactly-once claims, failures
and retries, days without news — with the real Telegram adapter against the fake Bot API."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select

from bot.compose import App
from bot.settings import Settings
from bot.telegram.adapter import TelegramAdapter
from core.commands.core import Caller
from core.deliver.due import due_at, published_at
from core.deliver.worker import DeliveryWorker
from core.models import Identity, Profile
from storage.tables import AnnouncementDay, Delivery
from tests.conftest import DAY
from tests.fakes.telegram_server import FakeTelegram

UTC = dt.UTC
BERLIN, TOKYO, NEW_YORK, LOS_ANGELES = 11, 12, 13, 14


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC)


def view(zone: str, time: str) -> Profile:
    return Profile(id=1, name="u", criteria="x", keywords_require=[], keywords_exclude=[], authors=[],
                       categories=[], top_n=10, min_relevance=1, min_novelty=1, timezone=zone,
                       delivery_time=time, paused=False)  # fmt: skip


def test_publication_is_the_evening_before_in_new_york_across_us_dst() -> None:
    assert published_at(dt.date(2025, 6, 3)) == dt.datetime(2025, 6, 3, 0, 0, tzinfo=UTC)  # EDT
    assert published_at(dt.date(2025, 1, 7)) == dt.datetime(2025, 1, 7, 1, 0, tzinfo=UTC)  # EST
    # US clocks sprang forward on Sunday 2025-03-09: Thursday's evening was EST, Sunday's EDT
    assert published_at(dt.date(2025, 3, 7)) == dt.datetime(2025, 3, 7, 1, 0, tzinfo=UTC)
    assert published_at(dt.date(2025, 3, 10)) == dt.datetime(2025, 3, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "time", "day", "expected_utc"),
    [
        ("Europe/Berlin", "08:00", dt.date(2025, 6, 3), dt.datetime(2025, 6, 3, 6, 0)),
        ("Asia/Tokyo", "08:00", dt.date(2025, 6, 3), dt.datetime(2025, 6, 3, 23, 0)),  # its 08:00 came first
        ("America/New_York", "21:00", dt.date(2025, 6, 3), dt.datetime(2025, 6, 3, 1, 0)),  # the same evening
        ("America/Los_Angeles", "07:30", dt.date(2025, 6, 3), dt.datetime(2025, 6, 3, 14, 30)),
        # Europe moved its clocks on 2025-03-30: 08:00 in Berlin is 07:00 UTC before, 06:00 after
        ("Europe/Berlin", "08:00", dt.date(2025, 3, 28), dt.datetime(2025, 3, 28, 7, 0)),
        ("Europe/Berlin", "08:00", dt.date(2025, 3, 31), dt.datetime(2025, 3, 31, 6, 0)),
        # 02:30 does not exist in Berlin on 2025-03-30; zoneinfo moves it forward to 03:30 (01:30 UTC)
        ("Europe/Berlin", "02:30", dt.date(2025, 3, 30), dt.datetime(2025, 3, 30, 1, 30)),
    ],
)
def test_due_in_the_users_own_time_zone(
    zone: str, time: str, day: dt.date, expected_utc: dt.datetime
) -> None:
    assert due_at(view(zone, time), day) == expected_utc.replace(tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = at(0)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def worker(app: App, telegram: TelegramAdapter, clock: Clock, listing_path: Path) -> DeliveryWorker:
    app.ingestor.ingest_file(listing_path, day=DAY)
    return DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"telegram": telegram},
                          clock=clock, retry_after=dt.timedelta(minutes=5), max_attempts=3)  # fmt: skip


def user(app: App, chat: int, *commands: str) -> None:
    caller = Caller(Identity(platform="telegram", platform_id=str(chat), display_name=f"u{chat}"))
    for command in (
        "/start",
        "/topics set sparse autoencoders, interpretability",
        "/threshold 1 1",
        *commands,
    ):
        reply = app.commands.handle(caller, command)
        assert reply.ok, reply.text


def headers(fake: FakeTelegram) -> Counter[int]:
    """Digests received per chat (each digest's first message carries the 'paperbot · day' header)."""
    return Counter(m["chat"]["id"] for m in fake.accepted if m["text"].startswith("paperbot ·"))


def deliveries(app: App) -> dict[int, Delivery]:
    with app.sessions() as session:
        return {int(d.profile_id): d for d in session.exec(select(Delivery))}


async def test_each_user_gets_the_digest_once_at_their_local_time(
    app: App, worker: DeliveryWorker, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    user(app, BERLIN, "/tz Europe/Berlin", "/time 08:00")
    user(app, TOKYO, "/tz Asia/Tokyo", "/time 08:00")
    user(app, NEW_YORK, "/tz America/New_York", "/time 21:00")
    user(app, LOS_ANGELES, "/tz America/Los_Angeles", "/time 07:30")
    expected = [
        (at(0, 30), set()),
        (at(1, 0), {NEW_YORK}),
        (at(6, 0), {NEW_YORK, BERLIN}),
        (at(6, 1), {NEW_YORK, BERLIN}),  # ticking again sends nothing twice
        (at(14, 30), {NEW_YORK, BERLIN, LOS_ANGELES}),
        (at(23, 0), {NEW_YORK, BERLIN, LOS_ANGELES, TOKYO}),
    ]
    for now, chats in expected:
        clock.now = now
        await worker.tick()
        await worker.tick()
        assert set(headers(fake_telegram)) == chats, now
    assert set(headers(fake_telegram).values()) == {1}
    rows = deliveries(app)
    assert {r.state for r in rows.values()} == {"sent"} and all(
        r.paper_ids and r.message_ids for r in rows.values()
    )
    assert sum(len(r.message_ids) for r in rows.values()) == len(fake_telegram.accepted)


async def test_a_changed_time_after_delivery_sends_nothing_more_and_paused_users_get_nothing(
    app: App, worker: DeliveryWorker, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    user(app, BERLIN, "/tz Europe/Berlin", "/time 08:00")
    user(app, TOKYO, "/tz Europe/Berlin", "/time 08:00", "/pause")
    clock.now = at(6, 0)
    await worker.tick()
    assert set(headers(fake_telegram)) == {BERLIN}
    user(app, BERLIN, "/time 22:00")
    clock.now = at(21, 0)  # 23:00 in Berlin
    await worker.tick()
    assert headers(fake_telegram) == Counter({BERLIN: 1})
    assert TOKYO not in {d for d in deliveries(app)}


async def test_nothing_passing_sends_the_closest_three_and_quiet_days_send_nothing(
    app: App, worker: DeliveryWorker, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    user(app, BERLIN, "/tz Europe/Berlin", "/time 08:00", "/threshold 10 10")
    clock.now = at(6, 0)
    await worker.tick()
    (message,) = fake_telegram.sent()
    assert "Nothing passed your thresholds today" in message["text"] and message["text"].count("\n\n3. ") == 1
    with app.sessions() as session, session.begin():
        session.add(AnnouncementDay(day=DAY + dt.timedelta(days=1), status="quiet"))
    clock.now = at(12, 0, DAY + dt.timedelta(days=1))
    await worker.tick()
    assert len(fake_telegram.sent()) == 1


async def test_failures_are_retried_with_backoff_and_never_hold_up_others(
    app: App, worker: DeliveryWorker, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    for chat in (BERLIN, TOKYO, NEW_YORK):
        user(app, chat, "/tz Europe/Berlin", "/time 08:00")
    fake_telegram.blocked.add(TOKYO)
    fake_telegram.broken[NEW_YORK] = 1
    clock.now = at(6, 0)
    report = await worker.tick()
    assert (report.sent, report.failed) == (1, 2) and set(headers(fake_telegram)) == {BERLIN}
    rows = {d.profile_id: d for d in deliveries(app).values()}
    states = sorted((r.state, r.next_attempt_at is None) for r in rows.values())
    assert states == [("failed", False), ("failed", True), ("sent", True)]  # blocked: final
    clock.now = at(6, 4)  # before the 5-minute backoff
    assert (await worker.tick()).sent == 0
    clock.now = at(6, 5)
    assert (await worker.tick()).sent == 1
    assert headers(fake_telegram) == Counter({BERLIN: 1, NEW_YORK: 1})
    retried = next(r for r in deliveries(app).values() if r.attempts == 2)
    assert retried.state == "sent" and retried.error is None


async def test_a_restart_resumes_after_the_last_accepted_message(
    app: App, worker: DeliveryWorker, fake_telegram: FakeTelegram, clock: Clock
) -> None:
    user(app, BERLIN, "/tz Europe/Berlin", "/time 08:00", "/top 30")
    clock.now = at(6, 0)
    original, killed = worker._write, []

    def die_after_first_message(work):  # type: ignore[no-untyped-def]
        done = original(work)
        if len(fake_telegram.accepted) == 1 and not killed:
            killed.append(True)
            raise RuntimeError("worker killed")
        return done

    worker._write = die_after_first_message  # type: ignore[method-assign]
    await worker.tick()
    assert len(fake_telegram.accepted) == 1
    with app.sessions() as session, session.begin():  # what a killed process leaves behind
        (row,) = session.exec(select(Delivery))
        assert len(row.message_ids) == 1
        row.state, row.next_attempt_at = "pending", None
    clock.now += dt.timedelta(minutes=2)  # the dead worker's lease has lapsed
    restarted = DeliveryWorker(
        sessions=app.sessions, builder=app.builder, senders=worker.senders, clock=clock
    )
    assert restarted.recover() == 1
    await restarted.tick()
    assert headers(fake_telegram) == Counter({BERLIN: 1})  # the first message was not sent again
    (row,) = deliveries(app).values()
    assert row.state == "sent" and len(row.message_ids) == len(fake_telegram.accepted) >= 2
    assert len({m["text"] for m in fake_telegram.accepted}) == len(fake_telegram.accepted)


def test_killing_the_worker_mid_fan_out_then_restarting_sends_each_digest_once(
    settings: Settings, fake_telegram: FakeTelegram, listing_path: Path, tmp_path: Path
) -> None:
    """`paperbot run --role worker` as a real process, killed with SIGKILL after some digests."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from bot.compose import build_app

    yesterday = dt.datetime.now(UTC).date() - dt.timedelta(days=1)  # due at 00:00 UTC today
    app = build_app(settings)
    app.ingestor.ingest_file(listing_path, day=yesterday)
    chats = list(range(101, 141))
    for chat in chats:
        user(app, chat, "/time 00:00")
    app.engine.dispose()
    env = {**os.environ, "DATABASE_URL": settings.database_url, "TELEGRAM_BOT_TOKEN": fake_telegram.token,
           "TELEGRAM_API_BASE_URL": fake_telegram.base_url, "ARXIV_RSS_URL": settings.arxiv_rss_url,
           "ARXIV_API_URL": settings.arxiv_api_url, "ARXIV_DELAY_SECONDS": "0",
           "ARXIV_RETRIES": "0", "WORKER_LEASE_SECONDS": "3", "WORKER_RENEW_SECONDS": "1",
           "DELIVERY_TICK_SECONDS": "1"}  # fmt: skip  # a dead worker's leases lapse within seconds
    command = [sys.executable, "-m", "bot.cli", "run", "--role", "worker"]

    def wait_until(condition, seconds: float = 60.0) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + seconds
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.01)

    probe = build_app(settings, upgrade_schema=False)

    def recorded() -> int:
        return sum(len(d.message_ids) for d in deliveries(probe).values())

    # after 25 accepted messages the fake stops processing sends; once the worker has written
    # down all 25, it is killed with sends in flight and digests half sent
    fake_telegram.hold_after = 25
    first = subprocess.Popen(command, env=env, cwd=tmp_path, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: len(fake_telegram.accepted) == 25 and recorded() == 25)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    fake_telegram.hold_after = None
    fake_telegram.released.set()
    assert 5 <= len(headers(fake_telegram)) < len(chats), "the kill must land in the middle of the fan-out"
    second = subprocess.Popen(command, env=env, cwd=tmp_path, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: len(headers(fake_telegram)) == len(chats))
        wait_until(lambda: all(d.state == "sent" for d in deliveries(probe).values()))
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert set(headers(fake_telegram)) == set(chats) and set(headers(fake_telegram).values()) == {1}
    texts = Counter((m["chat"]["id"], m["text"]) for m in fake_telegram.accepted)
    assert set(texts.values()) == {1}, "no message of any digest was sent twice"
    probe.engine.dispose()
