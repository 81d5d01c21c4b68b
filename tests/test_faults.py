# ruff: noqa: E501  (the fault table reads best one row a line)
"""The fault suite: a table of faults, each checked against one invariant.

Every row drives the real adapters and the real delivery worker against the loopback fakes
(tests/fakes) with one fault switched on, then checks `invariant`: every due user got every
promised paper exactly once, or has a recorded final failure; nothing is stored that should
not be (no profile marked unreachable for a fault of the platform itself); no secret reached
any log line. Process rows run `paperbot run` for real and check it stays up for the others
and stops within seconds of SIGTERM.

To add a fault: write a `Fault` (a name, what to switch on in the fakes before the first
tick, what to switch off after it, and which users must end with a final failure) and add it
to FAULTS. Slow rows go under @pytest.mark.slow.

The other tables are in tests/faults/: upstream answers of the fake OpenAI and arXiv
(test_upstream.py), hostile listings, feeds and chat input, property-based (test_hostile.py),
concurrent commands (test_concurrency.py), and kills of the worker (test_kills.py); the
invariant's pieces are tests/faults/check.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.compose import App
from bot.settings import Settings
from bot.slack.adapter import SlackAdapter, subject
from bot.telegram.adapter import TelegramAdapter
from core.commands.core import Caller
from core.deliver.worker import DeliveryWorker
from core.models import Identity
from storage.tables import Delivery, Profile
from tests.conftest import DAY
from tests.fakes.slack_server import FakeSlack
from tests.fakes.telegram_server import FakeTelegram
from tests.faults.check import install_redaction, subscribe, telegram_papers

UTC = dt.UTC
ROOT = Path(__file__).resolve().parents[1]
SLACK_TOKEN, SIGNING = "xoxb-T1-faults-0123456789", "signing-secret-faults-0123"
TELEGRAM_CHATS = (101, 102)
SLACK_USERS = ("U1", "U2")


@dataclass
class Fakes:
    telegram: FakeTelegram
    slack: FakeSlack
    tg: TelegramAdapter
    sl: SlackAdapter


@dataclass
class Fault:
    name: str
    on: Callable[[Fakes], None]
    off: Callable[[Fakes], None] = lambda _f: None
    final: set[str] = field(default_factory=set)  # platform ids that must end with a final failure
    unreachable: set[str] = field(default_factory=set)  # ... and be marked inactive
    retried: str = ""  # a platform whose sends must all still be failing and due for a retry


def _set(obj: object, **values: Any) -> Callable[[Fakes], None]:
    def apply(fakes: Fakes) -> None:
        target = getattr(fakes, str(obj))
        for key, value in values.items():
            setattr(target, key, value)

    return apply


def chaos(rate: float) -> Callable[[Fakes], None]:
    def apply(fakes: Fakes) -> None:
        fakes.telegram.chaos = fakes.slack.chaos = rate

    return apply


FAULTS = [
    Fault("nothing wrong", lambda f: None),
    Fault("telegram 429 flood", lambda f: f.telegram.flood.extend([1, 1])),
    Fault("telegram 500 on a third of sends", _set("telegram", chaos=0.33)),
    Fault("telegram 400 twice for one chat", lambda f: f.telegram.broken.update({101: 2})),
    Fault("telegram token refused, then fixed", _set("telegram", token="999:OTHER"), _set("telegram", token="123:TEST")),
    Fault("telegram user blocked the bot", lambda f: f.telegram.blocked.add(102), final={"102"}, unreachable={"102"}),
    Fault("slack 429 then retry", lambda f: f.slack.limit("chat.postMessage", 2)),
    Fault("slack 429/500 on a third of calls", _set("slack", chaos=0.33)),
    Fault("slack invalid_auth (one workspace), then fixed", _set("slack", valid_tokens=set()), _set("slack", valid_tokens=None)),
    Fault("slack token_revoked never fixed: retried, nobody deactivated", _set("slack", valid_tokens=set()), retried="slack"),
    Fault("slack user left", lambda f: f.slack.gone.update({"U2": "account_inactive"}), final={"U2"}, unreachable={"U2"}),
]  # fmt: skip


def identities() -> list[Identity]:
    return [Identity("telegram", str(c), display_name=f"t{c}") for c in TELEGRAM_CHATS] + [
        Identity("slack", u, workspace="T1", kind="user") for u in SLACK_USERS
    ]


@pytest.fixture
async def fakes(app: App, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Fakes]:
    monkeypatch.setattr("bot.telegram.adapter.NETWORK_BACKOFF", 0.01)
    with FakeTelegram() as telegram, FakeSlack() as slack:
        tg = TelegramAdapter(
            core=app.commands, token=telegram.token, base_url=telegram.base_url, receive=False
        )
        sl = SlackAdapter(core=app.commands, signing_secret=SIGNING, base_url=slack.base_url, token=SLACK_TOKEN,
                          receive=False)  # fmt: skip
        await tg.start()
        await sl.start()
        yield Fakes(telegram, slack, tg, sl)
        await tg.stop()


def delivered_papers(fakes: Fakes) -> dict[str, Counter[str]]:
    """Per recipient, how often each paper arrived (read from the signed vote buttons)."""
    got = telegram_papers(fakes.telegram, fakes.tg)
    for call in fakes.slack.of("chat.postMessage"):
        user = str(call.args["channel"]).removeprefix("D")
        buttons = (
            e for b in call.args.get("blocks") or [] if b.get("type") == "actions" for e in b["elements"]
        )
        votes = (fakes.sl.signer.verify(subject("T1", user), e.get("value")) for e in buttons)
        got.setdefault(user, Counter()).update(dict.fromkeys((v.paper_id for v in votes if v is not None), 1))
    return got


def invariant(app: App, fakes: Fakes, fault: Fault, logs: str, *, allow_final: bool = False) -> None:
    """Every due user got every promised paper exactly once, or has a recorded final failure;
    only recipients the platform refused for good are marked inactive; no secret in the logs."""
    got = delivered_papers(fakes)
    with app.sessions() as session:
        rows = {p.platform_id: (p, d) for p, d in session.exec(
            select(Profile, Delivery).join(Delivery, Delivery.profile_id == Profile.id))}  # fmt: skip
    assert set(rows) == {i.platform_id for i in identities()}, "every due user has a delivery row"
    for who, (profile, row) in rows.items():
        papers = got.get(who, Counter())
        if who in fault.final or (allow_final and row.state == "failed"):
            assert row.state == "failed" and row.next_attempt_at is None and row.error, (who, row)
            assert set(papers.values()) <= {1} and set(papers) <= set(row.paper_ids), "nothing twice"
        elif profile.platform == fault.retried:
            assert row.state == "failed" and row.next_attempt_at is not None, "retried within the day"
            assert not papers
        else:
            assert row.state == "sent", (who, row.state, row.error)
            assert row.paper_ids, "a sent digest promised papers"
            assert papers == Counter(dict.fromkeys(row.paper_ids, 1)), f"{who}: each promised paper once"
        assert profile.active == (who not in fault.unreachable), f"{who}: active only if not refused for good"
    for secret in (SLACK_TOKEN, SIGNING, "123:TEST"):
        assert secret not in logs


async def run_day(app: App, fakes: Fakes, fault: Fault, listing_path: Path) -> None:
    app.ingestor.ingest_file(listing_path, day=DAY)
    for identity in identities():
        subscribe(app, identity)
    now = [dt.datetime.combine(DAY, dt.time(8, 0), tzinfo=UTC)]
    worker = DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"telegram": fakes.tg,
                            "slack": fakes.sl}, clock=lambda: now[0], retry_after=dt.timedelta(minutes=1),
                            max_attempts=4)  # fmt: skip
    fault.on(fakes)
    await worker.tick()
    fault.off(fakes)
    for _ in range(8):  # later ticks, an hour of retries
        now[0] += dt.timedelta(minutes=16)
        await worker.tick()


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
async def test_fault_keeps_the_invariant(
    app: App, fakes: Fakes, fault: Fault, listing_path: Path, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    caplog.set_level(logging.INFO)
    install_redaction(monkeypatch, [SLACK_TOKEN, SIGNING, fakes.telegram.token])
    await run_day(app, fakes, fault, listing_path)
    invariant(app, fakes, fault, caplog.text)


async def test_a_refused_slack_token_marks_the_adapter_failing_until_it_works_again(
    app: App, fakes: Fakes, listing_path: Path
) -> None:
    fakes.slack.valid_tokens = set()
    app.ingestor.ingest_file(listing_path, day=DAY)
    for identity in identities():
        subscribe(app, identity)
    now = [dt.datetime.combine(DAY, dt.time(8, 0), tzinfo=UTC)]
    worker = DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"slack": fakes.sl},
                            clock=lambda: now[0], retry_after=dt.timedelta(minutes=1))  # fmt: skip
    await worker.tick()
    assert fakes.sl.health.state == "failing" and "invalid_auth" in fakes.sl.health.detail
    fakes.slack.valid_tokens = None
    now[0] += dt.timedelta(minutes=2)
    report = await worker.tick()
    assert report.sent == len(SLACK_USERS) and fakes.sl.health.state == "up"


@pytest.mark.slow
@hypothesis_settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(rate=st.floats(0.0, 0.5), seed=st.integers(0, 2**16))
def test_any_mix_of_429_and_500_keeps_the_invariant(rate: float, seed: int, tmp_path_factory: Any) -> None:
    """Property: whatever share and order of 429/500 answers both platforms give, the invariant holds."""
    import asyncio
    import random

    from bot.compose import build_app
    from tests.fakes.arxiv_server import FakeArxiv

    folder = tmp_path_factory.mktemp("prop")
    listing = Path(__file__).parent / "fixtures" / "day-2025-06-03.jsonl"
    with FakeArxiv() as arxiv:
        app = build_app(Settings(_env_file=None, database_url=f"sqlite:///{folder}/p.db",  # type: ignore[call-arg]
                                 arxiv_rss_url=f"{arxiv.base}/rss/", arxiv_api_url=f"{arxiv.base}/api/query"))  # fmt: skip

        async def scenario() -> None:
            with FakeTelegram() as telegram, FakeSlack() as slack:
                telegram.rng, slack.rng = random.Random(seed), random.Random(seed + 1)
                tg = TelegramAdapter(core=app.commands, token=telegram.token, base_url=telegram.base_url,
                                     receive=False)  # fmt: skip
                sl = SlackAdapter(core=app.commands, signing_secret=SIGNING, base_url=slack.base_url,
                                  token=SLACK_TOKEN, receive=False)  # fmt: skip
                await tg.start()
                fakes = Fakes(telegram, slack, tg, sl)
                fault = Fault(f"chaos {rate:.2f}", chaos(rate))
                await run_day(app, fakes, fault, listing)
                await tg.stop()
                invariant(app, fakes, fault, "", allow_final=True)

        import bot.telegram.adapter as telegram_adapter

        backoff, telegram_adapter.NETWORK_BACKOFF = telegram_adapter.NETWORK_BACKOFF, 0.01
        try:
            asyncio.run(scenario())
        finally:
            telegram_adapter.NETWORK_BACKOFF = backoff
            app.engine.dispose()


# --- the process: one platform failing or hanging never stops the others, nor SIGTERM ---------


@pytest.fixture
def blackhole() -> Iterator[str]:
    """A TCP port that accepts connections and never answers: a start that hangs on it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"ws://127.0.0.1:{listener.getsockname()[1]}/link"
    listener.close()


@pytest.mark.parametrize("slack_fault", ["invalid_auth", pytest.param("hung", marks=pytest.mark.slow)])
def test_a_failing_platform_never_stops_the_others_and_sigterm_stops_the_process(
    settings: Settings, listing_path: Path, tmp_path: Path, slack_fault: str, blackhole: str
) -> None:
    from bot.compose import build_app
    from core.status import service_lines

    yesterday = dt.datetime.now(UTC).date() - dt.timedelta(days=1)  # due at 00:00 UTC today
    app = build_app(settings)
    app.ingestor.ingest_file(listing_path, day=yesterday)
    caller = Caller(Identity("telegram", "101", display_name="t101"))
    for command in (
        "/start",
        "/topics set sparse autoencoders, interpretability",
        "/threshold 1 1",
        "/time 00:00",
    ):
        assert app.commands.handle(caller, command).ok
    with FakeTelegram() as telegram, FakeSlack() as slack:
        slack.socket_url = blackhole if slack_fault == "hung" else ""  # "": apps.connections.open refuses
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")} | {
            "DATABASE_URL": settings.database_url, "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_BASE_URL": telegram.base_url, "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING, "SLACK_APP_TOKEN": "xapp-1-A1-faults-0123456789",
            "SLACK_API_BASE_URL": slack.base_url, "ARXIV_RSS_URL": settings.arxiv_rss_url,
            "ARXIV_API_URL": settings.arxiv_api_url, "ARXIV_DELAY_SECONDS": "0", "ARXIV_RETRIES": "0",
            "START_RETRY_SECONDS": "0.5", "HEALTH_REFRESH_SECONDS": "0.5", "PYTHONPATH": str(ROOT),
        }  # fmt: skip
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "-v", "run", "--role", "worker"], env=env,
                                   cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not any(m["chat"]["id"] == 101 for m in telegram.accepted):
                assert time.monotonic() < deadline and process.poll() is None, "Telegram got no digest"
                time.sleep(0.05)
            expected = "invalid_auth" if slack_fault == "invalid_auth" else "starting"
            while True:  # what `paperbot status` shows, from another process (written within 0.5 s)
                with app.sessions() as session:
                    lines = "\n".join(service_lines(session))
                telegram_line = next((line for line in lines.splitlines() if "telegram (" in line), "")
                slack_line = next((line for line in lines.splitlines() if "slack (" in line), "")
                if ("connected" in telegram_line and expected in slack_line) or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            assert "telegram (worker@" in lines and "connected" in telegram_line, lines
            assert "scheduler (worker@" in lines, lines
            assert expected in slack_line, lines
            sent = time.monotonic()
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=15)
            took = time.monotonic() - sent
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert took < 5.0, f"SIGTERM took {took:.1f} s: {err[-6000:]}"
    for secret in (SLACK_TOKEN, SIGNING, telegram.token, "xapp-1-A1-faults-0123456789"):
        assert secret not in err
    if slack_fault == "invalid_auth":
        assert (
            "slack could not start: PlatformDown: Slack refused the app token (Socket Mode) (invalid_auth)"
            in err
        )
        assert "Failed to connect" not in err  # slack_sdk's own retry loop never ran
    with app.sessions() as session:
        after = "\n".join(service_lines(session))
    assert "stopped" in after, after
    app.engine.dispose()


# --- a second worker ------------------------------------------------------------------------


async def test_a_second_worker_mid_fan_out_sends_nothing_twice(
    app: App, fakes: Fakes, listing_path: Path
) -> None:
    import asyncio

    app.ingestor.ingest_file(listing_path, day=DAY)
    chats = list(range(201, 231))
    for chat in chats:
        subscribe(app, Identity("telegram", str(chat)))
    now = dt.datetime.combine(DAY, dt.time(8, 0), tzinfo=UTC)

    def worker() -> DeliveryWorker:
        return DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"telegram": fakes.tg},
                              clock=lambda: now)  # fmt: skip

    first = asyncio.create_task(worker().tick())
    while len(fakes.telegram.accepted) < 5:
        await asyncio.sleep(0.01)
    second = worker()
    await asyncio.to_thread(second.recover)  # an overlapping deploy starts while the first sends
    await asyncio.gather(first, second.tick())
    per_chat = Counter(m["chat"]["id"] for m in fakes.telegram.accepted if m["text"].startswith("paperbot ·"))
    assert set(per_chat) == set(chats) and set(per_chat.values()) == {1}


def test_the_retry_rule_for_each_kind_of_failure() -> None:
    """Refused for good: final at once. Transient: backs off, final after max_attempts. The
    platform refusing the bot itself: every 15 minutes at most, until the day is over."""
    from core.deliver.retry import next_attempt
    from core.deliver.sender import PlatformDown, Unreachable

    now = dt.datetime.combine(DAY, dt.time(8, 0), tzinfo=UTC)
    rule = {"max_attempts": 4, "backoff": dt.timedelta(minutes=2), "day": DAY}
    assert next_attempt(Unreachable("blocked"), attempts=1, now=now, **rule) is None  # type: ignore[arg-type]
    assert next_attempt(RuntimeError("500"), attempts=2, now=now, **rule) == now + dt.timedelta(minutes=4)  # type: ignore[arg-type]
    assert next_attempt(RuntimeError("500"), attempts=4, now=now, **rule) is None  # type: ignore[arg-type]
    down = PlatformDown("invalid_auth")
    assert next_attempt(down, attempts=40, now=now, **rule) == now + dt.timedelta(minutes=15)  # type: ignore[arg-type]
    day_over = dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time(11, 50), tzinfo=UTC)
    assert next_attempt(down, attempts=90, now=day_over, **rule) is None  # type: ignore[arg-type]


async def test_with_oauth_installs_a_refused_workspace_token_means_that_workspace_uninstalled(
    app: App, listing_path: Path
) -> None:
    from slack_sdk.oauth.installation_store import Installation

    from bot.slack.installs import OAuthConfig
    from core.deliver.sender import Progress, Unreachable
    from core.digest.model import Digest

    with FakeSlack() as slack:
        adapter = SlackAdapter(core=app.commands, signing_secret=SIGNING, base_url=slack.base_url,
                               oauth=OAuthConfig("cid", "csecret", app.engine), receive=False)  # fmt: skip
        assert adapter.installations is not None
        await adapter.installations.async_save(Installation(app_id="A1", team_id="T2", bot_token="xoxb-T2-gone",
                                               bot_id="B1", bot_user_id="UBOT", user_id="UINSTALLER"))  # fmt: skip
        slack.valid_tokens = set()  # the workspace removed the app: its token is revoked
        with pytest.raises(Unreachable, match="invalid_auth"):
            await adapter.deliver(SlackAdapter.user_identity("T2", "U7"),
                                  Digest(day=DAY, user="u", status="quiet"), Progress())  # fmt: skip
        assert adapter.health.state != "failing"  # one workspace gone is not Slack failing
