"""The composition root: the one place that builds paperbot's parts from settings.

The CLI, `paperbot demo`, the worker and the tests all start here (tests with fakes).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.commands.core import CommandCore
from core.commands.registry import COMMANDS
from core.digest.build import DigestBuilder
from core.embeddings.store import VectorStore
from core.errors import InputError
from core.ingest.arxiv_source import ArxivSource
from core.ingest.polite import RetryPolicy
from core.ingest.service import Ingestor, PaperSource
from core.preferences import Preferences
from core.scoring import Scorer, get_scorer
from core.scoring.service import ScoringService
from core.settings import Settings
from storage import engine as storage_engine
from storage import migrate

if TYPE_CHECKING:
    import openai


@dataclass
class App:
    settings: Settings
    engine: Engine
    sessions: Callable[[], Session]
    ingestor: Ingestor
    scoring: ScoringService
    builder: DigestBuilder
    commands: CommandCore


def arxiv_source(settings: Settings) -> ArxivSource:
    return ArxivSource(
        rss_url=settings.arxiv_rss_url,
        api_url=settings.arxiv_api_url,
        delay_seconds=settings.arxiv_delay_seconds,
        timeout_seconds=settings.arxiv_timeout_seconds,
        retry=RetryPolicy(retries=settings.arxiv_retries, backoff=max(settings.arxiv_delay_seconds, 0.05)),
        batch_size=settings.arxiv_batch_size,
    )


def has_key(settings: Settings) -> bool:
    return settings.openai_api_key is not None and bool(settings.openai_api_key.get_secret_value())


def openai_client(settings: Settings) -> openai.OpenAI:
    import openai  # only deployments with a key pay for loading the client

    assert settings.openai_api_key is not None
    return openai.OpenAI(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url or None,
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
    )


def default_scorer(settings: Settings) -> Scorer:
    """The LLM scorer when a key is configured, the offline scorer otherwise."""
    if not has_key(settings):
        return get_scorer("offline")
    from core.scoring.llm.setup import llm_scorer

    return llm_scorer(settings, openai_client(settings))


def vector_store(settings: Settings) -> VectorStore | None:
    """The embeddings backend `EMBEDDINGS` asks for; a wrong combination fails at start-up."""
    choice = settings.embeddings
    if choice == "auto":
        choice = "openai" if has_key(settings) else "off"
    if choice == "off":
        return None
    if choice == "local":
        from core.embeddings.local import EXTRA_HINT, LocalEmbedder

        if importlib.util.find_spec("sentence_transformers") is None:
            raise InputError(EXTRA_HINT)
        return VectorStore(LocalEmbedder(settings.embedding_model))
    if not has_key(settings):
        raise InputError("EMBEDDINGS=openai needs OPENAI_API_KEY")
    from core.embeddings.remote import OpenAIEmbedder

    return VectorStore(
        OpenAIEmbedder(
            client=openai_client(settings),
            model=settings.embedding_model or "text-embedding-3-small",
            prices=settings.llm_prices,
        )
    )


def build_app(
    settings: Settings,
    *,
    source: PaperSource | None = None,
    scorer: Scorer | None = None,
    upgrade_schema: bool = True,
) -> App:
    engine = storage_engine.make_engine(settings.database_url)
    if upgrade_schema:
        migrate.upgrade(engine)
    sessions = partial(storage_engine.session, engine)
    scoring = ScoringService(
        scorer=scorer or default_scorer(settings),
        daily_budget_usd=settings.llm_daily_budget_usd,
        user_daily_budget_usd=settings.llm_user_daily_budget_usd,
        vectors=vector_store(settings),
    )
    builder = DigestBuilder(scoring=scoring, preferences=Preferences())
    return App(
        settings=settings,
        engine=engine,
        sessions=sessions,
        ingestor=Ingestor(sessions=sessions, source=source or arxiv_source(settings)),
        scoring=scoring,
        builder=builder,
        commands=CommandCore(
            sessions=sessions,
            builder=builder,
            default_categories=settings.categories,
            commands=COMMANDS,
        ),
    )
