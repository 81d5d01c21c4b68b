"""The Slack adapter: the real slack-bolt AsyncApp behind our HTTP server, signed requests in,
the real AsyncWebClient out to a fake Slack Web API that enforces Block Kit's limits."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import aiohttp
import pytest
import sqlalchemy
from sqlmodel import select

from bot.compose import App
from bot.slack.adapter import OAuthConfig, SlackAdapter
from bot.slack.render import digest_messages
from bot.web import WebServer
from core.deliver.sender import Progress, Unreachable
from storage.tables import Delivery, Profile, Rating
from tests.conftest import DAY
from tests.fakes.slack_server import FakeSlack, block_problem
from tests.fakes.slack_socket import FakeSocketMode

SECRET = "signing-secret"
DIGEST = f"digest {DAY.isoformat()}"


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack(admins={"UADMIN"}) as server:
        yield server


@dataclass
class Slack:
    adapter: SlackAdapter
    fake: FakeSlack
    url: str
    app: App

    async def post(self, path: str, body: str, content_type: str, *, signed: bool = True,
                   age: int = 0) -> aiohttp.ClientResponse:  # fmt: skip
        stamp = str(int(time.time()) - age)
        signature = (
            "v0=" + hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
        )
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
                   "X-Slack-Signature": signature if signed else "v0=" + "0" * 64}  # fmt: skip
        async with (
            aiohttp.ClientSession() as http,
            http.post(self.url + path, data=body, headers=headers) as r,
        ):
            await r.read()
            return r

    async def command(self, text: str, *, user: str = "U1", channel: str = "D1", team: str = "T1",
                      **options: Any) -> aiohttp.ClientResponse:  # fmt: skip
        form = {"command": "/paperbot", "text": text, "team_id": team, "user_id": user,
                "user_name": user.lower(), "channel_id": channel, "channel_name": "papers",
                "trigger_id": "t", "response_url": self.fake.response_url(f"{team}-{user}")}  # fmt: skip
        return await self.post(
            "/slack/events", urlencode(form), "application/x-www-form-urlencoded", **options
        )

    async def say(self, text: str, **where: Any) -> str:
        """Run a command and wait for its ephemeral answer."""
        before = len(self.fake.responses)
        response = await self.command(text, **where)
        assert response.status == 200
        await self.fake.wait_for(lambda: len(self.fake.responses) > before)
        return str(self.fake.responses[-1]["text"])

    async def click(self, button: dict[str, Any], message: dict[str, Any], *, user: str = "U1",
                    channel: str = "D1", team: str = "T1") -> aiohttp.ClientResponse:  # fmt: skip
        payload = {
            "type": "block_actions", "team": {"id": team}, "user": {"id": user, "name": user},
            "channel": {"id": channel}, "container": {"type": "message", "channel_id": channel},
            "message": {"ts": message["ts"], "text": message["text"], "blocks": message["blocks"]},
            "actions": [{"action_id": button["action_id"], "block_id": "b", "value": button["value"],
                         "type": "button"}],
            "response_url": self.fake.response_url(f"{team}-{user}"), "trigger_id": "t",
        }  # fmt: skip
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post("/slack/events", body, "application/x-www-form-urlencoded")

    async def event(self, event: dict[str, Any], team: str = "T1") -> aiohttp.ClientResponse:
        body = json.dumps({"type": "event_callback", "team_id": team, "api_app_id": "A1", "event": event,
                           "event_id": f"Ev{time.time_ns()}", "event_time": int(time.time())})  # fmt: skip
        return await self.post("/slack/events", body, "application/json")

    def rows(self, table: type) -> list[Any]:
        with self.app.sessions() as session:
            return list(session.exec(select(table)))


@pytest.fixture
async def slack(app: App, fake_slack: FakeSlack, listing_path: Path) -> AsyncIterator[Slack]:
    app.ingestor.ingest_file(listing_path, day=DAY)
    web = WebServer(port=0, host="127.0.0.1")
    adapter = SlackAdapter(core=app.commands, signing_secret=SECRET, base_url=fake_slack.base_url,
                           token="xoxb-T1", web=web)  # fmt: skip
    await web.start()
    yield Slack(adapter, fake_slack, f"http://127.0.0.1:{web.port}", app)
    await web.stop()


def posted(fake: FakeSlack) -> list[dict[str, Any]]:
    return [c.args for c in fake.of("chat.postMessage")]


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


async def test_slash_commands_answer_ephemerally_and_change_the_profile(slack: Slack) -> None:
    first = await slack.say("topics set sparse autoencoders")  # a first command creates, then runs
    assert first.startswith("Welcome to paperbot! /paperbot help lists") and "1. sparse autoencoders" in first
    assert "Your digest arrives every arXiv announcement day at 08:00" in first
    assert "/paperbot time HH:MM" in first
    help_text = await slack.say("help")
    assert "/paperbot threshold &lt;relevance&gt; &lt;novelty&gt;" in help_text
    assert all(line.startswith("/paperbot ") for line in help_text.splitlines())
    assert "Give two numbers" in await slack.say("threshold 7")
    assert slack.fake.responses[-1]["response_type"] == "ephemeral"
    (profile,) = slack.rows(Profile)
    assert (profile.platform, profile.workspace, profile.platform_id) == ("slack", "T1", "U1")
    assert profile.criteria == "sparse autoencoders"


async def test_digest_is_block_kit_with_the_rest_in_a_thread(slack: Slack) -> None:
    await slack.say("start")
    await slack.say("threshold 1 1")
    await slack.say("top 12")
    assert "in your messages" in await slack.say(DIGEST)
    messages = posted(slack.fake)
    assert len(messages) >= 2 and slack.fake.rejected == []
    first, rest = messages[0], messages[1:]
    assert first["channel"] == "DU1" and "thread_ts" not in first
    assert first["blocks"][0]["type"] == "header" and DAY.isoformat() in first["blocks"][0]["text"]["text"]
    assert "scanned" in first["blocks"][1]["elements"][0]["text"]
    assert len(buttons(first)) == 2 * 5  # the top five papers, 👍 and 👎 each
    assert all("thread_ts" in m for m in rest)
    sections = [b for m in messages for b in m["blocks"] if b["type"] == "section"]
    assert len(sections) == 12 and "<https://arxiv.org/abs/" in sections[0]["text"]["text"]
    (delivery,) = slack.rows(Delivery)
    assert delivery.state == "sent" and len(delivery.paper_ids) == 12


async def test_thread_replies_point_at_the_first_message(slack: Slack) -> None:
    await slack.say("start")
    await slack.say("threshold 1 1")
    await slack.say(DIGEST)
    first, *others = slack.fake.of("chat.postMessage")
    assert others, "ten papers do not fit the first message"
    assert "thread_ts" not in first.args
    assert {c.args["thread_ts"] for c in others} == {first.ts}
    assert {c.args["channel"] for c in others} == {"DU1"}


async def test_votes_are_stored_and_shown_and_can_be_changed(slack: Slack) -> None:
    await slack.say("start")
    await slack.say("threshold 1 1")
    await slack.say(DIGEST)
    message = {**posted(slack.fake)[0], "ts": "111.000001"}
    up, down = buttons(message)[:2]
    assert (await slack.click(up, message)).status == 200
    await slack.fake.wait_for(lambda: len(slack.fake.of("chat.update")) == 1)
    (rating,) = slack.rows(Rating)
    assert rating.value == 1
    update = slack.fake.of("chat.update")[0].args
    assert update["ts"] == "111.000001" and update["channel"] == "D1"
    marked = buttons(update)[:2]
    assert (
        marked[0]["style"] == "primary" and marked[0]["text"]["text"] == "👍 ✓" and "style" not in marked[1]
    )
    await slack.click(down, {**message, "blocks": update["blocks"]})
    await slack.fake.wait_for(lambda: len(slack.fake.of("chat.update")) == 2)
    assert [r.value for r in slack.rows(Rating)] == [-1]
    remarked = buttons(slack.fake.of("chat.update")[1].args)[:2]
    assert remarked[0]["text"]["text"] == "👍" and remarked[1]["style"] == "danger"


async def test_tampered_or_foreign_buttons_change_nothing(slack: Slack) -> None:
    await slack.say("start")
    await slack.say("threshold 1 1")
    await slack.say(DIGEST)
    message = {**posted(slack.fake)[0], "ts": "111.000001"}
    up = buttons(message)[0]
    other_paper = buttons(message)[2]["value"][1:].split("|")[0]
    tampered = {**up, "value": "+" + other_paper + "|" + up["value"].split("|")[1]}
    for button, who in [(tampered, {}), (up, {"user": "U2", "channel": "D2"}), (up, {"team": "T2"})]:
        before = len(slack.fake.responses)
        await slack.click(button, message, **who)
        await slack.fake.wait_for(lambda before=before: len(slack.fake.responses) > before)
        assert slack.fake.responses[-1]["text"] == "This button is no longer valid."
    assert slack.rows(Rating) == [] and slack.fake.of("chat.update") == []


async def test_forged_or_stale_signatures_get_401_and_change_nothing(slack: Slack) -> None:
    assert (await slack.command("start", signed=False)).status == 401
    assert (await slack.command("start", age=600)).status == 401
    assert slack.rows(Profile) == [] and slack.fake.responses == [] and slack.fake.calls == []


async def test_rate_limited_post_is_retried_after_retry_after(slack: Slack) -> None:
    await slack.say("start")
    await slack.say("threshold 1 1")
    slack.fake.limit("chat.postMessage", 1)
    await slack.say(DIGEST)
    assert slack.fake.rejected == [("chat.postMessage", "ratelimited")]
    assert len(buttons(posted(slack.fake)[0])) == 10
    assert slack.rows(Delivery)[0].state == "sent"


async def test_app_home_shows_the_profile_and_its_buttons_change_it(slack: Slack) -> None:
    await slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    await slack.fake.wait_for(lambda: len(slack.fake.of("views.publish")) == 1)
    welcome = slack.fake.of("views.publish")[0].args
    assert welcome["user_id"] == "U1" and "Welcome" in json.dumps(welcome["view"])
    start = buttons(welcome["view"])[0]
    await slack.click(start, {"ts": "1", "text": "", "blocks": []})
    await slack.fake.wait_for(lambda: len(slack.fake.of("views.publish")) == 2)
    assert [p.platform_id for p in slack.rows(Profile)] == ["U1"]
    home = slack.fake.of("views.publish")[1].args["view"]
    assert "Your paperbot" in json.dumps(home) and "top 10, relevance ≥ 8" in json.dumps(
        home, ensure_ascii=False
    )
    top5 = next(b for b in buttons(home) if b["value"] == "top 5")
    await slack.click(top5, {"ts": "1", "text": "", "blocks": []})
    await slack.fake.wait_for(lambda: len(slack.fake.of("views.publish")) == 3)
    assert slack.rows(Profile)[0].top_n == 5
    assert "top 5," in json.dumps(slack.fake.of("views.publish")[2].args["view"])


async def test_channel_subscription_is_changed_only_by_its_subscriber_or_an_admin(slack: Slack) -> None:
    assert "Welcome to paperbot" in await slack.say("subscribe", channel="C1", user="U1")
    channel = next(p for p in slack.rows(Profile) if p.platform_id == "C1")
    assert (channel.kind, channel.owner_id) == ("channel", "U1")
    assert "Only an admin" in await slack.say("top 5", channel="C1", user="U2")
    assert "5 papers" in await slack.say("top 5", channel="C1", user="UADMIN")
    assert "3 papers" in await slack.say("top 3", channel="C1", user="U1")
    await slack.say("threshold 1 1", channel="C1", user="U1")
    await slack.command(DIGEST, channel="C1", user="U2")  # anyone may ask for it
    await slack.fake.wait_for(lambda: bool(posted(slack.fake)))
    assert posted(slack.fake)[0]["channel"] == "C1"
    vote = buttons(posted(slack.fake)[0])[0]
    await slack.click(vote, {**posted(slack.fake)[0], "ts": "9.1"}, user="U2", channel="C1")
    await slack.fake.wait_for(lambda: bool(slack.fake.of("chat.update")))
    (rating,) = slack.rows(Rating)
    assert rating.profile_id == channel.id  # a channel digest rates for the channel


async def test_workspaces_are_isolated(slack: Slack) -> None:
    await slack.say("start", team="T1")
    await slack.say("topics set graph neural networks", team="T1")
    assert "no topics yet" in await slack.say("topics", team="T2")
    assert sorted(p.workspace for p in slack.rows(Profile)) == ["T1", "T2"]


async def test_stats_are_uploaded_as_a_file(slack: Slack) -> None:
    await slack.say("start")
    await slack.command("stats")
    await slack.fake.wait_for(lambda: bool(slack.fake.of("files.completeUploadExternal")))
    assert slack.fake.uploads["F1"].startswith(b"\x89PNG")
    assert slack.fake.of("files.completeUploadExternal")[0].args["channel_id"] == "DU1"


def test_long_digests_respect_block_kit_limits(app: App, listing_path: Path) -> None:
    from bot.buttons import ButtonSigner
    from core.digest.model import Digest, Entry, Totals
    from core.models import PaperScore
    from storage import papers as paper_store

    app.ingestor.ingest_file(listing_path, day=DAY)
    with app.sessions() as session:
        papers = [p for p, _ in paper_store.day_listing(session, DAY)]
    long = [replace(p, title=p.title * 8, authors=tuple(p.authors) * 30) for p in papers]
    entries = [Entry(p, PaperScore(p.id, 9, 8, 17.0, "x" * 900, "llm"), "criteria") for p in long[:40]]
    digest = Digest(day=DAY, user="u", status="digest", totals=Totals(5, 5, 5), entries=entries)
    messages = digest_messages(digest, signer=ButtonSigner(b"k"), subject="T1:U1")
    assert len(messages) > 4
    assert sum(len(buttons({"blocks": m.blocks})) for m in messages) == 80
    for message in messages:
        assert block_problem(message.blocks) is None
        assert len(json.dumps(message.blocks, ensure_ascii=False)) < 12_000


async def test_oauth_install_stores_the_workspace_and_its_token_is_used(
    app: App, fake_slack: FakeSlack, listing_path: Path
) -> None:
    app.ingestor.ingest_file(listing_path, day=DAY)
    web = WebServer(port=0, host="127.0.0.1")
    adapter = SlackAdapter(core=app.commands, signing_secret=SECRET, base_url=fake_slack.base_url,
                           oauth=OAuthConfig("cid", "csecret", app.engine), web=web)  # fmt: skip
    await web.start()
    base = f"http://127.0.0.1:{web.port}"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(base + "/slack/install", allow_redirects=False) as page:
                body = await page.text()
                cookie = page.headers.get("Set-Cookie", "").split(";")[0]
            assert page.status in {200, 302}
            location = (
                page.headers.get("Location") or body[body.index("https://slack.com/oauth") :].split('"')[0]
            )
            state = parse_qs(urlparse(location.replace("&amp;", "&")).query)["state"][0]
            fake_slack.oauth_teams["good-code"] = "T2"
            async with http.get(base + "/slack/oauth_redirect", params={"code": "good-code", "state": state},
                                headers={"Cookie": cookie}) as done:  # fmt: skip
                assert done.status == 200, await done.text()
        with app.engine.connect() as connection:
            bots = connection.execute(sqlalchemy.text("select team_id, bot_token from slack_bots")).all()
        assert bots == [("T2", "xoxb-T2")]
        from core.digest.model import Digest

        identity = SlackAdapter.user_identity("T2", "U7")
        await adapter.deliver(identity, Digest(day=DAY, user="u", status="quiet"), Progress())
        assert fake_slack.of("chat.postMessage")[-1].token == "xoxb-T2"
        with pytest.raises(Unreachable, match="not installed"):
            await adapter.deliver(
                SlackAdapter.user_identity("T9", "U7"), Digest(day=DAY, user="u", status="quiet"), Progress()
            )
    finally:
        await web.stop()


async def test_socket_mode_receives_commands_and_clicks_without_a_public_url(
    app: App, fake_slack: FakeSlack, listing_path: Path
) -> None:
    """With an app token, bolt connects out (apps.connections.open, then a websocket) and every
    envelope is acknowledged and handled as over HTTP; no web server is involved."""
    app.ingestor.ingest_file(listing_path, day=DAY)
    async with FakeSocketMode() as socket:
        fake_slack.socket_url = socket.url
        adapter = SlackAdapter(core=app.commands, signing_secret=SECRET, base_url=fake_slack.base_url,
                               token="xoxb-T1", app_token="xapp-1-A1")  # fmt: skip
        await adapter.start()
        try:
            assert [c.token for c in fake_slack.of("apps.connections.open")] == ["xapp-1-A1"]
            for text in ("start", "threshold 1 1", DIGEST):
                before = len(fake_slack.responses)
                form = {"command": "/paperbot", "text": text, "team_id": "T1", "user_id": "U1",
                        "user_name": "u1", "channel_id": "D1", "channel_name": "papers", "trigger_id": "t",
                        "response_url": fake_slack.response_url("T1-U1")}  # fmt: skip
                envelope = await socket.push("slash_commands", form)
                assert (await socket.ack(envelope))["envelope_id"] == envelope
                await fake_slack.wait_for(lambda before=before: len(fake_slack.responses) > before)
            assert "Welcome" in str(fake_slack.responses[0]["text"])
            message = {**posted(fake_slack)[0], "ts": "111.000001"}
            up = buttons(message)[0]
            click = {
                "type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1", "name": "U1"},
                "channel": {"id": "D1"}, "container": {"type": "message", "channel_id": "D1"},
                "message": {"ts": message["ts"], "text": message["text"], "blocks": message["blocks"]},
                "actions": [{"action_id": up["action_id"], "block_id": "b", "value": up["value"],
                             "type": "button"}],
                "response_url": fake_slack.response_url("T1-U1"), "trigger_id": "t",
            }  # fmt: skip
            await socket.ack(await socket.push("interactive", click))
            await fake_slack.wait_for(lambda: len(fake_slack.of("chat.update")) == 1)
            with app.sessions() as session:
                assert [r.value for r in session.exec(select(Rating))] == [1]
            assert socket.connections == 1
        finally:
            await adapter.stop()


def test_the_frozen_slack_migration_still_fits_the_stores_of_the_installed_slack_sdk(app: App) -> None:
    """Migration 0004 writes its tables out instead of asking slack_sdk at migration time; if
    a slack_sdk upgrade changes its stores' tables, this says a new migration is needed."""
    from bot.slack.installs import slack_tables

    inspector = sqlalchemy.inspect(app.engine)
    for table in slack_tables(sqlalchemy.MetaData()):
        stored = {
            c["name"]: (str(c["type"].compile(app.engine.dialect)), c["nullable"])
            for c in inspector.get_columns(table.name)
        }
        wanted = {c.name: (str(c.type.compile(app.engine.dialect)), c.nullable) for c in table.columns}
        assert stored == wanted, table.name
        indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes(table.name)}
        assert indexes == {i.name: [c.name for c in i.columns] for i in table.indexes}, table.name


def test_a_token_in_the_environment_starts_without_a_library_warning(
    app: App, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The documented set-up (SLACK_BOT_TOKEN in the environment) must not greet the operator
    with a warning at every start."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-T1")
    with caplog.at_level(logging.WARNING):
        SlackAdapter(core=app.commands, signing_secret=SECRET, base_url=fake_slack.base_url, token="xoxb-T1")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("slack_bolt")] == []
