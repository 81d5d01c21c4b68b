"""Read a model's answer, whatever shape it came in, and keep only valid records.

Accepted: the JSON object of interfaces.md, a bare list, JSON lines, any of them inside a
code fence. Kept: ids that were asked for, with integer scores from 1 to 10.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from core.models import split_version

_FENCE = re.compile(r"```(?:json|jsonl)?\s*\n?(.*?)```", re.S)


@dataclass(frozen=True, slots=True)
class Verdict:
    paper_id: str
    relevance: int
    novelty: int
    comment: str


def parse_answer(text: str, asked: Iterable[str]) -> dict[str, Verdict]:
    wanted = set(asked)
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
            except ValueError:
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
        relevance=int(relevance),  # type: ignore[arg-type]
        novelty=int(novelty),  # type: ignore[arg-type]
        comment=" ".join(str(comment).split())[:500] if comment else "",
    )


def _score(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return isinstance(value, int) and 1 <= value <= 10
