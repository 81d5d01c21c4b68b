"""Kills: a worker killed mid-delivery must cost its recipients no retry, and (slow rows) the
real `paperbot run --role worker` SIGKILLed at random points of a fan-out and of a resume
keeps the invariant: every promised paper exactly once (at most one message again per kill
in flight), or a recorded final failure.

To add a row: a `KillRow` (how many kills, whether they land during a resume, a second worker).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import select

from bot.compose import App, build_app
from bot.settings import Settings
from bot.telegram.adapter import TelegramAdapter
from core.commands.core import Caller
from core.deliver.worker import DeliveryWorker
from core.models import Identity
from storage import claims
from storage.tables import Delivery
from tests.conftest import DAY
from tests.fakes.telegram_server import FakeTelegram
from tests.faults.check import at, each_promised_paper_once, subscribe, telegram_papers

ROOT = Path(__file__).resolve().parents[2]


def _row(app: App) -> Delivery:
    with app.sessions() as session:
        (row,) = session.exec(select(Delivery))
        return row


async def test_kills_in_the_middle_of_a_delivery_spend_none_of_its_retries(
    app: App, listing_path: Path, fake_telegram: FakeTelegram, telegram: TelegramAdapter
) -> None:
    """Five workers in a row die holding one delivery; the next attempt fails transiently and is
    still retried (2 attempts allowed), then sent. Counting kills as attempts made it final."""
    app.ingestor.ingest_file(listing_path, day=DAY)
    subscribe(app, Identity("telegram", "101", display_name="t101"))
    now = at(DAY)
    with app.sessions() as session, session.begin():
        profile_id = _row_profile(session)
        assert claims.claim_new(session, profile_id=profile_id, day=DAY, owner="dead-0", now=now, seconds=60)
    for k in range(1, 6):  # each worker takes it over once the lease lapsed, then dies in turn
        now += dt.timedelta(seconds=61)
        with app.sessions() as session, session.begin():
            if k % 2:  # a restart's recovery first, or the orphaned row claimed straight away
                assert claims.recover_expired(session, now=now) == 1
            assert claims.claim_due(session, owner=f"dead-{k}", now=now, seconds=60)
    now += dt.timedelta(seconds=61)
    worker = DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"telegram": telegram},
                            clock=lambda: now, max_attempts=2,
                            retry_after=dt.timedelta(minutes=1))  # fmt: skip
    assert worker.recover() == 1
    fake_telegram.broken = {101: 1}  # one transient 400 on the first send
    await worker.tick()
    row = _row(app)
    assert (row.state, row.attempts) == ("failed", 1), "an interrupted attempt is no attempt"
    assert row.next_attempt_at is not None, "retried, not final"
    now += dt.timedelta(minutes=2)
    await worker.tick()
    assert _row(app).state == "sent"
    each_promised_paper_once(app, telegram_papers(fake_telegram, telegram), ["101"])


def test_a_restarted_worker_takes_over_at_once_from_a_dead_worker_on_its_machine(app: App) -> None:
    """A supervisor restarts a killed worker: its rows and the leader role are taken over at
    once rather than after the lease (a minute); a live worker's never are."""
    from bot.scheduler import LEADER, _acquire
    from core.deliver.liveness import worker_name
    from storage import lease

    def owner_of(process: subprocess.Popen[bytes]) -> str:
        host, _pid, _nonce, namespace = worker_name().rsplit(":", 3)
        return f"{host}:{process.pid}:0a1b2c3d:{namespace}"

    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    dead, alive = subprocess.Popen(sleeper), subprocess.Popen(sleeper)
    dead.kill()
    dead.wait()
    now = at(DAY)
    for chat in ("500", "501"):
        subscribe(app, Identity("telegram", chat))
    with app.sessions() as session, session.begin():
        from storage.tables import Profile

        ids = [int(p.id or 0) for p in session.exec(select(Profile).order_by(Profile.id))]
        for pid, process in zip(ids, (dead, alive), strict=True):
            claims.claim_new(session, profile_id=pid, day=DAY, owner=owner_of(process), now=now, seconds=60)
        assert lease.acquire(session, LEADER, owner=owner_of(dead), now=now, seconds=60)
    try:
        worker = DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={}, clock=lambda: now)
        assert worker.recover() == 1, "the dead worker's row, not the live one's"
        with app.sessions() as session, session.begin():
            owners = {r.profile_id: r.owner for r in session.exec(select(Delivery))}
            assert owners == {ids[0]: None, ids[1]: owner_of(alive)}
            assert _acquire(session, worker.owner, now, 60), "the dead leader is not waited for"
            assert not _acquire(session, "another:1:x:y", now, 60)
        with app.sessions() as session, session.begin():  # a live leader is
            assert lease.acquire(session, LEADER, owner=owner_of(alive), now=now + dt.timedelta(minutes=2),
                                 seconds=60)  # fmt: skip
            assert not _acquire(session, worker.owner, now + dt.timedelta(minutes=2), 60)
    finally:
        alive.kill()
        alive.wait()


def _row_profile(session: object) -> int:
    from storage.tables import Profile

    (profile,) = session.exec(select(Profile))  # type: ignore[attr-defined]
    return int(profile.id)


# --- the real process, killed -----------------------------------------------------------------


@dataclass
class KillRow:
    name: str
    kills: int
    during_resume: bool = False  # kill right after the restarted worker resumed some digests
    second_worker: bool = False  # start a second worker mid fan-out and stop it again


KILL_ROWS = [
    KillRow("three kills at random points of the fan-out", 3),
    KillRow("kills during the resume of half-sent digests", 3, during_resume=True),
    KillRow("a kill, then a second worker started and stopped mid fan-out", 1, second_worker=True),
]


def _env(settings: Settings, telegram: FakeTelegram) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    return keep | {
        "DATABASE_URL": settings.database_url, "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_BASE_URL": telegram.base_url, "ARXIV_RSS_URL": settings.arxiv_rss_url,
        "ARXIV_API_URL": settings.arxiv_api_url, "ARXIV_DELAY_SECONDS": "0", "ARXIV_RETRIES": "0",
        "WORKER_LEASE_SECONDS": "3", "WORKER_RENEW_SECONDS": "1", "DELIVERY_TICK_SECONDS": "1",
        "DELIVERY_RETRY_MINUTES": "0.02", "PYTHONPATH": str(ROOT),
    }  # fmt: skip


def _start(env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "bot.cli", "-v", "run", "--role", "worker"]
    return subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _stop(process: subprocess.Popen[bytes]) -> tuple[float, bytes]:
    """SIGTERM; how long the process took to stop, and what it wrote on stderr."""
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    return time.monotonic() - sent, err


@pytest.mark.slow
@pytest.mark.parametrize("row", KILL_ROWS, ids=[r.name for r in KILL_ROWS])
def test_sigkill_at_random_points_keeps_the_invariant(
    settings: Settings, fake_telegram: FakeTelegram, listing_path: Path, tmp_path: Path, row: KillRow
) -> None:
    rng = random.Random(row.name)
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)  # due at 00:00 UTC today
    app = build_app(settings)
    app.ingestor.ingest_file(listing_path, day=yesterday)
    chats = [str(c) for c in range(401, 441)]
    for chat in chats:
        subscribe(app, Identity("telegram", chat))
        assert app.commands.handle(Caller(Identity("telegram", chat)), "/time 00:00").ok
    env = _env(settings, fake_telegram)
    adapter = TelegramAdapter(core=app.commands, token=fake_telegram.token, base_url=fake_telegram.base_url,
                              receive=False)  # only its signer, to read the buttons back  # fmt: skip
    worker, second, in_flight = _start(env, tmp_path), None, 0
    try:
        for k in range(row.kills):
            goal = len(fake_telegram.accepted) + rng.randint(3, 25)
            if row.during_resume and k:
                goal = len(fake_telegram.accepted) + rng.randint(1, 4)  # soon after the restart resumed
            deadline = time.monotonic() + 10  # (the fan-out may end before the goal)
            while len(fake_telegram.accepted) < goal and time.monotonic() < deadline:
                time.sleep(0.01)
            worker.kill()
            worker.wait()
            with app.sessions() as session:
                in_flight += sum(r.state == "pending" for r in session.exec(select(Delivery)))
            worker = _start(env, tmp_path)
            if row.second_worker:
                second = _start(env, tmp_path)
        if second is not None:
            time.sleep(rng.uniform(0.5, 2.0))
            took, _ = _stop(second)
            assert took < 5.0, f"SIGTERM took {took:.1f} s"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with app.sessions() as session:
                rows = list(session.exec(select(Delivery)))
            final = (r.state == "sent" or (r.state == "failed" and r.next_attempt_at is None) for r in rows)
            if len(rows) == len(chats) and all(final):
                break
            time.sleep(0.2)
        took, err = _stop(worker)
    finally:
        for process in (worker, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    assert took < 5.0, f"SIGTERM took {took:.1f} s"
    got = telegram_papers(fake_telegram, adapter)
    extra = {who: sum(n - 1 for n in c.values()) for who, c in got.items() if max(c.values()) > 1}
    assert len(extra) <= in_flight, f"papers again beyond the rows in flight at the kills: {extra}"
    try:  # everyone got every promised paper; a row in flight at a kill may repeat its last message
        each_promised_paper_once(app, {w: Counter(dict.fromkeys(c, 1)) for w, c in got.items()}, set(chats))
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nthe last worker's log:\n{err.decode()[-4000:]}") from exc
    assert fake_telegram.token.encode() not in err
    app.engine.dispose()


async def test_a_retry_due_before_the_next_tick_gets_a_tick_of_its_own(
    settings: Settings, listing_path: Path, fake_telegram: FakeTelegram
) -> None:
    """A send failing with a backoff of seconds was held up to the next tick (a minute); after
    kills and 429/500 that was most of the time to the last digest."""
    from bot import compose

    app = build_app(settings.model_copy(update={"delivery_retry_minutes": 0.05}))  # 3 s
    app.ingestor.ingest_file(listing_path, day=DAY)
    subscribe(app, Identity("telegram", "101"))
    now = [at(DAY)]
    adapter = TelegramAdapter(core=app.commands, token=fake_telegram.token, base_url=fake_telegram.base_url,
                              receive=False)  # fmt: skip
    await adapter.start()
    try:
        worker = compose.delivery_worker(app, {"telegram": adapter}, clock=lambda: now[0])
        scheduler = compose.scheduler(app, worker, clock=lambda: now[0])
        await scheduler.lead()
        fake_telegram.broken = {101: 1}
        started = dt.datetime.now(dt.UTC)
        await scheduler.tick()
        assert _row(app).state == "failed"
        job = scheduler.scheduler.get_job("retry-tick")
        assert job is not None, "no tick before the regular one"
        assert job.trigger.run_date - started < dt.timedelta(seconds=10)
        now[0] += dt.timedelta(seconds=4)
        await scheduler.tick()
        assert _row(app).state == "sent"
    finally:
        await adapter.stop()
        app.engine.dispose()
