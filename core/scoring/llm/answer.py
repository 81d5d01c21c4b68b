"""Read a model's answer, whatever shape it came in, and keep only valid records.

Accepted: the JSON object of interfaces.md, a bare list, JSON lines, any of them inside a
code fence. Kept: ids that were asked for, with integer scores from 1 to 10, the first
record of each id only (so one paper's text can never set another paper's scores).
Anything else (numbers, nesting deep enough to exhaust the parser, megabytes) yields no
records, never an exception.

`read_completion` does the same for the HTTP body around the answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeGuard

from core.models import split_version
from core.text import visible

MAX_ANSWER_CHARS = 1_000_000
_FENCE = re.compile(r"```(?:json|jsonl)?\s*\n?(.*?)```", re.S)


@dataclass(frozen=True, slots=True)
class Verdict:
    paper_id: str
    relevance: int
    novelty: int
    comment: str


class UnreadableAnswer(ValueError):
    """The endpoint answered 2xx with something that is not a chat completion."""


def read_completion(body: str) -> tuple[str, Any]:
    """(message content, usage object) from a chat completion's raw JSON body."""
    data = _loads(body[:MAX_ANSWER_CHARS]) if isinstance(body, str) else None
    if not isinstance(data, dict):
        raise UnreadableAnswer("not a JSON object")
    usage = data.get("usage")
    choices = data.get("choices")
    first = choices[0] if isinstance(choices, list) and choices else None
    message = first.get("message") if isinstance(first, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise UnreadableAnswer(f"no text content (usage: {type(usage).__name__})")
    return content, usage


def usage_part(body: str) -> Any:
    """The usage object of a body `read_completion` rejected (we may have been billed)."""
    data = _loads(body[:MAX_ANSWER_CHARS]) if isinstance(body, str) else None
    return data.get("usage") if isinstance(data, dict) else None


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def parse_answer(text: str, asked: Iterable[str]) -> dict[str, Verdict]:
    wanted = set(asked)
    if not isinstance(text, str):
        return {}
    text = text[:MAX_ANSWER_CHARS]
    found: dict[str, Verdict] = {}
    for record in _records(text):
        verdict = _verdict(record)
        if verdict is not None and verdict.paper_id in wanted and verdict.paper_id not in found:
            found[verdict.paper_id] = verdict
    return found


def _records(text: str) -> list[Any]:
    bodies = _FENCE.findall(text) or [text]
    records: list[Any] = []
    for body in bodies:
        try:
            data = json.loads(body)
        except RecursionError:
            continue
        except ValueError:
            records.extend(_json_lines(body))
            continue
        if isinstance(data, dict):
            data = data.get("papers", [data])
        if isinstance(data, list):
            records.extend(data)
    return records


def _json_lines(body: str) -> list[Any]:
    out = []
    for line in body.splitlines():
        line = line.strip().rstrip(",")
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except (ValueError, RecursionError):
                continue
    return out


def _verdict(record: Any) -> Verdict | None:
    if not isinstance(record, dict):
        return None
    fields = {str(k).upper(): v for k, v in record.items()}
    raw_id, relevance, novelty = fields.get("ARXIVID"), fields.get("RELEVANCE"), fields.get("NOVELTY")
    if not isinstance(raw_id, str) or not _score(relevance) or not _score(novelty):
        return None
    comment = fields.get("COMMENT")
    return Verdict(
        paper_id=split_version(raw_id.strip().removeprefix("arXiv:"))[0],
        relevance=int(relevance),
        novelty=int(novelty),
        comment=" ".join(visible(str(comment)).split())[:500] if comment else "",
    )


def _score(value: Any) -> TypeGuard[int | float]:
    if isinstance(value, bool):
        return False
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return isinstance(value, int) and 1 <= value <= 10
