"""A loopback server speaking the OpenAI chat completions API, for the real `openai` client.

It reads the paper ids out of the prompt, rates them with a judge function, and reports usage
as the real API does, counting a token per four characters. Answers can be scripted: the
structured JSON object, JSON lines, a fenced block, malformed text, an answer missing ids or
carrying an unasked id with a score of 42, an HTTP error with Retry-After, or garbage (see
GARBAGE).

Models behave like OpenAI's families: reasoning models (gpt-5*, gpt-6*, o*) take
`reasoning_effort` (gpt-5.x/6: none … max, default medium; others minimal … high), reject
sampling parameters unless the effort is `none` (the o-series always) and `max_tokens`, and
spend reasoning tokens (REASONING_PER_PAPER, an assumption: effort-proportional, per paper)
reported in `completion_tokens_details.reasoning_tokens` and inside `completion_tokens`; an
answer over `max_completion_tokens` is cut (`finish_reason: length`), reasoning first.
Cached prompt tokens (the repeated system message) are in `prompt_tokens_details`.
`GET /v1/models/{id}` describes the catalogue with its `shutdown_date`; models in `gone`
answer 404 `model_not_found` everywhere; `models_endpoint=False` is a server without it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import numpy as np

from tests.fakes.loopback import LoopbackServer, QuietHandler

Judge = Callable[[str, str], tuple[int, int]]  # (paper id, paper text) → (relevance, novelty)
_PAPER = re.compile(r"^(?P<id>\S+) \| (?P<t>.*?)(?: \| |$)", re.M)  # prompt lines: id | title | opening


def tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


EMBEDDING_DIM = 256


def hashed_embedding(text: str, dim: int = EMBEDDING_DIM) -> np.ndarray:
    """A stand-in for a real embedding model: hashed bag of words, so texts that share words
    get similar vectors, and the same text always the same one."""
    vector = np.zeros(dim, dtype=np.float32)
    for word in re.findall(r"[a-z]{3,}", text.lower()):
        digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
        vector[int.from_bytes(digest, "little") % dim] += 1.0
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


REASONING_PER_PAPER = {
    "none": 0,
    "minimal": 4,
    "low": 12,
    "medium": 40,
    "high": 120,
    "xhigh": 260,
    "max": 600,
}
SAMPLING = ("temperature", "top_p", "presence_penalty", "frequency_penalty", "logprobs")
CATALOGUE: dict[str, dict[str, Any]] = {
    "gpt-6-luna": {},
    "gpt-6-sol": {},
    "gpt-5.6-luna": {},
    "gpt-5-mini": {"shutdown_date": "2026-12-11"},
    "gpt-4o": {"shutdown_date": "2027-01-14"},
    "gpt-4o-mini": {"shutdown_date": "2027-01-14"},
    "gpt-4.1-mini": {"shutdown_date": "2027-01-14"},
}
# Modes that fail the call: HTTP 429 (Retry-After: 0), HTTP 500, or no answer for `hang_seconds`.
FAILURES = {"rate_limited": (429, {"Retry-After": "0"}), "server_error": (500, {})}
# Scripted answers that are not chat completions, or whose usage is a lie.
GARBAGE = ("empty_choice", "html", "numeric", "string_usage", "nested", "nested_content", "negative_usage")


def _efforts(model: str) -> tuple[str, ...] | None:
    """The efforts a reasoning model accepts; None for a model without reasoning."""
    if model.startswith(("gpt-6", "gpt-5.")):
        return ("none", "low", "medium", "high", "xhigh", "max")
    if model.startswith(("gpt-5", "o1", "o3", "o4")):
        return ("minimal", "low", "medium", "high")
    return None


def _invalid(message: str, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}


def default_judge(paper_id: str, text: str) -> tuple[int, int]:
    return 9 if "expert" in text.lower() else 3, 7


@dataclass
class FakeOpenAI(LoopbackServer):
    judge: Judge = default_judge
    script: list[Any] = field(default_factory=list)  # per request: a mode name or (status, headers)
    mode: str = "structured"  # when the script is empty
    reject_structured: bool = False  # answer 400 to response_format, like some endpoints
    requests: list[dict[str, Any]] = field(default_factory=list)
    seen_prefixes: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    batch_ready: bool = True  # batches complete when first polled; False: they never do
    files: dict[str, bytes] = field(default_factory=dict)
    embedding_requests: list[dict[str, Any]] = field(default_factory=list)
    embedding_failures_after: int | None = None  # answer 500 once this many embedding calls succeeded
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    catalogue: dict[str, dict[str, Any]] = field(default_factory=lambda: dict(CATALOGUE))
    gone: set[str] = field(default_factory=lambda: {"gpt-4.1-nano"})
    models_endpoint: bool = True
    model_lookups: list[str] = field(default_factory=list)
    garbage_rate: float = 0.0  # this share of unscripted answers is one of GARBAGE (faults, bench)
    rng: random.Random = field(default_factory=lambda: random.Random(3))
    error_message: str = "scripted failure"  # what a failing call says (a proxy may echo the key)
    hang_seconds: float = 2.0  # how long the "hang" mode waits before answering

    def __post_init__(self) -> None:
        self._serve()

    @property
    def base_url(self) -> str:
        return f"{self.address}/v1"

    @property
    def prompt_tokens(self) -> int:
        return sum(r["usage"]["prompt_tokens"] for r in self.requests if "usage" in r)

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        """One chat completion: (status, headers, JSON payload, or bytes sent as HTML)."""
        with self.lock:
            scripted = bool(self.script)
            step = self.script.pop(0) if scripted else self.mode
            if not scripted and self.garbage_rate and self.rng.random() < self.garbage_rate:
                step = self.rng.choice(GARBAGE)
            record: dict[str, Any] = {"body": body, "step": step}
            self.requests.append(record)
        if step == "hang":
            time.sleep(self.hang_seconds)
        if step in FAILURES:
            step = FAILURES[step]
        if isinstance(step, tuple):
            status, headers = step
            return status, headers, {"error": {"message": self.error_message, "type": "server_error"}}
        model = str(body.get("model", ""))
        if model in self.gone:
            missing = f"The model `{model}` does not exist or you do not have access to it."
            return 404, {}, _invalid(missing, code="model_not_found")
        rejected = self._rejected(model, body)
        if rejected is not None:
            return 400, {}, rejected
        if self.reject_structured and "response_format" in body:
            return 400, {}, _invalid("response_format is not supported")
        if step == "html":
            return 200, {"Content-Type": "text/html"}, b"<html><body>502 Bad Gateway (proxy)</body></html>"
        if step == "nested":
            return 200, {}, b'{"choices": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
        papers = [(m.group("id"), m.group("t")) for m in _PAPER.finditer(user)]
        if step == "missing":
            papers = papers[: len(papers) // 2]
        rows = [
            {
                "ARXIVID": pid,
                "COMMENT": f"Rated {pid} on the criteria.",
                "RELEVANCE": self.judge(pid, title)[0],
                "NOVELTY": self.judge(pid, title)[1],
            }
            for pid, title in papers
        ]
        if step == "extra":
            rows.append({"ARXIVID": "9999.99999", "COMMENT": "not asked", "RELEVANCE": 42, "NOVELTY": 42})
            rows[0]["RELEVANCE"] = 42
        content = self._render(step, rows)
        efforts = _efforts(model)
        effort = (body.get("reasoning_effort") or "medium") if efforts else "none"
        reasoning = REASONING_PER_PAPER.get(effort, 0) * len(papers)
        finish = "stop"
        limit = body.get("max_completion_tokens")
        if isinstance(limit, int) and reasoning + tokens(content) > limit:
            reasoning = min(reasoning, limit)
            content, finish = content[: max(0, limit - reasoning) * 4], "length"
        with self.lock:
            cached = tokens(system) if system in self.seen_prefixes else 0
            self.seen_prefixes.add(system)
        prompt = sum(tokens(m["content"]) for m in body["messages"])
        completion = tokens(content) + reasoning
        usage: dict[str, Any] = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0},
        }
        record["usage"], record["finish"] = usage, finish
        reply: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
        if step == "string_usage":
            usage = {k: str(v) if isinstance(v, int) else v for k, v in usage.items()}
            usage["completion_tokens"] = "many"
        if step == "negative_usage":
            usage = {**usage, "prompt_tokens": -2_400_000, "completion_tokens": -2_400_000,
                     "prompt_tokens_details": {"cached_tokens": -5}}  # fmt: skip
        if step == "numeric":
            reply["content"] = 5
        if step == "nested_content":
            reply["content"] = "[" * 200_000
        choice: dict[str, Any] = {"index": 0, "finish_reason": finish, "message": reply}
        return 200, {}, {
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
            "model": model, "usage": usage, "choices": [{} if step == "empty_choice" else choice],
        }  # fmt: skip

    @staticmethod
    def _rejected(model: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """The 400 a model family gives for a parameter it does not take."""
        efforts = _efforts(model)
        effort = body.get("reasoning_effort")
        if efforts is None:
            message = f"Unrecognized request argument supplied: reasoning_effort (model {model})"
            return None if effort is None else _invalid(message, "reasoning_effort")
        if effort is not None and effort not in efforts:
            return _invalid(
                f"Unsupported value: 'reasoning_effort' does not support '{effort}' with this model. "
                f"Supported values are: {', '.join(efforts)}.",
                "reasoning_effort",
            )
        if "max_tokens" in body:
            return _invalid("Unsupported parameter: 'max_tokens'. Use 'max_completion_tokens'.", "max_tokens")
        sampling_ok = model.startswith(("gpt-6", "gpt-5.")) and (effort or "medium") == "none"
        for name in SAMPLING:
            if name in body and not sampling_ok:
                return _invalid(
                    f"Unsupported parameter: '{name}' is not supported with this model "
                    "unless reasoning_effort is 'none'.",
                    name,
                )
        return None

    def describe(self, model: str) -> tuple[int, dict[str, Any]]:
        """GET /v1/models/{id}."""
        self.model_lookups.append(model)
        if model in self.gone or model not in self.catalogue:
            message = f"The model `{model}` does not exist or you do not have access to it."
            return 404, _invalid(message, "model", "model_not_found")
        return 200, {"id": model, "object": "model", "created": 1_760_000_000, "owned_by": "openai",
                     "shutdown_date": self.catalogue[model].get("shutdown_date")}  # fmt: skip

    @staticmethod
    def _render(step: str, rows: list[dict[str, Any]]) -> str:
        if step == "jsonl":
            return "\n".join(json.dumps(r) for r in rows)
        if step == "fenced":
            return "Here are the ratings:\n```json\n" + json.dumps({"papers": rows}, indent=1) + "\n```"
        if step == "malformed":
            return '{"papers": [{"ARXIVID": "oops", "RELEVANCE": }'
        return json.dumps({"papers": rows})

    def upload(self, content_type: str, raw: bytes) -> dict[str, Any]:
        """POST /files: keep the multipart body's file part."""
        boundary = content_type.split("boundary=", 1)[1].strip('"').encode()
        for part in raw.split(b"--" + boundary):
            head, _, data = part.partition(b"\r\n\r\n")
            if b"filename=" in head:
                file_id = f"file-{len(self.files) + 1}"
                self.files[file_id] = data.removesuffix(b"\r\n")
                return {
                    "id": file_id,
                    "object": "file",
                    "bytes": len(self.files[file_id]),
                    "created_at": int(time.time()),
                    "filename": "batch.jsonl",
                    "purpose": "batch",
                    "status": "processed",
                }
        raise ValueError("no file part")

    def embed(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST /embeddings: float lists, or base64 float32 as the client asks by default."""
        inputs = body.get("input")
        texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
        if not texts or not all(isinstance(t, str) and t for t in texts):
            return 400, {
                "error": {"message": "input must be non-empty strings", "type": "invalid_request_error"}
            }
        with self.lock:
            if self.embedding_failures_after is not None and len(self.embedding_requests) >= (
                self.embedding_failures_after
            ):
                return 500, {"error": {"message": "scripted failure", "type": "server_error"}}
            self.embedding_requests.append(body)
        data = []
        for i, text in enumerate(texts):
            vector = hashed_embedding(text)
            encoded: Any = (
                base64.b64encode(vector.astype("<f4").tobytes()).decode()
                if body.get("encoding_format") == "base64"
                else vector.tolist()
            )
            data.append({"object": "embedding", "index": i, "embedding": encoded})
        used = sum(tokens(t) for t in texts)
        return 200, {
            "object": "list",
            "data": data,
            "model": body.get("model", ""),
            "usage": {"prompt_tokens": used, "total_tokens": used},
        }

    def batch(self, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        """POST /batches, GET /batches/{id}, POST /batches/{id}/cancel."""
        if path == "/v1/batches":
            batch_id = f"batch_{len(self.batches) + 1}"
            self.batches[batch_id] = {
                "id": batch_id,
                "object": "batch",
                "endpoint": body["endpoint"],  # type: ignore[index]
                "input_file_id": body["input_file_id"],
                "completion_window": "24h",  # type: ignore[index]
                "created_at": int(time.time()),
                "status": "validating",
                "metadata": body.get("metadata"),  # type: ignore[union-attr]
            }
            return self.batches[batch_id]
        batch_id = path.split("/")[3]
        batch = self.batches[batch_id]
        if path.endswith("/cancel"):
            batch["status"] = "cancelled"
        elif self.batch_ready and batch["status"] != "cancelled":
            lines = []
            for line in self.files[batch["input_file_id"]].decode().splitlines():
                request = json.loads(line)
                status, _headers, payload = self.answer(request["body"])
                lines.append(
                    json.dumps(
                        {
                            "id": f"req-{len(lines)}",
                            "custom_id": request["custom_id"],
                            "response": {"status_code": status, "body": payload},
                            "error": None,
                        }
                    )
                )
            output_id = f"file-{len(self.files) + 1}"
            self.files[output_id] = "\n".join(lines).encode()
            batch.update(status="completed", output_file_id=output_id)
        else:
            batch["status"] = "in_progress"
        return batch

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                raw = self.body()
                path = self.path.rstrip("/")
                if path == "/v1/chat/completions":
                    status, headers, payload = fake.answer(json.loads(raw or b"{}"))
                    if isinstance(payload, bytes):
                        kind = headers.pop("Content-Type", "application/json")
                        self.reply(status, payload, content_type=kind, headers=headers)
                    else:
                        self.reply_json(status, payload, headers)
                elif path == "/v1/embeddings":
                    self.reply_json(*fake.embed(json.loads(raw or b"{}")))
                elif path == "/v1/files":
                    self.reply_json(200, fake.upload(self.headers["Content-Type"], raw))
                elif path.startswith("/v1/batches"):
                    self.reply_json(200, fake.batch(path, json.loads(raw or b"{}")))
                else:
                    self.reply_json(404, {"error": {"message": "not found"}})

            def do_GET(self) -> None:
                path = self.path.rstrip("/")
                if path.startswith("/v1/batches/"):
                    self.reply_json(200, fake.batch(path, None))
                elif path.startswith("/v1/models/") and fake.models_endpoint:
                    self.reply_json(*fake.describe(path.removeprefix("/v1/models/")))
                elif path.startswith("/v1/files/") and path.endswith("/content"):
                    self.reply(200, fake.files[path.split("/")[3]], content_type="application/octet-stream")
                else:
                    self.reply_json(404, {"error": {"message": "not found"}})

        return Handler
