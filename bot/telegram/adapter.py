"""Wiring between python-telegram-bot and the command core; runs inside a shared asyncio loop.

Incoming: commands become core commands (the group's admins alone may change a group's
profile), button presses become ratings. Outgoing: replies and digests as HTML messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from html import escape

from aiohttp import web
from telegram import BotCommand, ForceReply, LinkPreviewOptions, Message, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bot.buttons import ButtonSigner, button_secret
from bot.health import Health
from bot.questions import OpenQuestions
from bot.telegram.pacing import PacedRateLimiter, PacedRequest, Pacer
from bot.telegram.render import digest_messages, with_vote
from bot.web import WebServer
from core.commands.core import MAX_IMPORT_BYTES, Caller, CommandCore, Reply
from core.commands.registry import COMMANDS
from core.deliver.sender import PlatformDown, Progress, Unreachable
from core.digest.model import Digest
from core.models import Identity

log = logging.getLogger(__name__)
ADMINS = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
NETWORK_RETRIES = 3
NETWORK_BACKOFF = 1.0
WEBHOOK_PATH = "/telegram"
READY_WAIT = 10.0  # a delivery right after start-up waits this long for the bot to be ready


class TelegramAdapter:
    def __init__(
        self,
        *,
        core: CommandCore,
        token: str,
        base_url: str,
        rate_limit: bool = True,
        messages_per_second: float = 29.0,  # Telegram allows about 30; keep a margin
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        web: WebServer | None = None,
        receive: bool = True,
    ) -> None:
        self.core = core
        self.signer = ButtonSigner(button_secret(token))
        self._receive = receive
        self._webhook_url = webhook_url
        self._webhook_secret = (
            webhook_secret or hashlib.sha256(b"paperbot-webhook:" + token.encode()).hexdigest()
        )
        if receive and webhook_url:
            if web is None:
                raise ValueError("webhook mode needs the process's web server")
            web.route("POST", WEBHOOK_PATH, self._webhook)
        defaults = Defaults(
            parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
        )
        builder: ApplicationBuilder = (  # bare: rate limiting changes the builder's bot type
            ApplicationBuilder()
            .token(token)
            .base_url(base_url)
            .base_file_url(base_url.replace("/bot", "/file/bot"))
            .defaults(defaults)
        )
        pacer = Pacer(messages_per_second)
        if rate_limit:
            builder = builder.request(PacedRequest(pacer)).rate_limiter(PacedRateLimiter(pacer))
        self.app: Application = builder.build()
        self.app.add_handler(  # an edited message is not sent again: its command already ran
            MessageHandler(filters.UpdateType.MESSAGE & (filters.TEXT | filters.COMMAND), self.on_message)
        )
        self.app.add_handler(
            MessageHandler(filters.UpdateType.MESSAGE & filters.Document.ALL, self.on_document)
        )
        self.app.add_handler(CallbackQueryHandler(self.on_button))
        # conversations in progress: (chat, user) → the command their next plain message completes
        self._expecting: OpenQuestions[tuple[int, int]] = OpenQuestions()
        self.app.add_error_handler(self.on_error)
        self.health = Health("telegram")
        self._ready = asyncio.Event()  # the token was accepted: deliveries may go out

    async def start(self) -> None:
        """Start by hand (not run_polling) so the scheduler and Slack share the loop. Without
        `receive` the bot only sends (the worker when another process takes the webhook).
        A rejected token raises here; `paperbot run` reports it and tries again later."""
        try:
            await self.app.initialize()
        except InvalidToken as exc:
            raise PlatformDown("Telegram rejected the bot token (Unauthorized)") from exc
        self._ready.set()
        if not self._receive:
            return
        await self.app.bot.set_my_commands(
            [BotCommand(name.lstrip("/"), c.summary[:256]) for name, c in COMMANDS.items()]
        )
        if self._webhook_url:
            await self.app.bot.set_webhook(self._webhook_url, secret_token=self._webhook_secret)
        else:
            await self.app.updater.start_polling()  # type: ignore[union-attr]  # built with an updater
        await self.app.start()

    async def _webhook(self, request: web.Request) -> web.Response:
        """Updates Telegram posts to the webhook; the secret header proves they come from it."""
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), self._webhook_secret.encode()):
            return web.Response(status=403)
        try:
            body = await request.json()
            if not isinstance(body, dict) or not isinstance(body.get("update_id"), int):
                return web.Response(status=400)  # `[]`, `"x"`, `{}`: not an update
            update = Update.de_json(body, self.app.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return web.Response(status=400)
        await self.app.update_queue.put(update)
        return web.Response()

    async def stop(self) -> None:
        self._ready.clear()
        if self.app.updater and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    async def caller(self, update: Update) -> Caller:
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None
        private = chat.type == ChatType.PRIVATE
        identity = Identity(
            platform="telegram",
            platform_id=str(chat.id),
            kind="user" if private else "group",
            display_name=(user.full_name if private and user else chat.title or str(chat.id)),
        )
        if private or user is None:
            return Caller(identity)
        # a group belongs to its admins: a member is no owner (member=None), whoever came first
        member = await self.app.bot.get_chat_member(chat.id, user.id)
        return Caller(identity, may_edit=member.status in ADMINS)

    async def on_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        key = (message.chat_id, update.effective_user.id if update.effective_user else 0)
        expected = self._expecting.answer(key)  # any message ends a conversation's step
        if not message.text.startswith("/"):
            if expected is not None:  # the answer to our question, e.g. the topics after /start
                name, _, verb = expected.partition(" ")
                caller = await self.caller(update)
                reply = await asyncio.to_thread(self.core.invoke, caller, name, f"{verb} {message.text}")
                await self.send_reply(message, reply, key)
            elif update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
                await message.reply_text("I understand commands; send /help to see them.")
            return
        caller = await self.caller(update)
        reply = await asyncio.to_thread(self.core.handle, caller, message.text)
        await self.send_reply(message, reply, key)

    async def on_document(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A sent file is a library to import: in a private chat, after /import, or captioned
        /import in a group (where other files are not meant for the bot)."""
        message = update.effective_message
        if message is None or message.document is None:
            return
        key = (message.chat_id, update.effective_user.id if update.effective_user else 0)
        expected = self._expecting.answer(key)
        words = (message.caption or "").split()
        captioned = bool(words) and words[0].split("@", 1)[0].lower() == "/import"
        private = message.chat.type == ChatType.PRIVATE
        if not (private or captioned or expected == "import"):
            return
        caller = await self.caller(update)
        size = message.document.file_size or 0
        data: bytes | None = b""
        if size <= MAX_IMPORT_BYTES:  # a larger one is refused by the core undownloaded
            try:
                data = bytes(await (await message.document.get_file()).download_as_bytearray())
            except TelegramError as exc:
                log.warning("could not download a Telegram document: %s", exc)
                data = None  # the core says so
        reply = await asyncio.to_thread(self.core.import_file, caller, data, size=size)
        await self.send_reply(message, reply, key)

    async def send_reply(self, message: Message, reply: Reply, key: tuple[int, int] | None = None) -> None:
        if reply.digest is not None:
            await self.send_digest(message.chat_id, reply.digest)
            return
        if reply.attachment is not None:
            name, content = reply.attachment
            if name.endswith(".png"):
                await message.reply_photo(content, caption=escape(reply.text[:1000]))
            else:
                await message.reply_document(content, filename=name, caption=f"{len(content)} bytes")
            return
        if reply.expects and key is not None:  # ask, and take the next message as the answer
            self._expecting.ask(key, reply.expects)
            example = "2405.01234 (or send a .bib file)" if reply.expects == "import" else None
            prompt = ForceReply(
                selective=True, input_field_placeholder=example or "sparse autoencoders, mixture of experts"
            )
            await message.reply_text(escape(reply.text[:4000]), reply_markup=prompt, do_quote=True)
            return
        await message.reply_text(escape(reply.text[:4000]))

    async def send_digest(
        self, chat_id: int, digest: Digest, votes: dict[str, int] | None = None
    ) -> list[int]:
        """Send a digest; returns the message ids."""
        progress = Progress()
        await self._send(chat_id, digest, progress, votes)
        return [int(m) for m in progress.done]

    async def deliver(self, identity: Identity, digest: Digest, progress: Progress) -> None:
        """For the delivery worker: resumes after the messages in `progress`. A bot that is not
        started or whose token is refused raises `PlatformDown`: retried, no profile marked."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), READY_WAIT)
        if not self._ready.is_set():
            raise PlatformDown("Telegram is not connected (its start is being retried)")
        try:
            await self._send(int(identity.platform_id), digest, progress)
        except InvalidToken as exc:
            self.health.failing("Telegram rejected the bot token (Unauthorized)")
            raise PlatformDown("Telegram rejected the bot token (Unauthorized)") from exc
        self.health.recovered()

    async def _send(
        self, chat_id: int, digest: Digest, progress: Progress, votes: dict[str, int] | None = None
    ) -> None:
        """A chat that blocked the bot raises `Unreachable`; delivery marks its profile."""
        messages = digest_messages(digest, signer=self.signer, chat_id=chat_id, votes=votes)
        try:
            for text, markup, paper_ids in messages[progress.skip :]:
                message = await self._send_with_retries(chat_id, text, markup)
                await progress.accepted(str(message.message_id), paper_ids)
        except Forbidden as exc:
            raise Unreachable(f"Telegram chat {chat_id} blocked the bot") from exc

    async def _send_with_retries(self, chat_id: int, text: str, markup: object) -> Message:
        """Network errors are retried with backoff; flood limits are the rate limiter's job."""
        for attempt in range(NETWORK_RETRIES + 1):
            try:
                return await self.app.bot.send_message(chat_id, text, reply_markup=markup)
            except NetworkError as exc:
                if isinstance(exc, BadRequest) or attempt == NETWORK_RETRIES:
                    raise
                log.warning("network error sending to %s (%s); retrying", chat_id, exc)
                await asyncio.sleep(NETWORK_BACKOFF * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    async def on_button(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.message is None:
            return
        chat_id = query.message.chat.id
        vote = self.signer.verify(str(chat_id), query.data)
        private = query.message.chat.type == ChatType.PRIVATE
        if vote is None or (private and query.from_user.id != chat_id):  # only that chat's user
            await query.answer("This button is no longer valid.")
            return
        caller = await self.caller(update)
        reply = await asyncio.to_thread(self.core.rate, Caller(caller.identity), vote)
        await query.answer(f"{vote.thumb} saved" if reply.ok else reply.text[:190])
        markup = getattr(query.message, "reply_markup", None)
        if reply.ok and markup is not None:
            await query.edit_message_reply_markup(with_vote(markup, vote, self.signer, chat_id))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one place errors land: log them and keep the bot up."""
        error = context.error
        if isinstance(error, TelegramError):
            log.warning("Telegram error: %s", error)
        else:
            log.error("handler failed for %r", update, exc_info=error)
