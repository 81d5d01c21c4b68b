"""The composition root: the one place that builds paperbot's parts from settings.

The CLI, `paperbot demo`, the worker and the tests all start here (tests with fakes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.commands.core import CommandCore
from core.commands.registry import COMMANDS
from core.digest.build import DigestBuilder
from core.ingest.arxiv_source import ArxivSource
from core.ingest.polite import RetryPolicy
from core.ingest.service import Ingestor, PaperSource
from core.preferences import Preferences
from core.scoring import Scorer, get_scorer
from core.scoring.service import ScoringService
from core.settings import Settings
from storage import engine as storage_engine
from storage import migrate


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


def default_scorer(settings: Settings) -> Scorer:
    """The LLM scorer when a key is configured, the offline scorer otherwise."""
    if settings.openai_api_key is None or not settings.openai_api_key.get_secret_value():
        return get_scorer("offline")
    import openai  # only deployments with a key pay for loading the client

    from core.scoring.llm.scorer import LlmScorer

    client = openai.OpenAI(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url or None,
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
    )
    return LlmScorer(
        client=client, model=settings.openai_model, prices=settings.llm_prices,
        batch_size=settings.llm_batch_size, concurrency=settings.llm_concurrency,
        reasks=settings.llm_reasks, prefilter_share=settings.llm_prefilter_share,
        prefilter_floor=settings.llm_prefilter_floor,
    )  # fmt: skip


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
