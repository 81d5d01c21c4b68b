"""Concurrent commands through the real Telegram adapter, one row each: what runs at the same
moment for one profile (commands, the scheduled delivery).

Invariant: no reply is "Something went wrong"; one delivery row per profile and day; a
scheduled digest's promised papers each arrive once (or the row records a final failure).
Parallel CLI ingests and digests are tests/test_concurrency.py (real processes).

To add a row: a `Race` (a name and the commands sent at once; `tick` adds the worker's
scheduled delivery to them).
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import select
from telegram import Update

from bot.compose import App
from bot.telegram.adapter import TelegramAdapter
from core.deliver.worker import DeliveryWorker
from core.models import Identity
from storage import claims, deliveries
from storage.tables import Delivery, Profile
from tests import pg
from tests.conftest import DAY
from tests.fakes.telegram_server import FakeTelegram
from tests.faults.check import at, subscribe, telegram_papers
from tests.test_telegram import message_update

CHAT = 1001


@dataclass
class Race:
    name: str
    commands: tuple[str, ...]
    tick: bool = False


RACES = [
    Race("two /digest at once", ("/digest", "/digest")),
    Race("three /digest at once", ("/digest", "/digest", "/digest")),
    Race("/digest while the scheduled digest is sent", ("/digest",), tick=True),
    Race("/top 3 and /threshold while the scheduled digest is sent", ("/top 3", "/threshold 2 2"), tick=True),
    Race("/pause while the scheduled digest is sent", ("/pause",), tick=True),
    Race("/digest and /top 2 at once", ("/digest", "/top 2")),
]


@pytest.fixture
async def bot(app: App, fake_telegram: FakeTelegram, listing_path: Path) -> TelegramAdapter:
    app.ingestor.ingest_file(listing_path, day=DAY)
    adapter = TelegramAdapter(core=app.commands, token=fake_telegram.token, base_url=fake_telegram.base_url,
                              receive=False)  # fmt: skip
    await adapter.start()
    yield adapter  # type: ignore[misc]
    await adapter.stop()


@pytest.mark.parametrize("race", RACES, ids=[r.name for r in RACES])
async def test_a_race_keeps_the_invariant(
    app: App, fake_telegram: FakeTelegram, bot: TelegramAdapter, race: Race
) -> None:
    subscribe(app, Identity("telegram", str(CHAT)))
    before = len(fake_telegram.sent())
    worker = DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"telegram": bot},
                            clock=lambda: at(DAY))  # fmt: skip

    async def command(text: str) -> None:
        await bot.app.process_update(Update.de_json(message_update(CHAT, text), bot.app.bot))

    runs = [command(c) for c in race.commands] + ([worker.tick()] if race.tick else [])
    await asyncio.gather(*runs)
    if race.tick:  # a profile a command held locked is skipped (SKIP LOCKED) and goes at the next tick
        await worker.tick()
    replies = [m["text"] for m in fake_telegram.sent()[before:]]
    assert not [r for r in replies if "Something went wrong" in r], replies
    with app.sessions() as session:
        rows = list(session.exec(select(Delivery)))
    paused_first = race.commands == ("/pause",) and not rows  # the pause won: nothing was due
    assert paused_first or (len(rows) == 1 and rows[0].digest_date == DAY), rows
    if race.tick and rows:
        got = telegram_papers(fake_telegram, bot).get(str(CHAT), Counter())
        row = rows[0]
        assert row.state in ("sent", "failed"), row
        if row.state == "failed":
            assert row.next_attempt_at is None and row.error
        else:
            assert row.paper_ids and set(row.paper_ids) <= set(got), "every promised paper arrived"
        digests = sum(c == "/digest" for c in race.commands)
        assert set(got) <= set(row.paper_ids) or digests, "nothing unpromised"
        assert all(n <= 1 + digests for n in got.values()), f"a paper more often than asked: {got}"


@pytest.mark.skipif(not pg.SERVER_URL, reason="PostgreSQL's row locks (SQLite has one writer)")
def test_a_claim_and_a_digest_command_for_one_profile_never_deadlock(app: App) -> None:
    """Found by the '/digest while the scheduled digest is sent' row on PostgreSQL (1 in 6): the
    worker locked the profile FOR UPDATE, /digest's delivery insert waited on it for its foreign
    key check, then the worker's insert waited on /digest's row: a deadlock, the tick failed.
    Here the /digest insert is made to land exactly between the worker's lock and its insert."""
    subscribe(app, Identity("telegram", str(CHAT)))
    with app.sessions() as session:
        (profile_id,) = session.exec(select(Profile.id)).all()
    errors: list[BaseException] = []

    def digest_command() -> None:
        try:
            with app.sessions() as session, session.begin():
                deliveries.record_sent(
                    session, profile_id=int(profile_id or 0), day=DAY, paper_ids=["2506.00001"]
                )
        except BaseException as exc:
            errors.append(exc)

    command = threading.Thread(target=digest_command)

    def between(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "SKIP LOCKED" in statement and "FROM profile" in statement and not command.is_alive():
            command.start()
            command.join(0.5)  # done, or waiting on the worker's lock

    event.listen(app.engine, "after_cursor_execute", between)
    try:
        with app.sessions() as session, session.begin():
            ids = [int(profile_id or 0)]
            claims.claim_new_many(session, profile_ids=ids, day=DAY, owner="w", now=at(DAY), seconds=60)
    finally:
        event.remove(app.engine, "after_cursor_execute", between)
        command.join(10)
    assert not errors, errors
    with app.sessions() as session:
        rows = list(session.exec(select(Delivery)))
    assert [(r.state, r.paper_ids) for r in rows] == [("sent", ["2506.00001"])]


async def test_a_workspace_posts_other_digests_while_one_pauses_between_its_messages(
    app: App, listing_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by bench/chaos.py: a Slack digest held one of its workspace's 4 send slots through
    the one-second pause between its messages, so 1,000 users of one workspace took ~275 s
    with the workspace idle most of the time. With one slot: the other digest's first message
    goes out in that pause."""
    from bot.slack.adapter import SlackAdapter
    from tests.fakes.slack_server import FakeSlack

    monkeypatch.setattr("bot.slack.send.CHANNEL_INTERVAL", 0.3)
    monkeypatch.setattr("bot.slack.adapter.SENDS_PER_WORKSPACE", 1)
    app.ingestor.ingest_file(listing_path, day=DAY)
    for user in ("U1", "U2"):
        subscribe(app, Identity("slack", user, workspace="T1", kind="user"))
    with FakeSlack() as slack:
        adapter = SlackAdapter(core=app.commands, signing_secret="signing-secret", base_url=slack.base_url,
                               token="xoxb-T1-concurrency", receive=False)  # fmt: skip
        await adapter.start()
        worker = DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"slack": adapter},
                                clock=lambda: at(DAY))  # fmt: skip
        report = await worker.tick()
        channels = [str(c.args["channel"]) for c in slack.of("chat.postMessage")]
    assert report.sent == 2 and len(channels) >= 4, channels  # two digests of two messages or more
    assert channels[0] != channels[1], f"one digest held the workspace through its pause: {channels}"
