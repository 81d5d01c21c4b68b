"""A digest of more than a handful of papers is grouped under the criteria's topics, when the
criteria have numbered or headed topics; the order inside a group is by score."""

from __future__ import annotations

import json

from bot.buttons import ButtonSigner
from bot.compose import App
from bot.slack.render import digest_messages as slack_messages
from bot.telegram.render import digest_messages as telegram_messages
from core.digest.model import Digest
from core.digest.render_json import render_json
from core.digest.render_markdown import render_markdown
from core.digest.render_text import render_text
from core.models import Identity
from storage import profiles
from tests.test_learning import DAY2, days, say, topic_of

__all__ = ["days"]  # the fixture, shared with the learning tests

NUMBERED = """1. Graph learning
   - Relevant: graph neural networks, message passing between nodes and edges.
2. Vision
   - Relevant: image classification, object detection in photographs.
3. Audio
   - Relevant: speech models, audio waveforms and spectrograms.
"""
HEADED = NUMBERED.replace("1. ", "## ").replace("2. ", "## ").replace("3. ", "## ")
PROSE = "I like graph neural networks, image classification and speech audio models."
TITLES = {"graph": "Graph learning", "vision": "Vision", "audio": "Audio"}


def shown(app: App, name: str, criteria: str, top: int = 10) -> Digest:
    say(app, name, "/start", f"/top {top}", "/threshold 1 1")
    with app.sessions() as session, session.begin():
        view = profiles.find(session, Identity("console", name))
        assert view is not None
        view.criteria = criteria
        return app.builder.build(session, view, DAY2)


def test_numbered_topics_group_the_digest_best_first_inside_each_group(days: App) -> None:
    digest = shown(days, "numbered", NUMBERED)
    assert len(digest.entries) == 10
    assert all(e.topic == TITLES[topic_of(e.paper.id)] for e in digest.entries)
    topics = [e.topic for e in digest.entries]
    assert len(set(topics)) >= 2
    runs = [t for i, t in enumerate(topics) if i == 0 or topics[i - 1] != t]
    assert len(runs) == len(set(runs))  # each topic is one contiguous group
    for topic in set(topics):
        totals = [e.total for e in digest.entries if e.topic == topic]
        assert totals == sorted(totals, reverse=True)
    text = render_text(digest)
    assert all(f"== {t} ==" in text for t in runs)
    assert text.index(f"== {runs[0]} ==") < text.index(f"== {runs[1]} ==")
    markdown = render_markdown(digest)
    assert all(f"# {t}\n" in markdown for t in runs)
    assert [p["id"] for p in json.loads(render_json(digest))["papers"]] == [
        e.paper.id for e in digest.entries
    ]
    signer = ButtonSigner(b"secret")
    telegram = "\n".join(m.text for m in telegram_messages(digest, signer=signer, chat_id=1))
    assert all(f"<b>▌{t}</b>" in telegram for t in runs)
    slack = json.dumps([m.blocks for m in slack_messages(digest, signer=signer, subject="U1")])
    assert all(f"*{t}*" in slack for t in runs)


def test_headed_topics_group_too(days: App) -> None:
    digest = shown(days, "headed", HEADED)
    assert {e.topic for e in digest.entries} <= set(TITLES.values())
    assert "== " in render_text(digest)


def test_prose_criteria_and_short_digests_stay_flat(days: App) -> None:
    for name, criteria, top in (("prose", PROSE, 10), ("short", NUMBERED, 4)):
        digest = shown(days, name, criteria, top)
        assert digest.entries and all(e.topic is None for e in digest.entries)
        assert "== " not in render_text(digest)
        assert "▌" not in telegram_messages(digest, signer=ButtonSigner(b"s"), chat_id=1)[0][0]
