"""A loopback server speaking the Telegram Bot API to python-telegram-bot.

It records every call, queues updates for getUpdates, and rejects what the real API rejects:
text over 4096 characters (after entity parsing), HTML it cannot parse, callback_data over
64 bytes, messages to users who blocked the bot (403), and scripted floods (429).
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import html
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote

from tests.fakes.loopback import LoopbackServer, QuietHandler

ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
    "tg-emoji",
}
_BAD_ENTITY = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.errors: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, _attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f'unsupported start tag "{tag}"')
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.errors.append(f'unmatched end tag "{tag}"')

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(text: str) -> tuple[str, str | None]:
    """(plain text, error) as Telegram's HTML parse mode would see it."""
    if _BAD_ENTITY.search(text) or re.search(r"<(?![/a-zA-Z])", text):
        return "", "Bad Request: can't parse entities: unsupported character or entity"
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.errors or checker.open:
        return "", f"Bad Request: can't parse entities: {(checker.errors or ['unclosed tag'])[0]}"
    return html.unescape("".join(checker.text)), None


@dataclass
class FakeTelegram(LoopbackServer):
    token: str = "123:TEST"
    admins: dict[int, set[int]] = field(default_factory=dict)  # chat id → admin user ids
    blocked: set[int] = field(default_factory=set)
    broken: dict[int, int] = field(default_factory=dict)  # chat id → next sends answered 400
    flood: list[int] = field(default_factory=list)  # retry_after seconds for the next sends
    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # file_id → content, for getFile and download
    downloads: list[str] = field(default_factory=list)  # file paths fetched from /file/bot<token>/
    rejected: list[tuple[str, str]] = field(default_factory=list)
    unauthorized: list[str] = field(default_factory=list)  # methods called with a wrong token
    accepted: list[dict[str, Any]] = field(default_factory=list)  # messages delivered
    overall_limit: int | None = None  # messages per any 1-second window, as Telegram enforces
    hold_after: int | None = None  # after this many accepted messages, sends hang unprocessed
    chaos: float = 0.0  # this share of sends is answered 429 or 500 at random (faults, bench)
    rng: random.Random = field(default_factory=lambda: random.Random(5))
    released: threading.Event = field(default_factory=threading.Event)
    _recent: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _message_id: int = 0

    def __post_init__(self) -> None:
        self._serve()

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        super().__exit__(*exc)

    @property
    def base_url(self) -> str:
        return f"{self.address}/bot"

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.calls.append((method, params))
            handler = getattr(self, f"_{method}", None)
            if handler is None:
                return 200, {"ok": True, "result": True}
            return handler(params)

    def _fail(self, method: str, code: int, description: str, **extra: Any) -> tuple[int, dict[str, Any]]:
        self.rejected.append((method, description))
        return code, {"ok": False, "error_code": code, "description": description, **extra}

    def _getMe(self, _p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {
            "ok": True,
            "result": {"id": 123, "is_bot": True, "first_name": "paperbot", "username": "paperbot_test_bot"},
        }

    def _getUpdates(self, _p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        updates, self.updates = self.updates, []
        if not updates:
            time.sleep(0.02)
        return 200, {"ok": True, "result": updates}

    def _getChatMember(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat, user = int(p["chat_id"]), int(p["user_id"])
        status = "administrator" if user in self.admins.get(chat, set()) else "member"
        member = {"status": status, "user": {"id": user, "is_bot": False, "first_name": "U"}}
        if status == "administrator":
            member |= {
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
            }
        return 200, {"ok": True, "result": member}

    def _message(self, p: dict[str, Any], text: str | None = None) -> dict[str, Any]:
        self._message_id += 1
        chat = int(p["chat_id"])
        message = {
            "message_id": self._message_id,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private" if chat > 0 else "group"},
        }
        if text is not None:
            message["text"] = text
        if "reply_markup" in p:
            message["reply_markup"] = p["reply_markup"]
        return message

    def _check_send(self, method: str, p: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if "chat_id" not in p:  # also a request whose sender was killed halfway through its body
            return self._fail(method, 400, "Bad Request: chat_id is empty")
        chat = int(p["chat_id"])
        if self.broken.get(chat, 0) > 0:
            self.broken[chat] -= 1
            return self._fail(method, 400, "Bad Request: message could not be processed")
        if self.overall_limit is not None:
            now = time.monotonic()
            self._recent = [t for t in self._recent if now - t < 1.0]
            if len(self._recent) >= self.overall_limit:
                return self._fail(
                    method, 429, "Too Many Requests: retry after 1", parameters={"retry_after": 1}
                )
            self._recent.append(now)
        if self.chaos and (roll := self.rng.random()) < self.chaos:
            if roll < self.chaos / 2:
                return self._fail(
                    method, 429, "Too Many Requests: retry after 1", parameters={"retry_after": 1}
                )
            return self._fail(method, 500, "Internal Server Error")
        if self.flood:
            wait = self.flood.pop(0)
            return self._fail(
                method, 429, f"Too Many Requests: retry after {wait}", parameters={"retry_after": wait}
            )
        if int(p["chat_id"]) in self.blocked:
            return self._fail(method, 403, "Forbidden: bot was blocked by the user")
        for row in (p.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64:
                    return self._fail(method, 400, "Bad Request: BUTTON_DATA_INVALID")
        return None

    def _sendMessage(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if (refused := self._check_send("sendMessage", p)) is not None:
            return refused
        text = p["text"]
        if p.get("parse_mode") == "HTML":
            text, error = parse_html(text)
            if error:
                return self._fail("sendMessage", 400, error)
        if not 1 <= len(text) <= 4096:
            return self._fail("sendMessage", 400, "Bad Request: message is too long")
        message = self._message(p, text)
        self.accepted.append(message)
        return 200, {"ok": True, "result": message}

    def _sendPhoto(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if (refused := self._check_send("sendPhoto", p)) is not None:
            return refused
        photo = [{"file_id": "photo1", "file_unique_id": "u1", "width": 800, "height": 360}]
        return 200, {"ok": True, "result": self._message(p) | {"photo": photo}}

    def _sendDocument(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if (refused := self._check_send("sendDocument", p)) is not None:
            return refused
        document = {"file_id": "doc1", "file_unique_id": "d1", "file_name": "paperbot-saved.bib"}
        return 200, {"ok": True, "result": self._message(p) | {"document": document}}

    def _getFile(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        file_id = str(p["file_id"])
        if file_id not in self.files:
            return self._fail("getFile", 400, "Bad Request: invalid file_id")
        result = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": len(self.files[file_id]),
                  "file_path": f"documents/{file_id}.bin"}  # fmt: skip
        return 200, {"ok": True, "result": result}

    def download(self, token: str, path: str) -> tuple[int, bytes]:
        """GET /file/bot<token>/<file_path>, as the Bot API serves a file getFile named."""
        file_id = path.removeprefix("documents/").removesuffix(".bin")
        if token != self.token or file_id not in self.files:
            return 404, b"Not Found"
        self.downloads.append(path)
        return 200, self.files[file_id]

    def _editMessageReplyMarkup(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if (refused := self._check_send("editMessageReplyMarkup", p)) is not None:
            return refused
        return 200, {"ok": True, "result": self._message(p) | {"message_id": int(p["message_id"])}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                token, _, path = unquote(self.path.removeprefix("/file/bot")).partition("/")
                status, body = fake.download(token, path)
                self.reply(status, body, content_type="application/octet-stream")

            def do_POST(self) -> None:
                raw = self.body()
                token, _, method = self.path.removeprefix("/bot").partition("/")
                if token != fake.token:
                    fake.unauthorized.append(method)
                    status, payload = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                elif (
                    method == "sendMessage"
                    and fake.hold_after is not None
                    and (len(fake.accepted) >= fake.hold_after)
                ):
                    # the request never reaches "Telegram": a crash now loses nothing it accepted
                    fake.released.wait()
                    status, payload = 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
                else:
                    status, payload = fake.call(method, self._params(raw))
                with contextlib.suppress(OSError):  # the client may have been killed meanwhile
                    self.reply_json(status, payload)

            def _params(self, raw: bytes) -> dict[str, Any]:
                kind = self.headers.get("Content-Type", "")
                if kind.startswith("application/json"):
                    return json.loads(raw or b"{}")
                if kind.startswith("multipart/form-data"):
                    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                        f"Content-Type: {kind}\r\n\r\n".encode() + raw
                    )
                    fields: dict[str, Any] = {}
                    for part in message.iter_parts():
                        name = part.get_param("name", header="content-disposition")
                        payload = part.get_payload(decode=True)
                        fields[name] = payload if part.get_filename() else _value(payload.decode())
                    return fields
                return {k: _value(v[0]) for k, v in parse_qs(raw.decode()).items()}

        return Handler


def _value(text: str) -> Any:
    """PTB sends nested values (reply_markup, commands) as JSON strings."""
    if text[:1] in "{[":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text
