"""Wiring between slack-bolt's AsyncApp and the command core, in the shared asyncio loop.

Incoming: `/paperbot <command>` becomes a core command (acknowledged at once, answered
ephemerally), vote buttons become ratings, App Home shows and changes the profile.
Outgoing: digests as Block Kit messages with the rest of the papers in a thread.
Socket Mode with an app token; otherwise HTTP mode on the process's web server, where
OAuth installs for many workspaces live when a client id and secret are set.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict, defaultdict
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.buttons import ButtonSigner, button_secret
from bot.health import Health
from bot.questions import OpenQuestions
from bot.slack.files import LibraryFiles
from bot.slack.home import HomeAndMessages
from bot.slack.installs import InstallationStore, OAuthConfig, StateStore
from bot.slack.modal import CALLBACK_ID
from bot.slack.proxy import proxy_for
from bot.slack.render import escape, with_vote
from bot.slack.send import SENDS_PER_WORKSPACE, DigestPoster, subject
from bot.web import WebServer
from core.commands.core import Caller, CommandCore, Reply
from core.commands.syntax import SLACK
from core.deliver.sender import PlatformDown
from core.models import Identity

log = logging.getLogger(__name__)


class _EnvironmentToken(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and then warns, at every start,
    that the client we hand it wins; that is the intended set-up, not news for an operator."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger("slack_bolt.AsyncApp").addFilter(_EnvironmentToken())
SCOPES = ["commands", "chat:write", "im:write", "im:history", "files:write", "files:read", "users:read"]
EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
INVALID_BUTTON = "This button is no longer valid."


class SlackAdapter(DigestPoster, LibraryFiles, HomeAndMessages):
    def __init__(
        self,
        *,
        core: CommandCore,
        signing_secret: str,
        base_url: str,
        token: str | None = None,
        app_token: str | None = None,
        oauth: OAuthConfig | None = None,
        web: WebServer | None = None,
        receive: bool = True,
        retries: int = 3,
    ) -> None:
        self.core = core
        self.token = token
        self.signer = ButtonSigner(button_secret(signing_secret))
        self.client = AsyncWebClient(
            token=None if oauth else token,
            base_url=base_url,
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=retries)],
        )
        self.client.proxy = proxy_for(base_url)  # slack_sdk alone ignores NO_PROXY
        self.installations: InstallationStore | None = None
        flow = None
        if oauth is not None:
            self.installations = InstallationStore(oauth.client_id, oauth.engine)
            flow = AsyncOAuthFlow(client=self.client, settings=AsyncOAuthSettings(
                client_id=oauth.client_id, client_secret=oauth.client_secret, scopes=SCOPES,
                installation_store=self.installations, state_store=StateStore(oauth.engine),
                install_path=INSTALL_PATH, redirect_uri_path=REDIRECT_PATH,
            ))  # fmt: skip
        self.app = AsyncApp(
            client=self.client,
            signing_secret=signing_secret,
            oauth_flow=flow,
            installation_store=self.installations,
            process_before_response=False,
        )
        self.app.command("/paperbot")(self.on_command)
        self.app.action(re.compile(r"^vote_"))(self.on_vote)
        self.app.action(re.compile(r"^home_"))(self.on_home_action)
        self.app.event("app_home_opened")(self.on_home_opened)
        self.app.event("message")(self.on_direct_message)
        self.app.event("file_shared")(self.on_file_shared)
        self._seen_files: OrderedDict[str, None] = OrderedDict()  # files imported (see files.py)
        self.app.view(CALLBACK_ID)(self.on_profile_submitted)
        self.app.error(self.on_error)
        self._app_token = app_token if receive else None
        self.health = Health("slack")
        self._socket: Any = None
        self._expecting: OpenQuestions[tuple[str, str]] = OpenQuestions()  # (team, user): a DM answers
        self._sends: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(SENDS_PER_WORKSPACE)
        )
        if receive and app_token is None and web is not None:
            web.route("POST", EVENTS_PATH, self._http_event)
            if flow is not None:
                web.route("GET", INSTALL_PATH, self._http_install)
                web.route("GET", REDIRECT_PATH, self._http_redirect)

    async def start(self) -> None:
        """Checks the bot token (one workspace) and opens Socket Mode (with an app token). A
        refused token raises `PlatformDown` in one line; `paperbot run` reports it and retries,
        rather than slack_sdk's connect loop retrying forever inside the start."""
        if self.token and self.installations is None:
            await self._check(self.client.auth_test(), "bot token")
        if self._app_token:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.app, self._app_token)
            opened = await self._check(
                self.client.apps_connections_open(app_token=self._app_token), "app token (Socket Mode)"
            )
            self._socket.client.wss_uri = str(opened["url"])
            await self._socket.connect_async()

    @staticmethod
    async def _check(call: Any, what: str) -> Any:
        try:
            return await call
        except SlackApiError as exc:
            error = exc.response.get("error")
            raise PlatformDown(f"Slack refused the {what} ({error})") from exc

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None

    # --- HTTP mode --------------------------------------------------------------------------

    async def _http_event(self, request: web.Request) -> web.Response:
        stamp = request.headers.get("X-Slack-Request-Timestamp", "")
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) < 16):
            return web.Response(status=401)  # the signature check would fail on it with a 500
        try:  # Bolt parses the body before it checks the signature: anyone could cause a 500
            bolt_request = await to_bolt_request(request)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError):  # not JSON, not an object
            return web.Response(status=400)
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    async def _http_install(self, request: web.Request) -> web.Response:
        assert self.app.oauth_flow is not None
        return await to_aiohttp_response(
            await self.app.oauth_flow.handle_installation(await to_bolt_request(request))
        )

    async def _http_redirect(self, request: web.Request) -> web.Response:
        assert self.app.oauth_flow is not None
        return await to_aiohttp_response(
            await self.app.oauth_flow.handle_callback(await to_bolt_request(request))
        )

    # --- who is talking ---------------------------------------------------------------------

    @staticmethod
    def user_identity(team: str, user: str, name: str = "") -> Identity:
        return Identity(
            platform="slack", platform_id=user, workspace=team, kind="user", display_name=name or user
        )

    @staticmethod
    def channel_identity(team: str, channel: str, name: str = "") -> Identity:
        return Identity(platform="slack", platform_id=channel, workspace=team, kind="channel",
                        display_name=f"#{name}" if name else channel)  # fmt: skip

    def user_caller(self, team: str, user: str, name: str = "") -> Caller:
        """A person speaking for themselves (a DM, App Home, a slash command outside a channel)."""
        return Caller(self.user_identity(team, user, name), member=user, syntax=SLACK)

    async def _is_admin(self, client: AsyncWebClient, user: str) -> bool:
        info = await client.users_info(user=user)
        member = info.get("user") or {}
        return bool(member.get("is_admin") or member.get("is_owner"))

    # --- slash command ----------------------------------------------------------------------

    async def on_command(self, ack: Any, body: dict[str, Any], respond: Any, client: AsyncWebClient) -> None:
        await ack()  # within Slack's 3 s; the work (maybe scoring) follows
        team, user, channel = body["team_id"], body["user_id"], body["channel_id"]
        text = " ".join((body.get("text") or "").split())
        word, _, rest = text.partition(" ")
        channel_id = self.channel_identity(team, channel, body.get("channel_name", ""))
        in_channel = not channel.startswith("D")
        if word.lower() in {"subscribe", "unsubscribe"}:
            if not in_channel:
                await respond(text="Run `/paperbot subscribe` in the channel that should get the digest.")
                return
            caller = Caller(channel_id, may_edit=await self._is_admin(client, user), member=user,
                            syntax=SLACK)  # fmt: skip
            word, rest = ("start" if word.lower() == "subscribe" else "pause"), ""
        elif in_channel and await asyncio.to_thread(self.core.has_profile, channel_id):
            caller = Caller(channel_id, may_edit=await self._is_admin(client, user), member=user,
                            syntax=SLACK)  # fmt: skip
        else:
            caller = self.user_caller(team, user, body.get("user_name", ""))
        reply = await asyncio.to_thread(self.core.invoke, caller, word or "help", rest)
        await self._answer(client, respond, caller.identity, reply)
        if reply.expects and caller.identity.kind == "user":  # e.g. the topics after a first start:
            self._expecting.ask((team, user), reply.expects)  # a DM answers it, or the modal
            if body.get("trigger_id") and reply.expects.startswith("topics"):  # not for /import's files
                await self.open_editor(client, team, user, str(body["trigger_id"]))

    async def _answer(self, client: AsyncWebClient, respond: Any, identity: Identity, reply: Reply) -> None:
        if reply.digest is not None:
            await self.post_digest(client, identity, reply.digest)
            if identity.kind == "user":
                await respond(
                    text=f"Your digest of {reply.digest.day.isoformat()} is in your messages from me."
                )
            return
        if reply.attachment is not None:
            name, content = reply.attachment
            channel = await self._destination(client, identity)
            await client.files_upload_v2(channel=channel, content=content, filename=name, title=name,
                                         initial_comment=escape(reply.text[:1000]))  # fmt: skip
            return
        await respond(text=escape(reply.text[:3000]), response_type="ephemeral")

    # --- votes ------------------------------------------------------------------------------

    async def on_vote(self, ack: Any, body: dict[str, Any], respond: Any, client: AsyncWebClient) -> None:
        await ack()
        team, user = body["team"]["id"], body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or body["container"]["channel_id"]
        value = body["actions"][0].get("value")
        # a channel's digest rates for the channel, a DM's for its user; the signature says which
        candidates = [(self.channel_identity(team, channel), subject(team, channel)),
                      (self.user_identity(team, user), subject(team, user))]  # fmt: skip
        verified = [(i, b, v) for i, b in candidates if (v := self.signer.verify(b, value)) is not None]
        if not verified:
            await respond(text=INVALID_BUTTON, response_type="ephemeral", replace_original=False)
            return
        identity, bound, vote = verified[0]
        reply = await asyncio.to_thread(self.core.rate, Caller(identity, member=user, syntax=SLACK), vote)
        if not reply.ok:
            await respond(text=escape(reply.text), response_type="ephemeral", replace_original=False)
            return
        message = body["message"]
        await client.chat_update(
            channel=channel, ts=message["ts"], text=message.get("text", ""),
            blocks=with_vote(message.get("blocks", []), vote, self.signer, bound),
        )  # fmt: skip

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        """The one place errors land: log them and keep the app up."""
        log.error("Slack handler failed for %s: %s", body.get("type") or body.get("command"), error,
                  exc_info=error)  # fmt: skip
