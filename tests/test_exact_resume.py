"""A resumed delivery sends exactly the papers it promised and no accepted message carried,
whatever the user changed in between (issue 14 item 2), and records only what was sent."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.compose import App
from bot.slack.adapter import SlackAdapter
from bot.telegram.adapter import TelegramAdapter
from core.commands.core import Caller
from core.deliver.sender import Progress, parse_entry
from core.deliver.worker import DeliveryWorker
from core.digest.model import Digest
from core.models import Direction, Identity, Vote
from storage import claims, profiles
from storage.tables import Delivery
from tests.conftest import DAY
from tests.fakes.slack_server import FakeSlack
from tests.fakes.telegram_server import FakeTelegram

CHAT = 11
DUE = dt.datetime.combine(DAY, dt.time(6, 0), tzinfo=dt.UTC)  # 08:00 in Berlin
CALLER = Caller(Identity(platform="telegram", platform_id=str(CHAT), display_name="reader"))


class Killed(BaseException):
    """The worker process dying: no handler runs, nothing more is written."""


def command(app: App, text: str) -> None:
    reply = app.commands.handle(CALLER, text)
    assert reply.ok, reply.text


def vote_down_the_rest(app: App, promised: list[str]) -> None:
    for paper in promised[5:]:
        assert app.commands.rate(CALLER, Vote(paper, Direction.DOWN)).ok


CHANGES: dict[str, Callable[[App, list[str]], None]] = {
    "top": lambda app, _p: command(app, "/top 5"),
    "threshold": lambda app, _p: command(app, "/threshold 10 10"),
    "keywords": lambda app, _p: command(app, "/keywords +tokamak -learning"),
    "categories": lambda app, _p: command(app, "/categories cs.SD"),
    "topics": lambda app, _p: command(app, "/topics set plasma physics"),
    "votes": vote_down_the_rest,
}


def papers_of(message: dict[str, Any]) -> list[str]:
    """The papers a message Telegram accepted carried (its signed 👍 buttons name them)."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    ups = [b["callback_data"] for row in rows for b in row if b["callback_data"].startswith("+")]
    return [data[1:].partition("|")[0] for data in ups]


def the_row(app: App) -> Delivery:
    with app.sessions() as session:
        (row,) = session.exec(select(Delivery))
        return row


@pytest.mark.parametrize("change", list(CHANGES))
async def test_a_resume_sends_exactly_the_promised_papers_not_yet_accepted(
    app: App, telegram: TelegramAdapter, fake_telegram: FakeTelegram, listing_path: Path, change: str
) -> None:
    app.ingestor.ingest_file(listing_path, day=DAY)
    for text in ("/start", "/topics set sparse autoencoders, interpretability", "/threshold 1 1", "/top 30",
                 "/tz Europe/Berlin", "/time 08:00"):  # fmt: skip
        command(app, text)
    now = [DUE]
    first = DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"telegram": telegram},
                           clock=lambda: now[0], owner="first")  # fmt: skip
    original = first._write

    def die_after_first_message(work):  # type: ignore[no-untyped-def]
        done = original(work)
        if fake_telegram.accepted and the_row(app).message_ids:
            raise Killed  # right after journalling the first message: the process is gone
        return done

    first._write = die_after_first_message  # type: ignore[method-assign]
    with pytest.raises(Killed):
        await first.tick()
    promised = the_row(app).paper_ids
    assert len(promised) == 30 and len(fake_telegram.accepted) == 1
    before = papers_of(fake_telegram.accepted[0])
    assert 0 < len(before) < 30  # the kill landed inside the digest

    CHANGES[change](app, promised)

    now[0] = DUE + dt.timedelta(minutes=2)  # the dead worker's lease has lapsed
    second = DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"telegram": telegram},
                            clock=lambda: now[0], owner="second")  # fmt: skip
    assert second.recover() == 1
    report = await second.tick()
    assert report.sent == 1

    sent = Counter(p for message in fake_telegram.accepted for p in papers_of(message))
    assert set(sent) == set(promised) and set(sent.values()) == {1}, "each promised paper exactly once"
    row = the_row(app)
    assert row.state == "sent" and sorted(row.paper_ids) == sorted(promised)
    journalled = [parse_entry(e) for e in row.message_ids]
    assert [int(m) for m, _ in journalled] == [m["message_id"] for m in fake_telegram.accepted]
    assert [papers for _, papers in journalled] == [papers_of(m) for m in fake_telegram.accepted]
    headers = [m for m in fake_telegram.accepted if m["text"].startswith("paperbot ·")]
    assert len(headers) == 1, "the continuation does not repeat the digest's header"


async def test_only_papers_a_message_carried_are_recorded_as_sent(
    app: App, telegram: TelegramAdapter, fake_telegram: FakeTelegram, listing_path: Path
) -> None:
    """A promised paper that cannot be rebuilt (gone from the day) is not recorded as sent."""
    app.ingestor.ingest_file(listing_path, day=DAY)
    for text in ("/start", "/topics set sparse autoencoders", "/threshold 1 1", "/top 30", "/time 06:00"):
        command(app, text)
    worker = DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"telegram": telegram},
                            clock=lambda: DUE, owner="w")  # fmt: skip
    with app.sessions() as session, session.begin():  # an earlier attempt promised a paper no day has
        profile = profiles.find(session, CALLER.identity)
        assert profile is not None
        claim = claims.claim_new(session, profile_id=profile.id, day=DAY, owner="dead", now=DUE, seconds=-1)
        assert claim is not None
        row = session.get(Delivery, claim.id)
        assert row is not None
        row.paper_ids = ["2506.99999", *[r["id"] for r in _listing(listing_path)[:3]]]
    await worker.tick()
    row = the_row(app)
    sent = Counter(p for message in fake_telegram.accepted for p in papers_of(message))
    assert row.state == "sent" and set(row.paper_ids) == set(sent) and "2506.99999" not in row.paper_ids
    assert set(sent.values()) == {1} and len(sent) == 3


def _listing(path: Path) -> list[dict[str, Any]]:
    import json

    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_slack_messages_name_the_papers_they_carry(app: App, listing_path: Path) -> None:
    """The Slack adapter journals each accepted message with its papers, like Telegram."""
    app.ingestor.ingest_file(listing_path, day=DAY)
    command(app, "/start")
    with FakeSlack() as fake:
        adapter = SlackAdapter(core=app.commands, signing_secret="s", base_url=fake.base_url, token="xoxb-1",
                               receive=False)  # fmt: skip
        with app.sessions() as session:
            profile = profiles.find(session, CALLER.identity)
            assert profile is not None
            digest: Digest = app.builder.build(session, profile, DAY, ranked_all=True)
        recorded: list[tuple[str, list[str]]] = []

        async def record(message_id: str, papers: Any) -> None:
            recorded.append((message_id, list(papers)))

        identity = SlackAdapter.channel_identity("T1", "C1")
        await adapter.deliver(identity, digest, Progress(record=record))
    carried = [p for _, papers in recorded for p in papers]
    assert len(recorded) >= 2 and carried == [e.paper.id for e in digest.entries]


class Carrying:
    """A platform that accepts one message per digest carrying the papers `keep` lets through."""

    def __init__(self, keep: Callable[[list[str]], list[str]]) -> None:
        self.keep, self.carried = keep, Counter[str]()

    async def deliver(self, identity: Identity, digest: Digest, progress: Progress) -> None:
        ids = self.keep([e.paper.id for e in digest.entries])
        self.carried.update(ids)
        await progress.accepted(f"m{len(self.carried)}", ids)


async def test_a_promised_paper_no_message_carried_is_retried_not_recorded_as_sent(
    app: App, listing_path: Path
) -> None:
    app.ingestor.ingest_file(listing_path, day=DAY)
    for text in ("/start", "/topics set sparse autoencoders", "/threshold 1 1", "/time 06:00"):
        command(app, text)
    dropping = Carrying(lambda ids: ids[:-1])  # a platform that silently lost the last paper
    worker = DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"telegram": dropping},
                            clock=lambda: DUE, owner="w")  # fmt: skip
    await worker.tick()
    row = the_row(app)
    promised = list(row.paper_ids)
    assert len(promised) >= 2 and row.state == "failed" and row.next_attempt_at is not None, row
    honest = Carrying(lambda ids: ids)
    worker.senders = {"telegram": honest}
    worker.clock = lambda: DUE + dt.timedelta(minutes=30)
    await worker.tick()
    row = the_row(app)
    assert row.state == "sent" and row.paper_ids == promised
    assert honest.carried == Counter({promised[-1]: 1}), "the retry sends just the dropped paper"
