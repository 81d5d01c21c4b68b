"""Learning from 👍/👎 on small made-up corpora: ratings move similar papers, and only them."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from pathlib import Path

import pytest

from bot.compose import App
from bot.console import chat
from core.digest.model import Digest
from core.models import Identity
from storage import profiles

TOPICS = {
    "graph": "graph neural networks pass messages between nodes and edges of molecular graphs",
    "vision": "convolutional networks classify image pixels and detect objects in photographs",
    "audio": "speech models turn audio waveforms and spectrograms into acoustic tokens",
}
FILLER = [
    "we",
    "study",
    "a",
    "learning",
    "method,",
    "train",
    "models",
    "and",
    "report",
    "experiments",
    "on",
    "benchmarks",
]
DAY1, DAY2 = dt.date(2025, 6, 2), dt.date(2025, 6, 3)


def write_day(path: Path, day: int, rng: random.Random) -> Path:
    lines = []
    for topic, words in TOPICS.items():
        for n in range(8):
            extra = " ".join(rng.sample(FILLER, 6))
            lines.append(
                json.dumps(
                    {
                        "id": f"2506.{day}{list(TOPICS).index(topic)}{n:03d}",
                        "title": f"On {topic} learning, study {day}.{n}",
                        "authors": ["A. Writer"],
                        "abstract": f"{words}. {extra}.",
                        "categories": ["cs.LG"],
                        "primary_category": "cs.LG",
                        "comment": None,
                    }
                )
            )
    path.write_text("\n".join(lines))
    return path


@pytest.fixture
def days(app: App, tmp_path: Path) -> App:
    rng = random.Random(5)
    app.ingestor.ingest_file(write_day(tmp_path / "d1.jsonl", 1, rng), day=DAY1)
    app.ingestor.ingest_file(write_day(tmp_path / "d2.jsonl", 2, rng), day=DAY2)
    return app


def say(app: App, name: str, *lines: str, files: Path | None = None) -> str:
    out = io.StringIO()
    chat(app.commands, name, list(lines), out, files=files)
    return out.getvalue()


def ranking(app: App, name: str) -> Digest:
    with app.sessions() as session, session.begin():
        view = profiles.find(session, Identity("console", name))
        assert view is not None
        return app.builder.build(session, view, DAY2, ranked_all=True)


def topic_of(paper_id: str) -> str:
    return list(TOPICS)[int(paper_id[6])]


def mean_rank(digest: Digest, topic: str) -> float:
    ranks = [i for i, e in enumerate(digest.entries) if topic_of(e.paper.id) == topic]
    return sum(ranks) / len(ranks)


def setup_users(app: App) -> None:
    for name in ("rater", "cold"):
        say(app, name, "/start", "/topics set learning methods and experiments")


def rate_day1(app: App, name: str, up: str, down: str) -> None:
    ids = [f"2506.1{list(TOPICS).index(t)}{n:03d}" for t in (up, down) for n in range(8)]
    say(app, name, *[f"/up {i}" for i in ids[:8]], *[f"/down {i}" for i in ids[8:]])


def test_no_ratings_changes_nothing(days: App) -> None:
    setup_users(days)
    rater, cold = ranking(days, "rater"), ranking(days, "cold")
    assert [(e.paper.id, e.total) for e in rater.entries] == [(e.paper.id, e.total) for e in cold.entries]
    assert all(e.boost == 0 and e.reason == "criteria" for e in rater.entries)


def rated_and_cold(app: App) -> tuple[Digest, Digest]:
    """The rater likes day 1's graph papers and dislikes its audio ones: on day 2, graph papers
    rank higher for them than for the cold user, and audio papers lower."""
    setup_users(app)
    rate_day1(app, "rater", up="graph", down="audio")
    rater, cold = ranking(app, "rater"), ranking(app, "cold")
    assert mean_rank(rater, "graph") < mean_rank(cold, "graph")
    assert mean_rank(rater, "audio") > mean_rank(cold, "audio")
    return rater, cold


def test_ratings_move_similar_papers_up_and_dissimilar_down(days: App) -> None:
    rater, cold = rated_and_cold(days)

    def graphs_on_top(d: Digest) -> int:
        return sum(topic_of(e.paper.id) == "graph" for e in d.entries[:8])

    assert graphs_on_top(rater) > graphs_on_top(cold)
    boosted = [e for e in rater.entries if e.reason == "feedback"]
    assert boosted and all(topic_of(e.paper.id) == "graph" for e in boosted)
    assert "ranked up by your ratings: like “On graph learning, study 1." in boosted[0].explanation
    assert all(e.boost < 0 for e in rater.entries if topic_of(e.paper.id) == "audio")


def test_changing_votes_retrains(days: App) -> None:
    setup_users(days)
    rate_day1(days, "rater", up="graph", down="audio")
    before = ranking(days, "rater")
    rate_day1(days, "rater", up="audio", down="graph")  # every vote flipped
    after = ranking(days, "rater")
    assert mean_rank(after, "audio") < mean_rank(before, "audio")
    assert mean_rank(after, "graph") > mean_rank(before, "graph")
    assert all(e.boost > 0 for e in after.entries if topic_of(e.paper.id) == "audio")


def test_forget_restores_the_cold_start_order(days: App) -> None:
    setup_users(days)
    rate_day1(days, "rater", up="vision", down="graph")
    assert [e.paper.id for e in ranking(days, "rater").entries] != [
        e.paper.id for e in ranking(days, "cold").entries
    ]
    assert "Send /forget yes to confirm" in say(days, "rater", "/forget")
    assert "your 👍 papers" in say(days, "rater", "/saved").lower()  # nothing deleted yet
    assert "Forgot 16 ratings" in say(days, "rater", "/forget yes")
    assert "No saved papers yet" in say(days, "rater", "/saved")
    rater, cold = ranking(days, "rater"), ranking(days, "cold")
    assert [(e.paper.id, e.total) for e in rater.entries] == [(e.paper.id, e.total) for e in cold.entries]


def test_stats_is_a_chart(days: App, tmp_path: Path) -> None:
    setup_users(days)
    say(days, "rater", "/threshold 1 1", "/digest 2025-06-03")
    rate_day1(days, "rater", up="graph", down="audio")
    out = say(days, "rater", "/stats", files=tmp_path)
    assert "papers shown, 8 👍, 8 👎 (50% liked)" in out and "(saved " in out
    png = (tmp_path / "paperbot-stats.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    assert "10 papers shown" in out


def test_the_feature_space_is_refitted_only_when_the_corpus_grew() -> None:
    from core.learning.model import CORPUS_LIMIT, Preferences
    from core.models import Paper

    def papers(word: str, n: int) -> list[Paper]:
        return [
            Paper(id=f"{word}{i}", title=f"{word} study", authors=(), abstract=f"{word} methods")
            for i in range(n)
        ]

    prefs = Preferences()
    prefs.fit_corpus(CORPUS_LIMIT + 5_000, lambda: papers("graph", 60))
    vocabulary = prefs._vectorizer.vocabulary_  # type: ignore[union-attr]
    prefs.fit_corpus(CORPUS_LIMIT + 5_500, lambda: papers("speech", 60))  # grew by less than a tenth
    assert "speech" not in prefs._vectorizer.vocabulary_ and "graph" in vocabulary  # type: ignore[union-attr]
    prefs.fit_corpus(CORPUS_LIMIT + 9_000, lambda: papers("speech", 60))  # beyond the 20,000 cap too
    assert "speech" in prefs._vectorizer.vocabulary_  # type: ignore[union-attr]
