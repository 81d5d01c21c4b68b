"""The composition root: the one page that says what runs in production, built from which
settings. `build_app` makes the core (storage, scoring direct and batch, digests, commands, the
daily run); `services` adds the edge (adapters, the web server, delivery, the scheduler).

`paperbot run`, every CLI command, `paperbot demo`, the tests and bench/ build through here
(tests with fakes behind the settings' base URLs).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.settings import DEFAULT_DATABASE_URL, Settings
from bot.supervise import Service
from core.commands.core import CommandCore
from core.commands.registry import COMMANDS
from core.day import DailyRun
from core.deliver.sender import Sender
from core.deliver.worker import DeliveryWorker
from core.digest.build import DigestBuilder
from core.embeddings.store import VectorStore
from core.errors import InputError
from core.ingest.arxiv_source import ArxivSource
from core.ingest.polite import RetryPolicy, Throttle
from core.ingest.service import Ingestor, PaperSource
from core.learning.learner import Learner
from core.library.fetch import ArxivLookup
from core.scoring import Scorer
from core.scoring.offline import OfflineScorer
from core.scoring.service import ScoringService
from storage import engine as storage_engine
from storage import migrate

if TYPE_CHECKING:
    import openai
    from pydantic import SecretStr

    from bot.scheduler import Scheduler
    from core.scoring.llm.batch import BatchScoring
    from core.scoring.llm.scorer import LlmScorer


Sessions = Callable[[], Session]


@dataclass
class App:
    settings: Settings
    engine: Engine
    sessions: Callable[[], Session]
    ingestor: Ingestor
    scoring: ScoringService
    builder: DigestBuilder
    commands: CommandCore
    daily: DailyRun


def arxiv_throttle(settings: Settings) -> Throttle:
    """The one pace of this process's arXiv requests: ingest and /import share it."""
    return Throttle(settings.arxiv_delay_seconds)


def arxiv_retry(settings: Settings) -> RetryPolicy:
    return RetryPolicy(retries=settings.arxiv_retries, backoff=max(settings.arxiv_delay_seconds, 0.05))


def arxiv_source(settings: Settings, throttle: Throttle) -> ArxivSource:
    return ArxivSource(
        rss_url=settings.arxiv_rss_url,
        api_url=settings.arxiv_api_url,
        timeout_seconds=settings.arxiv_timeout_seconds,
        retry=arxiv_retry(settings),
        batch_size=settings.arxiv_batch_size,
        throttle=throttle,
    )


def library_lookup(settings: Settings, throttle: Throttle) -> ArxivLookup:
    """The arXiv API for /import: as polite as ingest, on ingest's pace."""
    return ArxivLookup(
        api_url=settings.arxiv_api_url,
        timeout_seconds=settings.arxiv_timeout_seconds,
        retry=arxiv_retry(settings),
        throttle=throttle,
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


def llm_scorer(settings: Settings) -> LlmScorer | None:
    """The LLM scorer when a key is configured; None means the offline scorer. An unpriced
    model with a budget set fails here, at start-up: a budget must never count zero."""
    if not has_key(settings):
        return None
    from core.scoring.llm.prefilter import Prefilter
    from core.scoring.llm.pricing import require_price
    from core.scoring.llm.scorer import LlmScorer

    budgeted = settings.llm_daily_budget_usd is not None or settings.llm_user_daily_budget_usd is not None
    require_price(settings.llm_prices, settings.openai_model, budgeted=budgeted)
    prefilter = Prefilter(
        share=settings.llm_prefilter_share, floor=settings.llm_prefilter_floor,
        small_day=settings.llm_small_day, tokens_per_paper=settings.llm_prompt_tokens_per_paper,
    )  # fmt: skip
    return LlmScorer(
        client=openai_client(settings), model=settings.openai_model, prices=settings.llm_prices,
        batch_size=settings.llm_batch_size, concurrency=settings.llm_concurrency,
        reasks=settings.llm_reasks, prefilter=prefilter,
        reasoning_effort=settings.llm_reasoning_effort or None,
    )  # fmt: skip


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


def batch_scoring(
    settings: Settings, llm: LlmScorer, scoring: ScoringService, sessions: Sessions
) -> BatchScoring:
    """The Batch API transport for the LLM scorer the scoring service uses (one, for all)."""
    from core.scoring.llm.batch import BatchScoring

    return BatchScoring(
        scorer=llm, sessions=sessions, scoring=scoring, poll_seconds=settings.llm_batch_poll_seconds
    )


def build_app(
    settings: Settings,
    *,
    source: PaperSource | None = None,
    scorer: Scorer | None = None,
    upgrade_schema: bool = True,
) -> App:
    """The core, built once: `scorer` replaces the one the settings choose (tests, bench/)."""
    storage_engine.refuse_ephemeral_sqlite(
        settings.database_url, default_url=DEFAULT_DATABASE_URL, persistent_disk=settings.persistent_disk
    )
    engine = storage_engine.make_engine(settings.database_url)
    if upgrade_schema:
        migrate.upgrade(engine)
    sessions = partial(storage_engine.session, engine)
    llm = None if scorer is not None else llm_scorer(settings)
    scoring = ScoringService(
        scorer=scorer or llm or OfflineScorer(),
        daily_budget_usd=settings.llm_daily_budget_usd,
        user_daily_budget_usd=settings.llm_user_daily_budget_usd,
        vectors=vector_store(settings),
    )
    builder = DigestBuilder(scoring=scoring, learner=Learner(vectors=scoring.vectors))
    throttle = arxiv_throttle(settings)
    ingestor = Ingestor(sessions=sessions, source=source or arxiv_source(settings, throttle))
    daily = DailyRun(
        sessions=sessions, ingestor=ingestor, scoring=scoring, categories=settings.categories,
        batches=None if llm is None else batch_scoring(settings, llm, scoring, sessions),
        batch_daily=settings.llm_batch_daily,
        batch_margin=dt.timedelta(minutes=settings.llm_batch_margin_minutes),
        retry_every=dt.timedelta(minutes=settings.ingest_retry_minutes),
        retry_for=dt.timedelta(hours=settings.ingest_retry_hours),
    )  # fmt: skip
    return App(
        settings=settings,
        engine=engine,
        sessions=sessions,
        ingestor=ingestor,
        scoring=scoring,
        builder=builder,
        commands=CommandCore(
            sessions=sessions,
            builder=builder,
            default_categories=settings.categories,
            commands=COMMANDS,
            library=library_lookup(settings, throttle),
        ),
        daily=daily,
    )


def delivery_worker(
    app: App, senders: dict[str, Sender], *, clock: Callable[[], dt.datetime] | None = None
) -> DeliveryWorker:
    settings = app.settings
    worker = DeliveryWorker(
        sessions=app.sessions, builder=app.builder, senders=senders,
        concurrency=settings.delivery_concurrency, max_attempts=settings.delivery_max_attempts,
        retry_after=dt.timedelta(minutes=settings.delivery_retry_minutes),
        lease_seconds=settings.worker_lease_seconds,
    )  # fmt: skip
    if clock is not None:
        worker.clock = clock
    return worker


def scheduler(
    app: App, worker: DeliveryWorker, *, clock: Callable[[], dt.datetime] | None = None
) -> Scheduler:
    """The daily run's triggers: the evening ingest, batch polling, the delivery tick."""
    from bot.scheduler import Scheduler

    return Scheduler(
        app.daily, worker, ingest_time=app.settings.ingest_time,
        batch_poll_seconds=app.settings.llm_batch_poll_seconds, clock=clock,
        lease_seconds=app.settings.worker_lease_seconds, renew_seconds=app.settings.worker_renew_seconds,
        tick_seconds=app.settings.delivery_tick_seconds,
    )  # fmt: skip


def _secret(value: SecretStr | None) -> str | None:
    text = value.get_secret_value() if value is not None else None
    return text or None


def services(app: App, role: str = "all") -> list[Service]:
    """Adapters first (they must be up before the scheduler sends), the web server, then
    the scheduler. In `worker` role, adapters whose updates arrive over HTTP only send."""
    from bot.web import WebServer

    settings = app.settings
    web = WebServer(settings.port)
    serve_http, schedule = role in {"all", "web"}, role in {"all", "worker"}
    built: list[Service] = []
    senders: dict[str, Sender] = {}
    if token := _secret(settings.telegram_bot_token):
        from bot.telegram.adapter import TelegramAdapter

        webhook = settings.telegram_webhook_url
        telegram = TelegramAdapter(
            core=app.commands, token=token, base_url=settings.telegram_api_base_url,
            webhook_url=webhook, webhook_secret=_secret(settings.telegram_webhook_secret), web=web,
            receive=serve_http if webhook else schedule,
        )  # fmt: skip
        built.append(telegram)
        senders["telegram"] = telegram
    slack_secret = _secret(settings.slack_signing_secret)
    slack_token, client_secret = _secret(settings.slack_bot_token), _secret(settings.slack_client_secret)
    if slack_secret and (slack_token or (settings.slack_client_id and client_secret)):
        from bot.slack.adapter import SlackAdapter
        from bot.slack.installs import OAuthConfig

        app_token = _secret(settings.slack_app_token)
        oauth = None
        if settings.slack_client_id and client_secret and not app_token:
            oauth = OAuthConfig(settings.slack_client_id, client_secret, app.engine)
        slack = SlackAdapter(
            core=app.commands, signing_secret=slack_secret, base_url=settings.slack_api_base_url,
            token=slack_token, app_token=app_token, oauth=oauth, web=web,
            receive=schedule if app_token else serve_http,
        )  # fmt: skip
        built.append(slack)
        senders["slack"] = slack
    if not built:
        raise InputError(
            "no adapter is configured: set TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
            "(see .env.example)"
        )
    if serve_http and web.has_routes:
        built.append(web)
    if schedule:
        built.append(scheduler(app, delivery_worker(app, senders)))
    return built
