"""Slack installations and OAuth states in our own database, through slack_sdk's SQLAlchemy
stores; bolt's AsyncApp wants async stores, so each call runs in a worker thread.

It lives beside the Slack adapter so that storage/ never imports a platform library; the
tables are created by the frozen migration 0004, and `slack_tables` (the library's own
definition) is kept only to check that the two still agree."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import sqlalchemy
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

BOTS_TABLE = "slack_bots"
INSTALLATIONS_TABLE = "slack_installations"
STATES_TABLE = "slack_oauth_states"


@dataclass(frozen=True)
class OAuthConfig:
    """Serving many workspaces: the app's OAuth credentials and where installations are kept."""

    client_id: str
    client_secret: str
    engine: sqlalchemy.Engine


def slack_tables(metadata: sqlalchemy.MetaData) -> list[sqlalchemy.Table]:
    """The tables the stores use, as the installed slack_sdk defines them."""
    return [
        SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS_TABLE),
        SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS_TABLE),
        SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, STATES_TABLE),
    ]


class InstallationStore(AsyncInstallationStore):
    def __init__(self, client_id: str, engine: sqlalchemy.Engine) -> None:
        self.sync = SQLAlchemyInstallationStore(
            client_id, engine, bots_table_name=BOTS_TABLE, installations_table_name=INSTALLATIONS_TABLE
        )

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.sync.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.sync.save_bot, bot)

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        return await asyncio.to_thread(
            self.sync.find_bot,
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await asyncio.to_thread(
            self.sync.find_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_delete_installation(self, **kwargs: Any) -> None:
        await asyncio.to_thread(self.sync.delete_installation, **kwargs)

    async def async_delete_bot(self, **kwargs: Any) -> None:
        await asyncio.to_thread(self.sync.delete_bot, **kwargs)


class StateStore(AsyncOAuthStateStore):
    def __init__(self, engine: sqlalchemy.Engine, expiration_seconds: int = 600) -> None:
        self.sync = SQLAlchemyOAuthStateStore(expiration_seconds, engine, table_name=STATES_TABLE)

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self.sync.issue, *args, **kwargs)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.sync.consume, state)
