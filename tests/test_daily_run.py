"""One whole day end to end: the fake arXiv publishes, the scheduler ingests (retrying until
the new day shows), scores with the fake OpenAI, and the tick delivers to a Telegram user in
Berlin and a Slack user in Los Angeles at their own local times."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlmodel import select

from bot.compose import build_app, delivery_worker
from bot.compose import scheduler as schedule
from bot.settings import Settings
from bot.slack.adapter import SlackAdapter
from bot.telegram.adapter import TelegramAdapter
from core.commands.core import Caller
from core.models import Identity
from storage.tables import Delivery, Score
from tests.fakes.arxiv_server import FakeArxiv, Scripted, rss_feed
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack
from tests.fakes.telegram_server import FakeTelegram

DAY = dt.date(2025, 6, 3)
UTC = dt.UTC


def publish(fake: FakeArxiv, records: list[dict[str, Any]]) -> None:
    """The feed first still shows the previous day, then the new one."""
    old = [(r, "new", 1) for r in records[20:25]]
    new = [(r, "new", 1) for r in records[:20]]
    fake.rss = [Scripted(200, rss_feed(DAY - dt.timedelta(days=1), old)), Scripted(200, rss_feed(DAY, new))]
    for record, _kind, version in old + new:
        fake.papers[record["id"]] = (record, version)


async def test_a_day_from_publication_to_every_users_local_morning(
    settings: Settings, fake_arxiv: FakeArxiv, listing_path: Path, tmp_path: Path
) -> None:
    records = [json.loads(line) for line in listing_path.read_text().splitlines()]
    publish(fake_arxiv, records)
    with FakeOpenAI() as openai, FakeTelegram() as telegram_api, FakeSlack() as slack_api:
        app = build_app(settings.model_copy(update={
            "openai_api_key": SecretStr("sk-test"), "openai_base_url": openai.base_url,
            "llm_prefilter_share": 1.0, "llm_timeout_seconds": 5,
        }))  # fmt: skip
        telegram = TelegramAdapter(
            core=app.commands, token=telegram_api.token, base_url=telegram_api.base_url,
            receive=False,
        )  # fmt: skip
        slack = SlackAdapter(
            core=app.commands, signing_secret="s", base_url=slack_api.base_url, token="xoxb-T1", receive=False
        )
        await telegram.start()
        for identity, zone, time in [
            (Identity(platform="telegram", platform_id="501"), "Europe/Berlin", "08:00"),
            (Identity(platform="slack", platform_id="U2", workspace="T1"), "America/Los_Angeles", "07:30"),
        ]:
            for command in ("/start", "/topics set mixture of experts; sparse models", "/threshold 1 1",
                            f"/tz {zone}", f"/time {time}"):  # fmt: skip
                assert app.commands.handle(Caller(identity), command).ok
        now = [dt.datetime(2025, 6, 3, 0, 5, tzinfo=UTC)]  # 20:05 in New York, the evening before
        senders = {"telegram": telegram, "slack": slack}
        worker = delivery_worker(app, senders, clock=lambda: now[0])
        scheduler = schedule(app, worker, clock=lambda: now[0])
        await scheduler.lead()  # the only worker: it takes the leader lease

        await scheduler.ingest()  # the feed still shows yesterday: try again later
        assert scheduler.scheduler.get_job("ingest-retry") is not None
        assert openai.requests == []
        now[0] = dt.datetime(2025, 6, 3, 0, 15, tzinfo=UTC)
        await scheduler.ingest(attempt=1)
        calls_after_scoring = len(openai.requests)
        assert calls_after_scoring > 0  # both users share one criteria: scored once
        with app.sessions() as session:
            sources = {s.source for s in session.exec(select(Score))}
        assert sources == {"llm:gpt-6-luna"}

        for hour, minute, telegram_digests, slack_digests in [(0, 20, 0, 0), (6, 0, 1, 0), (14, 30, 1, 1)]:
            now[0] = dt.datetime(2025, 6, 3, hour, minute, tzinfo=UTC)
            await scheduler.tick()
            headers = [m for m in telegram_api.accepted if m["text"].startswith("paperbot · 2025-06-03")]
            firsts = [c for c in slack_api.of("chat.postMessage") if "thread_ts" not in c.args]
            assert (len(headers), len(firsts)) == (telegram_digests, slack_digests), (hour, minute)
        assert len(openai.requests) == calls_after_scoring  # deliveries only render
        assert firsts[0].args["channel"] == "DU2" and firsts[0].token == "xoxb-T1"
        sections = [b["text"]["text"] for c in slack_api.of("chat.postMessage") for b in c.args["blocks"]
                    if b["type"] == "section"]  # fmt: skip
        assert sections and all(re.search(r"relevance [39] · novelty 7", text) for text in sections)
        with app.sessions() as session:
            assert {(d.digest_date, d.state) for d in session.exec(select(Delivery))} == {(DAY, "sent")}
        await telegram.stop()
        app.engine.dispose()


async def batch_day(settings: Settings, fake_arxiv: FakeArxiv, listing_path: Path, *, ready: bool) -> None:
    """With LLM_BATCH_DAILY the evening run submits the day to the Batch API and polls for it
    until 15 minutes before the earliest delivery (06:00 UTC, 08:00 in Berlin)."""
    records = [json.loads(line) for line in listing_path.read_text().splitlines()]
    publish(fake_arxiv, records[:25])
    fake_arxiv.rss = fake_arxiv.rss[1:]  # the new day is out already
    with FakeOpenAI(batch_ready=ready) as openai:
        app = build_app(settings.model_copy(update={
            "openai_api_key": SecretStr("sk-test"), "openai_base_url": openai.base_url,
            "llm_prefilter_share": 1.0, "llm_timeout_seconds": 5, "embeddings": "off",
            "llm_batch_daily": True,
        }))  # fmt: skip
        identity = Identity(platform="telegram", platform_id="501")
        for command in ("/start", "/topics set mixture of experts; sparse models", "/tz Europe/Berlin"):
            assert app.commands.handle(Caller(identity), command).ok
        now = [dt.datetime(2025, 6, 3, 0, 5, tzinfo=UTC)]
        worker = delivery_worker(app, {}, clock=lambda: now[0])
        scheduler = schedule(app, worker, clock=lambda: now[0])
        await scheduler.lead()  # the only worker: it takes the leader lease
        await scheduler.ingest()
        job = scheduler.scheduler.get_job("batch-collect")
        assert job is not None and list(openai.batches) == ["batch_1"]
        assert openai.requests == []  # nothing asked directly yet

        now[0] = dt.datetime(2025, 6, 3, 1, 0, tzinfo=UTC)
        await scheduler.collect_batch(*job.args)  # a poll before the deadline
        assert (scheduler.scheduler.get_job("batch-collect") is None) == ready
        if not ready:
            assert openai.batches["batch_1"]["status"] == "in_progress" and openai.requests == []
            now[0] = dt.datetime(2025, 6, 3, 5, 45, tzinfo=UTC)  # the deadline
            await scheduler.collect_batch(*job.args)
            assert scheduler.scheduler.get_job("batch-collect") is None
        with app.sessions() as session:
            scores = list(session.exec(select(Score)))
        assert len(scores) == 20 and {s.source for s in scores} == {"llm:gpt-6-luna"}
        submitted = openai.files[openai.batches["batch_1"]["input_file_id"]].decode().splitlines()
        assert len(submitted) == 1  # one criteria, 20 papers: one request
        # every request was answered once: by the batch when it was ready, else directly
        assert len(openai.requests) == len(submitted)
        assert openai.batches["batch_1"]["status"] == ("completed" if ready else "cancelled")
        app.engine.dispose()


async def test_the_batch_api_scores_the_day_before_anyone_is_due(
    settings: Settings, fake_arxiv: FakeArxiv, listing_path: Path
) -> None:
    await batch_day(settings, fake_arxiv, listing_path, ready=True)


async def test_a_late_batch_is_cancelled_and_the_day_scored_directly(
    settings: Settings, fake_arxiv: FakeArxiv, listing_path: Path
) -> None:
    await batch_day(settings, fake_arxiv, listing_path, ready=False)
