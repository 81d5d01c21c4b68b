"""A loopback Slack Web API: records every call and enforces Block Kit's limits.

Speaks what slack_sdk's AsyncWebClient sends (form or JSON bodies, bearer tokens), answers
`{"ok": false, "error": ...}` as Slack does, can answer 429 with Retry-After, and accepts
response_url posts and file uploads, so tests assert on what the user would really see.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlparse

from tests.fakes.loopback import LoopbackServer, QuietHandler

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_MESSAGE = 12_000
MAX_BUTTON_TEXT = 75
MAX_VALUE = 2000


@dataclass
class Call:
    method: str
    token: str
    args: dict[str, Any]
    ts: str = ""  # the ts answered for a posted message


def block_problem(blocks: list[dict[str, Any]]) -> str | None:
    """What Slack would reject in these blocks, or None."""
    if len(blocks) > MAX_BLOCKS:
        return "invalid_blocks: more than 50 blocks"
    for block in blocks:
        text = (block.get("text") or {}).get("text", "")
        if block.get("type") == "section" and not 0 < len(text) <= MAX_SECTION:
            return "invalid_blocks: section text length"
        for element in block.get("elements", []):
            if element.get("type") == "button":
                label = element["text"]["text"]
                if not 0 < len(label) <= MAX_BUTTON_TEXT or len(element.get("value", "")) > MAX_VALUE:
                    return "invalid_blocks: button"
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(ids) != len(set(ids)):
        return "invalid_blocks: duplicate block_id"
    if len(json.dumps(blocks, ensure_ascii=False)) > MAX_MESSAGE * 2:
        return "msg_too_long"
    return None


MAX_VIEW_BLOCKS = 100
MAX_TITLE = 24  # a modal's title, submit and close
MAX_LABEL = 2000
MAX_INPUT = 3000  # a plain_text_input's max_length
INPUTS = {"plain_text_input", "static_select", "timepicker", "number_input", "checkboxes"}


def _plain(obj: Any, limit: int) -> bool:
    return (
        isinstance(obj, dict)
        and obj.get("type") == "plain_text"
        and isinstance(obj.get("text"), str)
        and 0 < len(obj["text"]) <= limit
    )


def view_problem(view: Any, *, kind: str) -> str | None:
    """What Slack would reject in a view for views.open (`modal`) or views.publish (`home`)."""
    if not isinstance(view, dict) or view.get("type") != kind:
        return f"invalid_arguments: view type must be {kind}"
    blocks = view.get("blocks") or []
    if len(blocks) > MAX_VIEW_BLOCKS:
        return "invalid_arguments: more than 100 blocks"
    if kind == "modal":
        if not _plain(view.get("title"), MAX_TITLE):
            return "invalid_arguments: title"
        for key in ("submit", "close"):
            if key in view and not _plain(view[key], MAX_TITLE):
                return f"invalid_arguments: {key}"
        if any(b.get("type") == "input" for b in blocks) and "submit" not in view:
            return "invalid_arguments: inputs need a submit button"
        if len(str(view.get("callback_id", ""))) > 255 or len(str(view.get("private_metadata", ""))) > 3000:
            return "invalid_arguments: callback_id or private_metadata"
    for block in blocks:
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        if not _plain(block.get("label"), MAX_LABEL) or ("hint" in block and not _plain(block["hint"], 2000)):
            return "invalid_arguments: input label or hint"
        if element.get("type") not in INPUTS or not element.get("action_id"):
            return "invalid_arguments: input element"
        if element["type"] == "plain_text_input":
            top = element.get("max_length", MAX_INPUT)
            if not (isinstance(top, int) and 0 < top <= MAX_INPUT):
                return "invalid_arguments: max_length must be 1 to 3000"
            initial = element.get("initial_value")
            if initial is not None and (not isinstance(initial, str) or len(initial) > top):
                return "invalid_arguments: initial_value longer than max_length"
            if not isinstance(element.get("multiline", False), bool):
                return "invalid_arguments: multiline"
    rest = [b for b in blocks if b.get("type") != "input"]
    return block_problem(rest) if len(rest) <= MAX_BLOCKS else None


class FakeSlack(LoopbackServer):
    def __init__(self, *, team: str = "T1", admins: set[str] | None = None) -> None:
        self.team = team
        self.admins = admins or set()
        self.calls: list[Call] = []
        self.responses: list[dict[str, Any]] = []  # bodies posted to response_url
        self.uploads: dict[str, bytes] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # file id → (name, content): files.info, download
        self.downloads: list[tuple[str, str]] = []  # (file id, bearer token) of each private download
        self.rejected: list[tuple[str, str]] = []
        self.limited: dict[str, int] = {}  # method → how many next calls get 429
        self.oauth_teams: dict[str, str] = {}  # code → team id granted by oauth.v2.access
        self.gone: dict[str, str] = {}  # channel or user id → the error Slack answers for it
        self.socket_url = ""  # what apps.connections.open hands out (see slack_socket.py)
        self.valid_tokens: set[str] | None = None  # set: any other bot token gets invalid_auth
        self.chaos = 0.0  # this share of calls is answered 429 or 500 at random (faults, bench)
        self.rng = random.Random(7)
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._serve()

    @property
    def base_url(self) -> str:
        return f"{self.address}/api/"

    def response_url(self, name: str = "r") -> str:
        return f"{self.address}/respond/{name}"

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def limit(self, method: str, times: int = 1) -> None:
        self.limited[method] = times

    async def wait_for(self, condition: Any, seconds: float = 5.0) -> None:
        import asyncio

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the fake Slack did not see the expected calls in time")

    def answer(
        self, method: str, token: str, args: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if self.limited.get(method, 0) > 0:
            self.limited[method] -= 1
            with self._lock:
                self.rejected.append((method, "ratelimited"))
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
        if self.chaos and method in {"chat.postMessage", "conversations.open"}:
            with self._lock:
                roll = self.rng.random()
            if roll < self.chaos:
                status = 429 if roll < self.chaos / 2 else 500
                with self._lock:
                    self.rejected.append((method, f"chaos {status}"))
                return status, {"ok": False, "error": "ratelimited" if status == 429 else "fatal_error"}, (
                    {"Retry-After": "1"} if status == 429 else {})  # fmt: skip
        unchecked = {"apps.connections.open", "oauth.v2.access"}
        if self.valid_tokens is not None and method not in unchecked and token not in self.valid_tokens:
            with self._lock:
                self.rejected.append((method, "invalid_auth"))
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        with self._lock:
            self.calls.append(Call(method, token, args))
        target = args.get("channel") or args.get("users")
        if method in {"chat.postMessage", "conversations.open"} and target in self.gone:
            return 200, {"ok": False, "error": self.gone[str(target)]}, {}
        if method in {"chat.postMessage", "chat.update", "chat.postEphemeral"}:
            blocks = args.get("blocks") or []
            if isinstance(blocks, str):
                blocks = json.loads(blocks)
                args["blocks"] = blocks
            if (problem := block_problem(blocks)) or not (args.get("text") or blocks):
                with self._lock:
                    self.rejected.append((method, problem or "no_text"))
                return 200, {"ok": False, "error": problem or "no_text"}, {}
            ts = args.get("ts") or f"{int(time.time())}.{next(self._ts):06d}"
            self.calls[-1].ts = ts
            return 200, {"ok": True, "channel": args.get("channel"), "ts": ts, "message": args}, {}
        handlers = {
            "auth.test": lambda: {"ok": True, "team_id": self.team, "user_id": "UBOT", "bot_id": "BBOT",
                                  "url": "https://example.slack.com/", "team": "Lab"},
            "conversations.open": lambda: {"ok": True, "channel": {"id": "D" + str(args.get("users"))}},
            "users.info": lambda: {"ok": True, "user": {"id": args.get("user"),
                                                          "is_admin": args.get("user") in self.admins}},
            "views.publish": lambda: {"ok": True, "view": args.get("view")},
            "files.getUploadURLExternal": lambda: {"ok": True, "file_id": "F1",
                                                   "upload_url": f"{self.address}/upload/F1"},
            "files.completeUploadExternal": lambda: {"ok": True, "files": [{"id": "F1", "title": "f"}]},
            "files.info": lambda: self._file_info(str(args.get("file"))),
            "oauth.v2.access": lambda: self._oauth(args),
            "apps.connections.open": lambda: (
                {"ok": True, "url": self.socket_url} if token.startswith("xapp-") and self.socket_url
                else {"ok": False, "error": "invalid_auth"}
            ),
        }  # fmt: skip
        if method in {"views.open", "views.publish"}:
            view = args.get("view")
            if isinstance(view, str):
                view = args["view"] = json.loads(view)
            problem = view_problem(view, kind="modal" if method == "views.open" else "home")
            if method == "views.open" and not args.get("trigger_id"):
                problem = "invalid_trigger_id"
            if problem:
                with self._lock:
                    self.rejected.append((method, problem))
                return 200, {"ok": False, "error": problem}, {}
            return 200, {"ok": True, "view": {**(view or {}), "id": "V1"}}, {}
        if method not in handlers:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        return 200, handlers[method](), {}

    def _file_info(self, file_id: str) -> dict[str, Any]:
        if file_id not in self.files:
            return {"ok": False, "error": "file_not_found"}
        name, content = self.files[file_id]
        url = f"{self.address}/files-pri/{self.team}-{file_id}/download/{name}"
        return {"ok": True, "file": {"id": file_id, "name": name, "size": len(content), "filetype": "text",
                                     "url_private": url, "url_private_download": url}}  # fmt: skip

    def download(self, path: str, token: str) -> tuple[int, bytes]:
        """A private file's content, for a bearer token Slack accepts (any bot token here)."""
        file_id = path.removeprefix("/files-pri/").split("/", 1)[0].removeprefix(f"{self.team}-")
        if file_id not in self.files or not token.startswith("xoxb-"):
            return 404, b"Not Found"
        with self._lock:
            self.downloads.append((file_id, token))
        return 200, self.files[file_id][1]

    def _oauth(self, args: dict[str, Any]) -> dict[str, Any]:
        team = self.oauth_teams.get(str(args.get("code")))
        if team is None:
            return {"ok": False, "error": "invalid_code"}
        return {
            "ok": True, "access_token": f"xoxb-{team}", "token_type": "bot", "scope": "commands,chat:write",
            "bot_user_id": "UBOT", "app_id": "A1", "team": {"id": team, "name": team},
            "enterprise": None, "is_enterprise_install": False, "authed_user": {"id": "UINSTALLER"},
        }  # fmt: skip

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self._dispatch(b"")

            def do_POST(self) -> None:
                self._dispatch(self.body())

            def _dispatch(self, raw: bytes) -> None:
                url = urlparse(self.path)
                if url.path.startswith("/respond/"):
                    with fake._lock:
                        fake.responses.append(json.loads(raw or b"{}"))
                    self.reply(200, b"ok", content_type="text/plain")
                    return
                if url.path.startswith("/files-pri/"):
                    token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                    status, content = fake.download(url.path, token)
                    self.reply(status, content, content_type="application/octet-stream")
                    return
                if url.path.startswith("/upload/"):
                    fake.uploads[url.path.rsplit("/", 1)[1]] = raw
                    self.reply(200, b"OK", content_type="text/plain")
                    return
                args: dict[str, Any] = dict(parse_qsl(url.query))
                if "json" in (self.headers.get("Content-Type") or ""):
                    args.update(json.loads(raw or b"{}"))
                elif raw:
                    args.update(parse_qsl(raw.decode()))
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                status, payload, headers = fake.answer(url.path.removeprefix("/api/"), token, args)
                self.reply_json(status, payload, headers)

        return Handler
