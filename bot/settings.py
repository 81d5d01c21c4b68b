"""One typed settings object, read from the environment and `.env`, validated at start-up.

Each component is handed only the fields it needs; nothing reads the environment at
import time.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.scoring.llm.pricing import BUILTIN_PRICES

DEFAULT_DATABASE_URL = "sqlite:///paperbot.db"


class Settings(BaseSettings):
    """Everything paperbot can be configured with; the names match interfaces.md."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str = DEFAULT_DATABASE_URL
    # The disk survives restarts (a mounted volume): allows the default SQLite file on a platform
    # that is otherwise recognised as having throwaway disks (Heroku, Render, Railway, Fly.io).
    persistent_disk: bool = False

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-6-luna"
    # Reasoning effort sent to reasoning models (none … max); empty: the family's measured
    # default (none for gpt-6-luna, see core/scoring/llm/families.py).
    llm_reasoning_effort: Literal["", "none", "minimal", "low", "medium", "high", "xhigh", "max"] = ""
    llm_batch_size: int = Field(default=100, ge=1, le=200)
    llm_concurrency: int = Field(default=4, ge=1, le=32)
    llm_timeout_seconds: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=3, ge=0, le=10)
    llm_reasks: int = Field(default=2, ge=0, le=5)
    llm_batch_poll_seconds: float = Field(default=60.0, gt=0)
    # The daily run submits to the Batch API (half price) and collects until this many minutes
    # before the earliest delivery; what is not back by then is scored synchronously.
    llm_batch_daily: bool = False
    llm_batch_margin_minutes: float = Field(default=15.0, ge=0)
    llm_prefilter_share: float = Field(default=1.0, gt=0, le=1)
    llm_prefilter_floor: int = Field(default=20, ge=0)
    llm_small_day: int = Field(default=100, ge=0)  # days this small are forwarded whole
    # The day's prompt budget per forwarded paper: the best-ranked get longer abstract openings
    # until it is spent (core/scoring/llm/prefilter.py).
    llm_prompt_tokens_per_paper: float = Field(default=60.0, gt=0)
    llm_daily_budget_usd: float = Field(default=2.0, ge=0)
    llm_user_daily_budget_usd: float = Field(default=0.20, ge=0)
    # USD per million tokens: input, cached input, output; merged over the built-in table
    # (core/scoring/llm/pricing.py), so LLM_PRICES names only what it adds or changes.
    llm_prices: dict[str, tuple[float, float, float]] = Field(default_factory=lambda: dict(BUILTIN_PRICES))
    # Embeddings help rank and learn: auto = OpenAI's when a key is set, else none.
    embeddings: Literal["auto", "off", "openai", "local"] = "auto"
    embedding_model: str = ""  # default: text-embedding-3-small, or the packaged all-MiniLM-L6-v2

    arxiv_rss_url: str = "https://rss.arxiv.org/rss/"
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    arxiv_delay_seconds: float = Field(default=3.0, ge=0)
    arxiv_timeout_seconds: float = Field(default=30.0, gt=0)
    arxiv_retries: int = Field(default=4, ge=0)
    arxiv_batch_size: int = Field(default=200, ge=1, le=2000)

    default_categories: str = "cs.LG,cs.AI"

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_base_url: str = "https://slack.com/api/"
    slack_client_id: str | None = None  # with the secret: OAuth installs for many workspaces
    slack_client_secret: SecretStr | None = None

    port: int = 8000
    # `paperbot run`: a service whose start fails or hangs is retried in the background
    start_timeout_seconds: float = Field(default=30.0, gt=0)
    start_retry_seconds: float = Field(default=5.0, gt=0)  # doubles each time, up to the max
    start_retry_max_seconds: float = Field(default=300.0, gt=0)
    health_refresh_seconds: float = Field(default=15.0, gt=0)

    # The daily run (`paperbot run`): ingest after arXiv publishes (US Eastern, Sunday–Thursday),
    # retry until the feed shows the new day, then a delivery tick every minute.
    ingest_time: str = Field(default="20:05", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    ingest_retry_minutes: float = Field(default=10.0, gt=0)
    ingest_retry_hours: float = Field(default=6.0, ge=0)
    delivery_concurrency: int = Field(default=64, ge=1, le=1000)
    delivery_max_attempts: int = Field(default=4, ge=1, le=20)
    delivery_retry_minutes: float = Field(default=2.0, gt=0)
    # several workers: the leader lease (ingest, scoring, Telegram) and delivery claim leases
    worker_lease_seconds: float = Field(default=60.0, ge=1, le=3600)
    worker_renew_seconds: float = Field(default=20.0, gt=0, le=1200)
    delivery_tick_seconds: float = Field(default=60.0, ge=0.2, le=3600)

    @field_validator("llm_prices")
    @classmethod
    def _merge_prices(
        cls, value: dict[str, tuple[float, float, float]]
    ) -> dict[str, tuple[float, float, float]]:
        return {**BUILTIN_PRICES, **value}

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        """Hosting platforms hand out `postgres://`, which SQLAlchemy no longer accepts."""
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @property
    def categories(self) -> list[str]:
        return [c.strip() for c in self.default_categories.split(",") if c.strip()]
