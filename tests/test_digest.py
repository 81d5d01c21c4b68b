"""Digest selection, the score cache and the three renderers, on a small real day."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.compose import App, build_app
from core.accounts import add_local_user
from core.digest.model import Digest
from core.digest.render_json import render_json
from core.digest.render_markdown import render_markdown
from core.digest.render_text import render_text
from core.errors import NotFoundError
from core.models import Profile
from core.scoring.offline import OfflineScorer
from storage import deliveries, profiles
from storage import papers as paper_store
from storage.tables import Score
from tests.conftest import DAY, FIXTURES

CRITERIA = (FIXTURES / "criteria.md").read_text()


@pytest.fixture
def loaded(app: App, listing_path: Path) -> App:
    app.ingestor.ingest_file(listing_path, day=DAY)
    return app


def _profile(app: App, name: str = "alice", criteria: str = CRITERIA, **changes: object) -> Profile:
    with app.sessions() as session, session.begin():
        profile, _ = add_local_user(session, name, criteria=criteria, categories=["cs.LG", "cs.AI"])
        for key, value in changes.items():
            setattr(profile, key, value)
        profiles.save(session, profile)
        return profile


def _digest(app: App, view: Profile, day: dt.date = DAY, **kw: bool) -> Digest:
    with app.sessions() as session, session.begin():
        return app.builder.build(session, view, day, **kw)


def test_digest_respects_thresholds_order_and_top_n(loaded: App) -> None:
    digest = _digest(loaded, _profile(loaded, top_n=3, min_relevance=6, min_novelty=5))
    assert digest.status == "digest" and len(digest.entries) == 3
    assert all(e.score.relevance >= 6 and e.score.novelty >= 5 for e in digest.entries)
    keys = [(e.total, e.score.relevance) for e in digest.entries]
    assert keys == sorted(keys, reverse=True)
    assert digest.totals.arxiv == 40 and digest.totals.scanned == 40
    assert digest.totals.relevant >= 3


def test_followed_author_comes_first_whatever_the_score(loaded: App, listing_path: Path) -> None:
    record = json.loads(listing_path.read_text().splitlines()[7])
    view = _profile(loaded, authors=[record["authors"][0].upper()], min_relevance=10, min_novelty=10)
    digest = _digest(loaded, view)
    assert digest.entries[0].paper.id == record["id"]
    assert digest.entries[0].reason == "author match"
    assert digest.totals.relevant >= 1


def test_excluded_and_required_keywords(loaded: App) -> None:
    base = _digest(loaded, _profile(loaded, min_relevance=1, min_novelty=1, top_n=50))
    assert any("model" in e.paper.abstract.lower() for e in base.entries)
    excluded = _digest(
        loaded,
        _profile(loaded, keywords_exclude=["models"], min_relevance=1, min_novelty=1, top_n=50),
    )
    assert excluded.entries and all(
        not re.search(r"\bmodel", e.paper.title + " " + e.paper.abstract, re.I) for e in excluded.entries
    )
    required = _digest(
        loaded,
        _profile(
            loaded,
            keywords_require=["language model"],
            keywords_exclude=[],
            min_relevance=1,
            min_novelty=1,
            top_n=50,
        ),
    )
    assert required.entries and all(
        re.search(r"language[ -]models?", e.paper.title + " " + e.paper.abstract, re.I)
        for e in required.entries
    )


def test_papers_delivered_earlier_never_come_again(loaded: App) -> None:
    view = _profile(loaded)
    first = _digest(loaded, view)
    shown = first.entries[0].paper.id
    with loaded.sessions() as session, session.begin():
        deliveries.record_sent(session, profile_id=view.id, day=DAY - dt.timedelta(days=1), paper_ids=[shown])
    again = _digest(loaded, view)
    assert shown not in {e.paper.id for e in again.entries}
    assert shown not in {e.paper.id for e in _digest(loaded, view, ranked_all=True).entries}


def test_nothing_passes_shows_the_closest_three(loaded: App) -> None:
    digest = _digest(
        loaded,
        _profile(loaded, criteria="protein folding kinetics", min_relevance=10, min_novelty=10),
    )
    assert digest.status == "empty" and digest.entries == [] and len(digest.closest) == 3
    text = render_text(digest)
    assert "Nothing passed your thresholds" in text and digest.closest[0].paper.title in text


def test_quiet_and_unknown_days(loaded: App) -> None:
    quiet = dt.date(2025, 6, 7)
    with loaded.sessions() as session, session.begin():
        paper_store.record_quiet_day(session, day=quiet, categories=["cs.LG"])
    view = _profile(loaded)
    digest = _digest(loaded, view, quiet)
    assert digest.status == "quiet" and "no arXiv announcement" in render_text(digest)
    assert "No arXiv announcement" in render_markdown(digest)
    with pytest.raises(NotFoundError, match="2025-06-08"):
        _digest(loaded, view, dt.date(2025, 6, 8))


class StoredScorer(OfflineScorer):
    """The offline scorer with its scores stored, as the LLM scorer's are; counts its calls."""

    name = "stored"
    persistent = True

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[int] = []

    def score_day(self, papers, criteria, *, wanted=None, **_):  # type: ignore[no-untyped-def]
        self.asked.append(len(papers if wanted is None else wanted))
        return super().score_day(papers, criteria)


def test_persistent_scores_are_cached_per_criteria(settings, listing_path: Path) -> None:  # type: ignore[no-untyped-def]
    scorer = StoredScorer()
    app = build_app(settings, scorer=scorer)
    app.ingestor.ingest_file(listing_path, day=DAY)

    def rows() -> int:
        with app.sessions() as session:
            return session.exec(select(func.count()).select_from(Score)).one()

    first = _digest(app, _profile(app, "alice"))
    assert (rows(), scorer.asked) == (40, [40])
    second = _digest(app, _profile(app, "bob"))  # same criteria: no scoring at all
    assert (rows(), scorer.asked) == (40, [40])
    assert [(e.paper.id, e.score) for e in first.entries] == [(e.paper.id, e.score) for e in second.entries]
    _digest(app, _profile(app, "carol", criteria="graph neural networks"))
    assert (rows(), scorer.asked) == (80, [40, 40])
    _digest(app, _profile(app, "alice", criteria=CRITERIA + "\nAlso: kernels."))  # edited criteria
    assert (rows(), scorer.asked) == (120, [40, 40, 40])
    with app.sessions() as session:
        stored = session.exec(select(Score).where(Score.paper_id == first.entries[0].paper.id)).first()
    assert (
        stored is not None and stored.scorer == "stored" and stored.comment == first.entries[0].score.comment
    )
    app.engine.dispose()


def test_offline_scores_are_recomputed_identically(loaded: App) -> None:
    view = _profile(loaded)
    first, second = _digest(loaded, view, ranked_all=True), _digest(loaded, view, ranked_all=True)
    assert [(e.paper.id, e.score) for e in first.entries] == [(e.paper.id, e.score) for e in second.entries]


def test_all_lists_every_scanned_paper_in_rank_order(loaded: App) -> None:
    digest = _digest(loaded, _profile(loaded), ranked_all=True)
    assert len(digest.entries) == 40
    keys = [(e.total, e.score.relevance, e.score.value) for e in digest.entries]
    assert keys == sorted(keys, reverse=True)


def test_json_has_exactly_the_documented_shape(loaded: App) -> None:
    data = json.loads(render_json(_digest(loaded, _profile(loaded))))
    assert set(data) == {"date", "user", "scorer", "totals", "usage", "papers"}
    assert data["date"] == "2025-06-03" and data["user"] == "alice" and data["scorer"] == "offline"
    assert set(data["totals"]) == {"arxiv", "scanned", "relevant"}
    assert data["usage"]["prompt_tokens"] == 0 and data["usage"]["cost_usd"] == 0.0
    assert set(data["usage"]) == {"model", "prompt_tokens", "completion_tokens", "cost_usd"}
    paper = data["papers"][0]
    assert set(paper) == {
        "id",
        "title",
        "authors",
        "relevance",
        "novelty",
        "score",
        "comment",
        "reason",
    }
    assert paper["score"] == paper["relevance"] + paper["novelty"]


def test_markdown_keeps_the_seed_form(loaded: App) -> None:
    view = _profile(loaded, top_n=4, min_relevance=1, min_novelty=1)
    text = render_markdown(_digest(loaded, view), view)
    assert text.startswith("# Personalized Daily ArXiv Papers 2025-06-03\n")
    assert "| **Token** | 0 | 0 | 0 |" in text and "| **Cost** | $0.00 | $0.00 | $0.00 |" in text
    for line in (
        "Total arXiv papers: 40",
        "Total scanned papers: 40",
        "**Table of contents with paper titles:**",
    ):
        assert line in text
    assert len(re.findall(r"^\d\. \[.+\]\(#user-content-link\d\)$", text, re.M)) == 4
    sections = re.findall(
        r'^## (\d)\. \[.+\]\(https://arxiv\.org/abs/[\d.]+\) <a id="link\1"></a>$', text, re.M
    )
    assert sections == ["1", "2", "3", "4"]
    assert text.count("**ArXiv ID:**") == 4 and text.count("**Relevance:**") == 4
    assert "**Abstract:**" in text and "**Novelty:**" in text and "# Criteria" in text
