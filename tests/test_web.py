"""The shared HTTP server binds its port only when an adapter has an endpoint on it."""

from __future__ import annotations

from aiohttp import web
from pydantic import SecretStr

from bot.compose import build_app, services
from bot.settings import Settings
from bot.web import WebServer


async def _ok(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


def test_the_health_check_alone_is_not_a_reason_to_bind() -> None:
    server = WebServer(port=0)
    assert not server.has_routes  # /healthz is GET + HEAD in aiohttp: still no endpoint
    server.route("POST", "/slack/events", _ok)
    assert server.has_routes


def test_polling_telegram_runs_without_the_web_server(env: Settings) -> None:
    app = build_app(env.model_copy(update={"telegram_bot_token": SecretStr("1:T")}))
    assert [type(s).__name__ for s in services(app, "all")] == ["TelegramAdapter", "Scheduler"]
    app.engine.dispose()
