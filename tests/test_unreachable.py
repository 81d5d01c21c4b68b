"""A recipient the platform refuses for good is marked once, by delivery, on every platform:
the adapters only raise `Unreachable` (they hold no database session), the worker records a
final failure and marks the profile inactive, and /start brings it back."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import select

from bot.compose import App
from bot.slack.adapter import SlackAdapter
from bot.telegram.adapter import TelegramAdapter
from core.commands.core import Caller
from core.deliver.sender import Sender
from core.deliver.worker import DeliveryWorker
from core.models import Identity
from storage.tables import Delivery, Profile
from tests.conftest import DAY
from tests.fakes.slack_server import FakeSlack
from tests.fakes.telegram_server import FakeTelegram

BLOCKED, REACHABLE = 7001, 7002


@dataclass
class Platform:
    name: str
    sender: Sender
    gone: Identity  # refused for good by the platform
    fine: Identity  # another recipient on the same platform, served as usual


@pytest.fixture(params=["telegram: blocked the bot", "slack: account_inactive", "slack: channel_not_found"])
async def platform(request: pytest.FixtureRequest, app: App) -> AsyncIterator[Platform]:
    case: str = request.param
    if case.startswith("telegram"):
        with FakeTelegram() as fake:
            fake.blocked.add(BLOCKED)
            telegram = TelegramAdapter(
                core=app.commands, token=fake.token, base_url=fake.base_url, receive=False
            )
            await telegram.start()
            yield Platform(
                "telegram", telegram, Identity("telegram", str(BLOCKED)), Identity("telegram", str(REACHABLE))
            )
            await telegram.stop()
        return
    with FakeSlack() as fake:
        if case.endswith("account_inactive"):  # a user who left: their DM cannot be opened
            gone = Identity("slack", "UGONE", workspace="T1", kind="user")
            fake.gone["UGONE"] = "account_inactive"
        else:  # a channel that was deleted
            gone = Identity("slack", "CGONE", workspace="T1", kind="channel")
            fake.gone["CGONE"] = "channel_not_found"
        slack = SlackAdapter(
            core=app.commands, signing_secret="s", base_url=fake.base_url, token="xoxb-T1", receive=False
        )
        yield Platform("slack", slack, gone, Identity("slack", "UFINE", workspace="T1"))


def subscribe(app: App, identity: Identity) -> None:
    for command in ("/start", "/topics set sparse autoencoders, interpretability", "/threshold 1 1",
                    "/tz UTC", "/time 08:00"):  # fmt: skip
        reply = app.commands.handle(Caller(identity), command)
        assert reply.ok, reply.text


def profile(app: App, identity: Identity) -> Profile:
    with app.sessions() as session:
        query = select(Profile).where(
            Profile.platform == identity.platform,
            Profile.workspace == identity.workspace,
            Profile.platform_id == identity.platform_id,
        )
        found = session.exec(query).one()
        session.expunge(found)
        return found


def delivery_of(app: App, profile_id: int | None) -> Delivery:
    with app.sessions() as session:
        return session.exec(select(Delivery).where(Delivery.profile_id == profile_id)).one()


async def test_an_unreachable_recipient_is_marked_inactive_by_delivery_until_start(
    app: App, platform: Platform, listing_path: Path
) -> None:
    target = platform
    app.ingestor.ingest_file(listing_path, day=DAY)
    subscribe(app, target.gone)
    subscribe(app, target.fine)
    now = [dt.datetime.combine(DAY, dt.time(8, 0), tzinfo=dt.UTC)]
    worker = DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={target.name: target.sender},
                            clock=lambda: now[0], retry_after=dt.timedelta(minutes=1))  # fmt: skip

    report = await worker.tick()
    gone, fine = profile(app, target.gone), profile(app, target.fine)
    assert (report.sent, report.failed) == (1, 1)
    assert report.outcomes[gone.id or 0].startswith("failed: Unreachable")
    assert not gone.active and fine.active
    failed = delivery_of(app, gone.id)
    assert failed.state == "failed" and failed.next_attempt_at is None  # final: no retry
    assert delivery_of(app, fine.id).state == "sent"

    now[0] += dt.timedelta(hours=2)  # later ticks leave the inactive profile alone
    assert (await worker.tick()).outcomes == {}
    assert not profile(app, target.gone).active

    assert app.commands.handle(Caller(target.gone), "/start").ok  # they come back
    assert profile(app, target.gone).active
