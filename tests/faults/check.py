"""The one invariant every fault row is checked against, in pieces the tables share."""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from collections.abc import Iterable

import pytest
from sqlmodel import select

from bot.compose import App
from bot.telegram.adapter import TelegramAdapter
from core.commands.core import Caller
from core.models import Identity
from storage.tables import Delivery, LlmUsage, Profile, Score
from tests.fakes.telegram_server import FakeTelegram

SUBSCRIBE = ("/start", "/topics set sparse autoencoders, interpretability", "/threshold 1 1", "/tz UTC",
             "/time 08:00")  # fmt: skip


def subscribe(app: App, identity: Identity) -> None:
    for command in SUBSCRIBE:
        reply = app.commands.handle(Caller(identity), command)
        assert reply.ok, reply.text


def telegram_papers(fake: FakeTelegram, adapter: TelegramAdapter) -> dict[str, Counter[str]]:
    """Per chat, how often each paper arrived (read back from the signed vote buttons)."""
    got: dict[str, Counter[str]] = {}
    with fake.lock:
        accepted = list(fake.accepted)
    for message in accepted:
        chat = str(message["chat"]["id"])
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        votes = (adapter.signer.verify(chat, b.get("callback_data")) for row in rows for b in row)
        got.setdefault(chat, Counter()).update(dict.fromkeys((v.paper_id for v in votes if v is not None), 1))
    return got


def each_promised_paper_once(app: App, got: dict[str, Counter[str]], due: Iterable[str]) -> None:
    """Every due user got every promised paper exactly once, or has a recorded final failure
    (and then nothing twice, nothing unpromised)."""
    with app.sessions() as session:
        rows = {p.platform_id: d for p, d in session.exec(
            select(Profile, Delivery).join(Delivery, Delivery.profile_id == Profile.id))}  # fmt: skip
    for who in due:
        assert who in rows, f"{who}: a due user has a delivery row"
        row, papers = rows[who], got.get(who, Counter())
        if row.state == "failed":
            assert row.next_attempt_at is None and row.error, (who, row)
            assert set(papers.values()) <= {1} and set(papers) <= set(row.paper_ids), "nothing twice"
        else:
            assert row.state == "sent", (who, row.state, row.error)
            assert row.paper_ids, "a sent digest promised papers"
            assert papers == Counter(dict.fromkeys(row.paper_ids, 1)), f"{who}: each promised paper once"


def nothing_implausible_stored(app: App) -> None:
    """Stored LLM usage is never negative (it would raise the budget) and scores stay 1-10."""
    with app.sessions() as session:
        for usage in session.exec(select(LlmUsage)):
            counts = (usage.prompt_tokens, usage.cached_tokens, usage.completion_tokens)
            counts += (usage.reasoning_tokens,)
            assert min(counts) >= 0 and usage.cost_usd >= 0, usage
            assert usage.cached_tokens <= usage.prompt_tokens, usage
        for score in session.exec(select(Score)):
            assert 1 <= score.relevance <= 10 and 1 <= score.novelty <= 10, score


def install_redaction(monkeypatch: pytest.MonkeyPatch, secrets: Iterable[str]) -> None:
    """Logging as `paperbot` sets it up (`bot.logs.install`), on the test's own log capture, so a
    secret in the captured text means the product would have logged it; the process-wide
    stdout/stderr wrappers are undone after the test."""
    from bot import logs

    monkeypatch.setattr(sys, "stderr", sys.stderr)
    monkeypatch.setattr(sys, "stdout", sys.stdout)
    logs.install(secrets)


def no_secret(outputs: Iterable[str], secrets: Iterable[str]) -> None:
    text = "\n".join(outputs)
    for secret in secrets:
        assert secret not in text, "a secret reached an output"


def at(day: dt.date, hour: int = 8) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=dt.UTC)
