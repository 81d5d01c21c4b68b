"""Plain text, for the terminal and the console adapter."""

from __future__ import annotations

import shutil
import textwrap

from core.digest.model import Digest, Entry, heading_before, span_line
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


MIN_WIDTH = 40
INDENT = "   "


def terminal_width() -> int:
    """The terminal's columns (COLUMNS wins); 80 when the output is not a terminal, a width
    that reads well in a pager, a mail or a file."""
    return max(MIN_WIDTH, shutil.get_terminal_size(fallback=(80, 24)).columns)


def render_text(digest: Digest, *, width: int | None = None) -> str:
    """The digest as text; with `width`, every line is wrapped to it between words (a word or
    URL longer than the line stays whole), continuation lines indented under their entry."""
    day = digest.day.isoformat()
    if digest.status == DigestStatus.QUIET:
        return f"{day}: no arXiv announcement that day (weekend or holiday), so no digest."
    t = digest.totals
    lines = [
        f"paperbot digest for {digest.user}, {day} (scorer: {digest.scorer})",
        f"{t.arxiv} arXiv entries · {t.scanned} scanned · {t.relevant} relevant",
    ]
    if line := span_line(digest):
        lines.insert(1, line)
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
    if width is None:
        return "\n".join(lines)
    return "\n".join(wrapped for line in lines for wrapped in _wrap(line, max(width, MIN_WIDTH)))


def _wrap(line: str, width: int) -> list[str]:
    if len(line) <= width:
        return [line]
    indent = INDENT if line.startswith(INDENT) or line[:1].isdigit() else ""
    return textwrap.wrap(
        line,
        width=width,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _entry_lines(number: int, entry: Entry) -> list[str]:
    p, s = entry.paper, entry.score
    return [
        f"{number}. {p.title}",
        f"   {short_authors(p.authors)}",
        f"   {p.url}",
        f"   relevance {s.relevance} · novelty {s.novelty} · {entry.reason}: {entry.explanation}",
    ]
