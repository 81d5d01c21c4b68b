"""One builder serves thousands of readers: what it keeps from one reader never leaks into the next.

A day keeps which papers each set of categories scans, and the scorer keeps the day's index and
each phrase's column; a reader with other categories, other criteria or a history must still get
exactly the digest a fresh builder gives them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.compose import App, build_app
from bot.settings import Settings
from core.accounts import add_local_user
from core.digest.model import Digest, Totals
from core.models import Profile
from storage import deliveries, profiles
from tests.conftest import DAY, FIXTURES

READERS = [
    ("cvreader", (FIXTURES / "criteria.md").read_text(), ["cs.CV"]),
    ("broad", "I follow graph neural networks, diffusion models and sparse autoencoders.", []),
    (
        "lgreader",
        "Relevant: large language models, quantization. Not interested in medical imaging.",
        ["cs.LG"],
    ),
    ("aireader", "New methods for reinforcement learning and LLM agents.", ["cs.AI", "cs.LG"]),
    ("cvagain", "Papers on image segmentation and object detection, especially theory.", ["cs.CV"]),
]


@pytest.fixture
def loaded(app: App, listing_path: Path) -> App:
    app.ingestor.ingest_file(listing_path, day=DAY)
    return app


def _reader(app: App, name: str, criteria: str, categories: list[str]) -> Profile:
    with app.sessions() as session, session.begin():
        profile, _ = add_local_user(session, name, criteria=criteria, categories=categories)
        profile.min_relevance, profile.min_novelty = 5, 3
        profiles.save(session, profile)
        return profile


def _build(app: App, view: Profile, day: dt.date = DAY) -> Digest:
    with app.sessions() as session, session.begin():
        return app.builder.build(session, view, day)


def _summary(digest: Digest) -> tuple[Totals, list[tuple[str, int, int, float, str]]]:
    return (
        digest.totals,
        [
            (e.paper.id, e.score.relevance, e.score.novelty, e.score.value, e.score.comment)
            for e in digest.entries
        ],
    )


def test_each_reader_gets_what_a_fresh_builder_gives_them(loaded: App, settings: Settings) -> None:
    views = [_reader(loaded, *reader) for reader in READERS]
    shared = [_summary(_build(loaded, view)) for view in views]  # one builder, one reader after another
    for view, summary in zip(views, shared, strict=True):
        fresh = build_app(settings)  # nothing kept from any other reader
        try:
            assert _summary(_build(fresh, view)) == summary, view.name
        finally:
            fresh.engine.dispose()
    scanned = {view.name: summary[0].scanned for view, summary in zip(views, shared, strict=True)}
    assert scanned["broad"] == 40 and scanned["cvreader"] == scanned["cvagain"] < scanned["lgreader"] < 40
    assert all(summary[1] for summary in shared)


def test_papers_already_shown_are_left_out_for_that_reader_only(loaded: App) -> None:
    first, second = (_reader(loaded, name, READERS[1][1], []) for name in ("shown", "unshown"))
    before = _build(loaded, first)
    with loaded.sessions() as session, session.begin():
        shown = [e.paper.id for e in before.entries[:3]]
        deliveries.record_sent(session, profile_id=first.id, day=DAY - dt.timedelta(days=1), paper_ids=shown)
    after = [e.paper.id for e in _build(loaded, first).entries]
    assert not set(shown) & set(after) and after
    assert [e.paper.id for e in _build(loaded, second).entries] == [e.paper.id for e in before.entries]
