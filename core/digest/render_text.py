"""Plain text, for the terminal and the console adapter."""

from __future__ import annotations

from core.digest.model import Digest, Entry, heading_before
from core.models import DigestStatus


def short_authors(authors: tuple[str, ...] | list[str], limit: int = 4) -> str:
    if len(authors) <= limit:
        return ", ".join(authors)
    return ", ".join(authors[: limit - 1]) + f" … {authors[-1]} ({len(authors)} authors)"


def cost_line(digest: Digest) -> str | None:
    usage = digest.usage
    if not usage.prompt_tokens and not usage.completion_tokens:
        return None
    reasoning = f" (of which {usage.reasoning_tokens} reasoning)" if usage.reasoning_tokens else ""
    return (
        f"LLM {usage.model}: {usage.prompt_tokens} prompt + {usage.completion_tokens} "
        f"completion tokens{reasoning}, ${usage.cost_usd:.4f}"
    )


def render_text(digest: Digest) -> str:
    day = digest.day.isoformat()
    if digest.status == DigestStatus.QUIET:
        return f"{day}: no arXiv announcement that day (weekend or holiday), so no digest."
    t = digest.totals
    lines = [
        f"paperbot digest for {digest.user}, {day} (scorer: {digest.scorer})",
        f"{t.arxiv} arXiv entries · {t.scanned} scanned · {t.relevant} relevant",
    ]
    if line := cost_line(digest):
        lines.append(line)
    lines.extend(f"Note: {n}" for n in digest.notes)
    if digest.status == DigestStatus.EMPTY:
        lines += ["", "Nothing passed your thresholds today. The closest papers were:"]
        shown = digest.closest
    else:
        shown = digest.entries
    for number, entry in enumerate(shown, start=1):
        if topic := heading_before(shown, number - 1):
            lines += ["", f"== {topic} =="]
        lines += ["", *_entry_lines(number, entry)]
    return "\n".join(lines)


def _entry_lines(number: int, entry: Entry) -> list[str]:
    p, s = entry.paper, entry.score
    return [
        f"{number}. {p.title}",
        f"   {short_authors(p.authors)}",
        f"   {p.url}",
        f"   relevance {s.relevance} · novelty {s.novelty} · {entry.reason}: {entry.explanation}",
    ]
