# ruff: noqa: E501  (the fault tables read best one row a line)
"""Upstream faults: what the fake OpenAI and the fake arXiv answer, one row each.

OpenAI rows run a real day: the LLM scorer against the fake OpenAI switched to one fault, the
real delivery worker and Telegram adapter against the fake Bot API. Invariant: every due user
gets every promised paper exactly once (the offline scores stand in, with a note, when the LLM
answers garbage or nothing), nothing implausible is stored (negative usage, scores outside
1-10), and the key is in no log line and no message.

arXiv rows run the live ingest twice: once with the fault, once after it cleared. Invariant:
the faulty run either stores the whole day or raises a typed SourceError and stores nothing
(never a partial day, never a quiet day on an announcement day), names no secret, and the
run after it stores the day.

To add a fault: add an `LlmFault` (a name and what to set on the fake) or an `ArxivFault`
(what the feed and the API answer first, and which outcome the first run must have).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlmodel import func, select

from bot.compose import App, build_app
from bot.settings import Settings
from bot.telegram.adapter import TelegramAdapter
from core.deliver.worker import DeliveryWorker
from core.errors import SourceError
from core.models import Identity
from storage.tables import Announcement, AnnouncementDay, LlmUsage, Paper
from tests.conftest import DAY
from tests.fakes.arxiv_server import FakeArxiv, Scripted, rss_feed
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.telegram_server import FakeTelegram
from tests.faults.check import (
    at,
    each_promised_paper_once,
    install_redaction,
    no_secret,
    nothing_implausible_stored,
    subscribe,
    telegram_papers,
)

KEY = "sk-faults-upstream-0123456789abcdef"
CHATS = ("301", "302")


@dataclass
class LlmFault:
    name: str
    fake: dict[str, Any]  # attributes set on the fake OpenAI for the whole day
    offline: bool | None = True  # the day's scores come from the offline fallback (None: some may)


LLM_FAULTS = [
    LlmFault("nothing wrong", {}, offline=False),
    LlmFault("429 on every call", {"mode": "rate_limited"}),
    LlmFault("500 on every call", {"mode": "server_error"}),
    LlmFault("500 whose body echoes the key", {"mode": "server_error", "error_message": f"bad key {KEY} (proxy)"}),
    LlmFault("200 with an empty choice", {"mode": "empty_choice"}),
    LlmFault("200 with a proxy's HTML page", {"mode": "html"}),
    LlmFault("200 with numeric content", {"mode": "numeric"}),
    LlmFault("200 with string token counts", {"mode": "string_usage"}, offline=False),
    LlmFault("200 with negative token counts", {"mode": "negative_usage"}, offline=False),
    LlmFault("200 with deeply nested JSON", {"mode": "nested"}),
    LlmFault("200 with deeply nested content", {"mode": "nested_content"}),
    LlmFault("no answer within the timeout", {"mode": "hang", "hang_seconds": 0.7}),
    LlmFault("half the calls garbage", {"garbage_rate": 0.5}, offline=None),
]  # fmt: skip


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def _llm_app(settings: Settings, base_url: str) -> App:
    values = {"openai_api_key": SecretStr(KEY), "openai_base_url": base_url, "llm_batch_size": 10,
              "llm_concurrency": 2, "llm_max_retries": 0, "llm_prefilter_share": 1.0, "llm_timeout_seconds": 0.5,
              "embeddings": "off"}  # fmt: skip
    return build_app(settings.model_copy(update=values))


SLOW_LLM = {"200 with deeply nested content", "half the calls garbage", "500 on every call"}


@pytest.mark.parametrize(
    "fault",
    [pytest.param(f, id=f.name, marks=[pytest.mark.slow] if f.name in SLOW_LLM else []) for f in LLM_FAULTS],
)
async def test_an_llm_fault_keeps_the_invariant(
    settings: Settings, listing_path: Path, fake_openai: FakeOpenAI, fake_telegram: FakeTelegram,
    fault: LlmFault, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    caplog.set_level(logging.INFO)
    install_redaction(monkeypatch, [KEY, fake_telegram.token])
    for key, value in fault.fake.items():
        setattr(fake_openai, key, value)
    app = _llm_app(settings, fake_openai.base_url)
    app.ingestor.ingest_file(listing_path, day=DAY)
    for chat in CHATS:
        subscribe(app, Identity("telegram", chat, display_name=f"t{chat}"))
    adapter = TelegramAdapter(core=app.commands, token=fake_telegram.token, base_url=fake_telegram.base_url,
                              receive=False)  # fmt: skip
    await adapter.start()
    try:
        worker = DeliveryWorker(sessions=app.sessions, builder=app.builder, senders={"telegram": adapter},
                                clock=lambda: at(DAY))  # fmt: skip
        report = await worker.tick()
    finally:
        await adapter.stop()
        app.engine.dispose()
    assert report.sent == len(CHATS), report.outcomes
    each_promised_paper_once(app, telegram_papers(fake_telegram, adapter), CHATS)
    nothing_implausible_stored(app)
    texts = [str(m.get("text", "")) for m in fake_telegram.accepted]
    no_secret([caplog.text, *texts], [KEY, fake_telegram.token])
    headers = [t for t in texts if t.startswith("paperbot ·")]
    assert len(headers) == len(CHATS)
    offline = [t for t in headers if "scored offline" in t]
    if fault.offline is not None:
        assert (len(offline) == len(CHATS)) if fault.offline else not offline, headers
    assert fake_openai.requests, "the LLM was asked"
    if not fault.offline:  # an answer was used: its usage is on record
        with app.sessions() as session:
            assert session.exec(select(func.count()).select_from(LlmUsage)).one() >= 1


# --- arXiv ------------------------------------------------------------------------------------

ANNOUNCED = dt.date(2025, 6, 4)  # a Wednesday


def _good_feed(records: list[dict[str, Any]]) -> Scripted:
    return Scripted(200, rss_feed(ANNOUNCED, [(r, "new", 1) for r in records[:5]]))


@dataclass
class ArxivFault:
    name: str
    rss: Callable[
        [list[dict[str, Any]]], list[Scripted]
    ]  # the feed's answers in the faulty run (the last repeats)
    api: list[Scripted] = field(default_factory=list)  # the API's first answers
    first: str = "error"  # the faulty run: "error" (SourceError, nothing stored) or "stored" (the day whole)


def _then_good(*first: Scripted) -> Callable[[list[dict[str, Any]]], list[Scripted]]:
    return lambda records: [*first, _good_feed(records)]


def _always(answer: Scripted) -> Callable[[list[dict[str, Any]]], list[Scripted]]:
    return lambda _records: [answer]


GARBAGE_200 = Scripted(200, b"<html><body>Service Unavailable</body></html>")
ARXIV_FAULTS = [
    ArxivFault("nothing wrong", _then_good(), first="stored"),
    ArxivFault("rss 429 Retry-After: soon, then the feed", _then_good(Scripted(429, b"slow down", {"Retry-After": "soon"})), first="stored"),
    ArxivFault("rss 429 Retry-After: soon, always", _always(Scripted(429, b"slow down", {"Retry-After": "soon"}))),
    ArxivFault("rss 500 once, then the feed", _then_good(Scripted(500, b"oops")), first="stored"),
    ArxivFault("rss 500 always", _always(Scripted(500, b"oops"))),
    ArxivFault("rss garbage 200 (HTML)", _always(GARBAGE_200)),
    ArxivFault("rss garbage 200 (truncated XML)", lambda r: [Scripted(200, _good_feed(r).body[:400])]),
    ArxivFault("rss empty on an announcement day", _always(Scripted(200, rss_feed(ANNOUNCED, [])))),
    ArxivFault("rss timeout once, then the feed", _then_good(Scripted(200, b"", delay=0.6)), first="stored"),
    ArxivFault("rss timeout always", _always(Scripted(200, b"", delay=0.6))),
    ArxivFault("api 429 Retry-After: soon", _then_good(), [Scripted(429, b"", {"Retry-After": "soon"})] * 3, first="stored"),
    ArxivFault("api 500", _then_good(), [Scripted(500, b"oops")] * 3, first="stored"),
    ArxivFault("api garbage 200 (HTML)", _then_good(), [GARBAGE_200] * 3, first="stored"),
    ArxivFault("api garbage 200 (empty feed)", _then_good(), [Scripted(200, b"<feed xmlns='http://www.w3.org/2005/Atom'></feed>")] * 3, first="stored"),
    ArxivFault("api timeout", _then_good(), [Scripted(200, b"", delay=0.6)] * 3, first="stored"),
]  # fmt: skip


def _stored(app: App) -> tuple[int, int, list[AnnouncementDay]]:
    with app.sessions() as session:
        papers = session.exec(select(func.count()).select_from(Paper)).one()
        listed = session.exec(select(func.count()).select_from(Announcement)).one()
        return int(papers), int(listed), list(session.exec(select(AnnouncementDay)))


SLOW_ARXIV = {
    "rss 500 once, then the feed",
    "api garbage 200 (empty feed)",
    "rss timeout once, then the feed",
}


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(f, id=f.name, marks=[pytest.mark.slow] if f.name in SLOW_ARXIV else [])
        for f in ARXIV_FAULTS
    ],
)
def test_an_arxiv_fault_keeps_the_invariant(
    settings: Settings, fake_arxiv: FakeArxiv, records: list[dict[str, Any]], fault: ArxivFault,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.INFO)
    app = build_app(settings.model_copy(update={"arxiv_timeout_seconds": 0.3, "arxiv_retries": 1}))
    fake_arxiv.papers = {r["id"]: (r, 1) for r in records[:5]}
    fake_arxiv.rss, fake_arxiv.api = fault.rss(records), list(fault.api)
    try:
        first = app.ingestor.ingest_live(categories=["cs.LG"], expected=ANNOUNCED)
    except SourceError as exc:
        assert fault.first == "error", f"the day was not stored: {exc}"
        assert _stored(app) == (0, 0, []), "a failed ingest stores nothing (no partial, no quiet day)"
    else:
        assert fault.first == "stored", f"expected a typed error, got {first}"
        assert (first.day, first.listed, _stored(app)[:2]) == (ANNOUNCED, 5, (5, 5))
    fake_arxiv.rss, fake_arxiv.api = [_good_feed(records)], []  # the fault cleared: the next run
    again = app.ingestor.ingest_live(categories=["cs.LG"], expected=ANNOUNCED)
    papers, listed, days = _stored(app)
    assert (again.day, papers, listed) == (ANNOUNCED, 5, 5)
    assert [(d.day, d.status) for d in days] == [(ANNOUNCED, "announced")]
    with app.sessions() as session:
        titles = {p.id: p.title for p in session.exec(select(Paper))}
    assert titles == {r["id"]: titles[r["id"]] for r in records[:5]} and all(titles.values())
    app.engine.dispose()
