"""The JSON digest exactly as interfaces.md specifies it."""

from __future__ import annotations

import json
from typing import Any

from core.digest.model import Digest, Entry
from core.models import Reason


def digest_to_dict(digest: Digest) -> dict[str, Any]:
    u = digest.usage
    return {
        "date": digest.day.isoformat(),
        "user": digest.user,
        "scorer": digest.scorer,
        "totals": {"arxiv": digest.totals.arxiv, "scanned": digest.totals.scanned,
                   "relevant": digest.totals.relevant},
        "usage": {"model": u.model or digest.scorer, "prompt_tokens": u.prompt_tokens,
                  "completion_tokens": u.completion_tokens, "cost_usd": round(u.cost_usd, 6)},
        "papers": [_paper(e) for e in digest.entries],
    }  # fmt: skip


def _paper(entry: Entry) -> dict[str, Any]:
    p, s = entry.paper, entry.score
    return {
        "id": p.id, "title": p.title, "authors": list(p.authors), "relevance": s.relevance,
        "novelty": s.novelty, "score": entry.total, "comment": entry.explanation,
        "reason": _documented(entry.reason),
    }  # fmt: skip


def _documented(reason: Reason) -> str:
    """interfaces.md names three reasons; an exploring pick was chosen by the criteria alone
    (its comment says it explores)."""
    return Reason.CRITERIA if reason == Reason.EXPLORE else reason


def render_json(digest: Digest) -> str:
    return json.dumps(digest_to_dict(digest), ensure_ascii=False)
