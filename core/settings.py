"""One typed settings object, read from the environment and `.env`, validated at start-up.

Each component is handed only the fields it needs; nothing reads the environment at
import time.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///paperbot.db"


class Settings(BaseSettings):
    """Everything paperbot can be configured with; the names match interfaces.md."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str = DEFAULT_DATABASE_URL

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"

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

    port: int = 8000

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
