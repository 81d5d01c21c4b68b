"""Slack as its users expect it: DMs are commands, App Home edits the profile in a modal whose
payload the fake Slack checks against Block Kit's limits, errors shown inline."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp

from storage.tables import Profile
from tests import test_slack as base
from tests.fakes.slack_server import view_problem
from tests.test_slack import SECRET, Slack, buttons

fake_slack = base.fake_slack  # the fixtures of the adapter's own tests
slack = base.slack

FIELDS = ("topics", "keywords", "authors", "time", "timezone", "cadence", "top", "relevance", "novelty")


async def submit(slack: Slack, values: dict[str, str], user: str = "U1") -> dict[str, Any]:
    """Post a view_submission as Slack would; the JSON body bolt answers (empty when closed)."""
    import hashlib
    import hmac

    state = {name: {"value": {"type": "plain_text_input", "value": value}} for name, value in values.items()}
    payload = {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": user, "name": user},
        "api_app_id": "A1",
        "trigger_id": "t2",
        "view": {"id": "V1", "type": "modal", "callback_id": "edit_profile", "state": {"values": state}},
    }
    body = urlencode({"payload": json.dumps(payload)})
    stamp = str(int(time.time()))
    signature = "v0=" + hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(slack.url + "/slack/events", data=body, headers=headers) as r,
    ):
        assert r.status == 200
        text = await r.text()
    return json.loads(text) if text.strip() else {}


async def open_editor(slack: Slack) -> dict[str, Any]:
    await slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    await slack.fake.wait_for(lambda: len(slack.fake.of("views.publish")) == 1)
    home = slack.fake.of("views.publish")[0].args["view"]
    edit = next(b for b in buttons(home) if b["value"] == "edit")
    before = len(slack.fake.calls)
    await slack.click(edit, {"ts": "1", "text": "", "blocks": []})
    await slack.fake.wait_for(lambda: bool(slack.fake.of("views.open")) or len(slack.fake.rejected) > 0)
    assert slack.fake.rejected == [], slack.fake.rejected
    assert len(slack.fake.calls) > before
    return slack.fake.of("views.open")[-1].args


async def test_edit_topics_opens_a_modal_within_block_kit_limits(slack: Slack) -> None:
    await slack.say("topics set 1. Sparse autoencoders\\n   - Relevant: dictionary learning")
    await slack.say("keywords +pruning -medical")
    opened = await open_editor(slack)
    view = opened["view"]
    assert opened["trigger_id"] == "t" and view_problem(view, kind="modal") is None
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert tuple(inputs) == FIELDS
    assert inputs["topics"]["multiline"] is True and inputs["topics"]["max_length"] == 3000
    assert inputs["topics"]["initial_value"].startswith("1. Sparse autoencoders\n")
    assert inputs["keywords"]["initial_value"] == "+pruning -medical"
    assert inputs["time"]["initial_value"] == "08:00" and inputs["top"]["initial_value"] == "10"


async def test_the_fake_refuses_what_slack_would() -> None:
    long = {"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": []}
    assert view_problem(long, kind="modal") == "invalid_arguments: title"
    field = {
        "type": "input",
        "label": {"type": "plain_text", "text": "T"},
        "element": {"type": "plain_text_input", "action_id": "v", "max_length": 8000},
    }
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "t"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [field],
    }
    assert view_problem(modal, kind="modal") == "invalid_arguments: max_length must be 1 to 3000"


async def test_submitting_checks_like_the_commands_and_shows_errors_inline(slack: Slack) -> None:
    await slack.say("start")
    good = {
        "topics": "Sparse autoencoders\nMixture of experts",
        "keywords": "+pruning",
        "authors": "Yoshua Bengio",
        "time": "07:30",
        "timezone": "Europe/Berlin",
        "top": "all",
        "relevance": "6",
        "novelty": "5",
    }
    bad = {**good, "time": "25:00", "timezone": "Mars/Base", "relevance": "11"}
    answer = await submit(slack, bad)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"time", "timezone", "relevance"}
    assert "HH:MM" in answer["errors"]["time"] and "Unknown time zone" in answer["errors"]["timezone"]
    (profile,) = slack.rows(Profile)
    assert profile.delivery_time == "08:00" and profile.criteria == ""  # nothing saved
    assert await submit(slack, good) == {}
    (profile,) = slack.rows(Profile)
    assert profile.criteria == good["topics"] and profile.keywords_require == ["pruning"]
    assert (profile.delivery_time, profile.timezone, profile.min_relevance) == ("07:30", "Europe/Berlin", 6)
    assert profile.authors == ["Yoshua Bengio"] and profile.top_n >= 1000
    await slack.fake.wait_for(lambda: bool(slack.fake.of("views.publish")))  # the home shows it
    home = json.dumps(slack.fake.of("views.publish")[-1].args["view"])
    assert "Mixture of experts" in home and "top all," in home


async def test_a_direct_message_is_a_command_without_paperbot(slack: Slack) -> None:
    await slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "DU1",
            "user": "U1",
            "text": "topics set sparse autoencoders",
            "ts": "1.1",
        }
    )
    await slack.fake.wait_for(lambda: bool(slack.fake.of("chat.postMessage")))
    answer = slack.fake.of("chat.postMessage")[0].args
    assert answer["channel"] == "DU1" and "1. sparse autoencoders" in answer["text"]
    assert "/paperbot help" in answer["text"]  # hints in Slack's syntax
    await slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "DU1",
            "user": "U1",
            "bot_id": "BBOT",
            "text": "topics",
            "ts": "1.2",
        }
    )
    await slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "DU1",
            "user": "U1",
            "text": "top all",
            "ts": "1.3",
        }
    )
    await slack.fake.wait_for(lambda: len(slack.fake.of("chat.postMessage")) == 2)
    assert "every paper that passes" in slack.fake.of("chat.postMessage")[1].args["text"]
    assert [p.criteria for p in slack.rows(Profile)] == ["sparse autoencoders"]
    await slack.event({"type": "message", "channel_type": "im", "channel": "DU1", "user": "U1",
                       "text": "topics set A &amp; B\n   - Relevant: x &lt; y", "ts": "1.4"})  # fmt: skip
    await slack.fake.wait_for(lambda: len(slack.fake.of("chat.postMessage")) == 3)
    assert [p.criteria for p in slack.rows(Profile)] == ["A & B\n   - Relevant: x < y"]


def test_manifest_answers_direct_messages_and_says_how_it_connects() -> None:
    from pathlib import Path

    text = (Path(__file__).parent.parent / "slack-manifest.yaml").read_text()
    lines = [line.strip() for line in text.splitlines()]
    assert "messages_tab_enabled: true" in lines and "- message.im" in lines and "- im:history" in lines
    socket = next(line for line in lines if line.startswith("socket_mode_enabled:"))
    comment = " ".join(line for line in lines if line.startswith("#"))
    assert socket in comment  # the comment describes the value the file ships with


async def test_a_first_start_asks_for_topics_in_the_modal_or_a_dm(slack: Slack) -> None:
    asked = await slack.say("start")
    assert "What should I look for?" in asked and "/paperbot topics set" in asked
    await slack.fake.wait_for(lambda: bool(slack.fake.of("views.open")))
    assert slack.fake.rejected == [] and slack.fake.of("views.open")[0].args["view"]["type"] == "modal"
    await slack.event({"type": "message", "channel_type": "im", "channel": "DU1", "user": "U1",
                       "text": "sparse autoencoders and mixture of experts", "ts": "2.1"})  # fmt: skip
    await slack.fake.wait_for(lambda: bool(slack.fake.of("chat.postMessage")))
    answer = slack.fake.of("chat.postMessage")[0].args["text"]
    assert "1. sparse autoencoders and mixture of experts" in answer and "/paperbot time HH:MM" in answer
    assert [p.criteria for p in slack.rows(Profile)] == ["sparse autoencoders and mixture of experts"]
