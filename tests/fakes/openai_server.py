"""A loopback server speaking the OpenAI chat completions API, for the real `openai` client.

It reads the paper ids out of the prompt, rates them with a judge function, and reports usage
as the real API does, counting a token per four characters. Answers can be scripted: the
structured JSON object, JSON lines, a fenced block, malformed text, an answer missing ids or
carrying an unasked id with a score of 42, or an HTTP error with Retry-After.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
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
_PAPER = re.compile(r'^\{"id": ?"(?P<id>[^"]+)", ?"t": ?"(?P<t>(?:[^"\\]|\\.)*)"', re.M)


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

    def __post_init__(self) -> None:
        self._serve()

    @property
    def base_url(self) -> str:
        return f"{self.address}/v1"

    @property
    def prompt_tokens(self) -> int:
        return sum(r["usage"]["prompt_tokens"] for r in self.requests if "usage" in r)

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self.lock:
            step = self.script.pop(0) if self.script else self.mode
            record: dict[str, Any] = {"body": body, "step": step}
            self.requests.append(record)
        if isinstance(step, tuple):
            status, headers = step
            return status, headers, {"error": {"message": "scripted failure", "type": "server_error"}}
        if self.reject_structured and "response_format" in body:
            return (
                400,
                {},
                {"error": {"message": "response_format is not supported", "type": "invalid_request_error"}},
            )
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
        with self.lock:
            cached = tokens(system) if system in self.seen_prefixes else 0
            self.seen_prefixes.add(system)
        prompt = sum(tokens(m["content"]) for m in body["messages"])
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": tokens(content),
            "total_tokens": prompt + tokens(content),
            "prompt_tokens_details": {"cached_tokens": cached},
        }
        record["usage"] = usage
        return 200, {}, {
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
            "model": body["model"], "usage": usage,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content, "refusal": None}}],
        }  # fmt: skip

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
                elif path.startswith("/v1/files/") and path.endswith("/content"):
                    self.reply(200, fake.files[path.split("/")[3]], content_type="application/octet-stream")
                else:
                    self.reply_json(404, {"error": {"message": "not found"}})

        return Handler
