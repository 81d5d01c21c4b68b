"""Storage primitives for several workers: the leader lease and delivery claims with owners,
on the test database (SQLite, or PostgreSQL with PAPERBOT_TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlmodel import select

from bot.compose import App
from core.models import Identity
from storage import claims, lease
from storage.profiles import create
from storage.tables import Delivery

T0 = dt.datetime(2025, 6, 4, 12, 0, tzinfo=dt.UTC)
DAY = dt.date(2025, 6, 3)


def _acquire(app: App, owner: str, now: dt.datetime, seconds: float = 60) -> bool:
    with app.sessions() as session, session.begin():
        return lease.acquire(session, "scheduler", owner=owner, now=now, seconds=seconds)


def test_one_leader_until_its_lease_expires_then_a_standby_takes_over(app: App) -> None:
    assert _acquire(app, "a", T0)
    assert not _acquire(app, "b", T0 + dt.timedelta(seconds=30))
    assert _acquire(app, "a", T0 + dt.timedelta(seconds=50))  # renewed: runs to 50 + 60 s
    assert not _acquire(app, "b", T0 + dt.timedelta(seconds=100))
    assert _acquire(app, "b", T0 + dt.timedelta(seconds=111))  # a stopped renewing
    assert not _acquire(app, "a", T0 + dt.timedelta(seconds=112))  # and cannot take it back
    with app.sessions() as session:
        assert lease.holder(session, "scheduler", now=T0 + dt.timedelta(seconds=112)) == "b"
    with app.sessions() as session, session.begin():
        lease.release(session, "scheduler", owner="b")
    assert _acquire(app, "a", T0 + dt.timedelta(seconds=113))  # a clean stop hands over at once


def test_workers_racing_for_the_lease_elect_exactly_one(app: App) -> None:
    start = threading.Barrier(6)

    def contend(owner: str) -> bool:
        start.wait()
        return _acquire(app, owner, T0)

    with ThreadPoolExecutor(6) as pool:
        won = list(pool.map(contend, [f"w{i}" for i in range(6)]))
    assert won.count(True) == 1
    with app.sessions() as session:
        assert lease.holder(session, "scheduler", now=T0) == f"w{won.index(True)}"


def _profiles(app: App, count: int) -> list[int]:
    with app.sessions() as session, session.begin():
        made = [create(session, Identity("console", f"u{i}"), categories=["cs.LG"]) for i in range(count)]
        return [p.id for p in made if p.id is not None]


def test_a_new_claim_has_an_owner_and_only_one_worker_gets_it(app: App) -> None:
    (pid,) = _profiles(app, 1)
    with app.sessions() as session, session.begin():
        first = claims.claim_new(session, profile_id=pid, day=DAY, owner="a", now=T0, seconds=60)
        again = claims.claim_new(session, profile_id=pid, day=DAY, owner="b", now=T0, seconds=60)
    assert first is not None and first.attempts == 1 and again is None
    with app.sessions() as session:
        row = session.exec(select(Delivery)).one()
        assert (row.owner, row.state, row.lease_until) == ("a", "pending", T0 + dt.timedelta(seconds=60))


def _failed_rows(app: App, count: int) -> list[int]:
    ids = []
    with app.sessions() as session, session.begin():
        for pid in _profiles(app, count):
            claim = claims.claim_new(session, profile_id=pid, day=DAY, owner="old", now=T0, seconds=60)
            assert claim is not None
            assert claims.fail(session, claim.id, owner="old", error="429", retry_at=T0)
            ids.append(claim.id)
    return ids


def test_workers_claiming_at_once_take_disjoint_rows_and_together_all(app: App) -> None:
    ids = _failed_rows(app, 30)
    start = threading.Barrier(3)

    def work(owner: str) -> list[int]:
        start.wait()
        taken: list[int] = []
        while True:
            with app.sessions() as session, session.begin():
                batch = claims.claim_due(session, owner=owner, now=T0, seconds=60, limit=4)
            if not batch:
                return taken
            taken += [c.id for c in batch]

    with ThreadPoolExecutor(3) as pool:
        shares = list(pool.map(work, ["a", "b", "c"]))
    everything = [i for share in shares for i in share]
    assert sorted(everything) == sorted(ids)  # each row once, none missed
    with app.sessions() as session:
        owned = claims.owners(session, ids)
    assert all(owned[i] == owner for owner, share in zip("abc", shares, strict=True) for i in share)


def test_a_locked_row_is_skipped_not_waited_for(app: App) -> None:
    ids = _failed_rows(app, 4)
    with app.sessions() as first, first.begin():
        held = claims.claim_due(first, owner="a", now=T0, seconds=60, limit=2)
        if app.engine.dialect.name == "postgresql":  # SKIP LOCKED: b takes the others at once
            with app.sessions() as second, second.begin():
                other = claims.claim_due(second, owner="b", now=T0, seconds=60, limit=10)
            assert sorted(c.id for c in held + other) == sorted(ids)
    assert len(held) == 2


def test_recovery_takes_over_only_rows_whose_owner_stopped_renewing(app: App) -> None:
    alive, dead = _profiles(app, 2)
    with app.sessions() as session, session.begin():
        for pid, owner in ((alive, "alive"), (dead, "dead")):
            assert claims.claim_new(session, profile_id=pid, day=DAY, owner=owner, now=T0, seconds=60)
    later = T0 + dt.timedelta(seconds=50)
    with app.sessions() as session, session.begin():
        assert claims.heartbeat(session, owner="alive", now=later, seconds=60) == 1
    with app.sessions() as session, session.begin():  # a second worker starting up mid fan-out
        assert claims.recover_expired(session, now=T0 + dt.timedelta(seconds=30)) == 0
        assert claims.recover_expired(session, now=T0 + dt.timedelta(seconds=61)) == 1
    with app.sessions() as session, session.begin():
        rows = {r.profile_id: r for r in session.exec(select(Delivery))}
        assert (rows[alive].state, rows[alive].owner) == ("pending", "alive")
        assert (rows[dead].state, rows[dead].owner) == ("pending", None)  # taking it over spends no retry
        ended = rows[dead].lease_until
        assert ended is not None and ended.replace(tzinfo=dt.UTC) <= T0 + dt.timedelta(seconds=61)
        taken = claims.claim_due(session, owner="alive", now=T0 + dt.timedelta(seconds=62), seconds=60)
    assert [c.profile_id for c in taken] == [dead] and taken[0].attempts == 1  # a kill spends no retry
    with app.sessions() as session:
        assert claims.still_owned(session, taken[0].id, owner="alive")
        assert not claims.still_owned(session, taken[0].id, owner="dead")


# --- the delivery worker on these primitives ------------------------------------------------


def _slack_readers(app: App, count: int) -> list[Identity]:
    from core.commands.core import Caller

    readers = [Identity("slack", f"U{i}", workspace=f"T{i % 3}") for i in range(count)]
    for who in readers:
        for command in ("/start", "/topics set sparse autoencoders", "/threshold 1 1", "/time 06:00"):
            assert app.commands.handle(Caller(who), command).ok
    return readers


async def test_two_workers_share_one_fan_out_and_send_each_digest_once(app: App, listing_path: Path) -> None:
    from bot.slack.adapter import SlackAdapter
    from core.deliver.worker import DeliveryWorker
    from tests.fakes.slack_server import FakeSlack

    app.ingestor.ingest_file(listing_path, day=DAY)
    readers = _slack_readers(app, 30)
    due = dt.datetime.combine(DAY, dt.time(6, 0), tzinfo=dt.UTC)
    with FakeSlack() as fake:
        slack = SlackAdapter(core=app.commands, signing_secret="s", base_url=fake.base_url, token="xoxb-1",
                             receive=False)  # fmt: skip
        workers = [DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"slack": slack},
                                  clock=lambda: due, owner=name, concurrency=3) for name in "ab"]  # fmt: skip
        reports = await asyncio.gather(*(w.tick() for w in workers))
        firsts = Counter(c.args["channel"] for c in fake.of("chat.postMessage") if "thread_ts" not in c.args)
    a, b = (set(r.outcomes) for r in reports)
    assert not a & b and len(a | b) == 30 and a and b, "disjoint shares that together are everyone"
    assert set(firsts) == {f"D{r.platform_id}" for r in readers} and set(firsts.values()) == {1}
    assert all(r.state == "sent" and r.owner is None for r in _rows(app))


async def test_only_the_leader_sends_telegram(app: App, listing_path: Path) -> None:
    """Telegram's flood limit is per bot token: one process paces it; the others leave it."""
    from bot.telegram.adapter import TelegramAdapter
    from core.commands.core import Caller
    from core.deliver.worker import DeliveryWorker
    from tests.fakes.telegram_server import FakeTelegram

    app.ingestor.ingest_file(listing_path, day=DAY)
    reader = Identity("telegram", "77")
    for command in ("/start", "/topics set sparse autoencoders", "/threshold 1 1", "/time 06:00"):
        assert app.commands.handle(Caller(reader), command).ok
    due = dt.datetime.combine(DAY, dt.time(6, 0), tzinfo=dt.UTC)
    with FakeTelegram() as fake:
        telegram = TelegramAdapter(core=app.commands, token=fake.token, base_url=fake.base_url, receive=False)
        await telegram.start()
        worker = DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"telegram": telegram},
                                clock=lambda: due, owner="w")  # fmt: skip
        standby = await worker.tick(leader=False)
        assert standby.outcomes == {} and fake.accepted == [] and _rows(app) == []
        leading = await worker.tick(leader=True)
        await telegram.stop()
    assert leading.sent == 1 and fake.accepted


def _rows(app: App) -> list[Delivery]:
    with app.sessions() as session:
        return list(session.exec(select(Delivery)))
