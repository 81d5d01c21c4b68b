"""Markdown in the form of the daily digests paperbot grew from (see shared/data/seeds)."""

from __future__ import annotations

from core.digest.model import Digest, Entry, heading_before, span_line
from core.models import DigestStatus, Profile, Reason
from core.scoring.llm.pricing import BUILTIN_PRICES, price_of


def render_markdown(digest: Digest, profile: Profile | None = None) -> str:
    day = digest.day.isoformat()
    out = [f"# Personalized Daily ArXiv Papers {day}", ""]
    if digest.status == DigestStatus.QUIET:
        out.append("No arXiv announcement on this day (weekend or holiday): nothing to read.")
        return "\n".join(out) + "\n"
    if line := span_line(digest):
        out += [f"**{line}**", ""]
    out += _usage_table(digest)
    t = digest.totals
    out += [
        f"Total arXiv papers: {t.arxiv}",
        "",
        f"Total scanned papers: {t.scanned}",
        "",
        f"Total relevant papers: {t.relevant}",
        "",
    ]
    out += [f"*Scorer: {digest.scorer}.*" + "".join(f" {n}" for n in digest.notes), ""]
    entries = digest.entries
    if digest.status == DigestStatus.EMPTY:
        out += ["No paper passed your thresholds today; the three closest follow.", ""]
        entries = digest.closest
    out += ["**Table of contents with paper titles:**", ""]
    for n, e in enumerate(entries, start=1):
        out += [
            f"{n}. [{_inline(e.paper.title)}](#user-content-link{n})",
            f"**Authors:** {', '.join(e.paper.authors)}",
            "",
        ]
    out += ["---", ""]
    for n, e in enumerate(entries, start=1):
        if topic := heading_before(entries, n - 1):
            out += [f"# {topic}", ""]
        out += _section(n, e)
    if profile is not None and profile.criteria.strip():
        out += ["# Criteria", ""] + [f"> {line}".rstrip() for line in profile.criteria.splitlines()]
    return "\n".join(out).rstrip() + "\n"


def _usage_table(digest: Digest) -> list[str]:
    """Tokens and dollars as the API reported them; a Reasoning column (reasoning tokens are
    part of Completion and billed as output) only where the model reasoned."""
    u = digest.usage
    model = u.model or digest.scorer
    prompt_cost, completion_cost = _split_cost(digest)
    total = u.prompt_tokens + u.completion_tokens
    if not u.reasoning_tokens:
        return [
            f"| *[{model}]* | Prompt | Completion | Total |",
            "|:------------:|:--------:|:------------:|:-------:|",
            f"| **Token** | {u.prompt_tokens} | {u.completion_tokens} | {total} |",
            f"| **Cost** | ${prompt_cost:.2f} | ${completion_cost:.2f} | ${u.cost_usd:.2f} |",
            "",
        ]
    reasoning_cost = completion_cost * u.reasoning_tokens / u.completion_tokens
    return [
        f"| *[{model}]* | Prompt | Completion | Reasoning | Total |",
        "|:------------:|:--------:|:------------:|:-----------:|:-------:|",
        f"| **Token** | {u.prompt_tokens} | {u.completion_tokens} | {u.reasoning_tokens} | {total} |",
        f"| **Cost** | ${prompt_cost:.4f} | ${completion_cost:.4f} | ${reasoning_cost:.4f} "
        f"| ${u.cost_usd:.4f} |",
        "",
    ]


def _split_cost(digest: Digest) -> tuple[float, float]:
    """Share the total cost between prompt and completion by the model's rates (the API
    reports only tokens); without known rates, by the usual 4:1 output:input weight."""
    u = digest.usage
    if u.cost_usd == 0 or not (u.prompt_tokens or u.completion_tokens):
        return 0.0, 0.0
    rate = price_of(BUILTIN_PRICES, u.model)
    if rate is not None:
        per_input, per_cached, per_output = rate
        prompt = (u.prompt_tokens - u.cached_tokens) * per_input + u.cached_tokens * per_cached
        completion = u.completion_tokens * per_output
    else:
        prompt, completion = u.prompt_tokens, u.completion_tokens * 4.0
    share = prompt / (prompt + completion) if prompt + completion else 0.0
    return u.cost_usd * share, u.cost_usd * (1 - share)


def _section(n: int, e: Entry) -> list[str]:
    p, s = e.paper, e.score
    lines = [
        f"## {n}. [{_inline(p.title)}]({p.url}) <a id=\"link{n}\"></a>", "",
        f"**ArXiv ID:** {p.id}", "",
        f"**Authors:** {', '.join(p.authors)}", "",
        f"**Abstract:** {p.abstract}", "",
        f"**Comment:** {'Author match' if e.reason == Reason.AUTHOR_MATCH else e.explanation}", "",
    ]  # fmt: skip
    if e.reason != Reason.AUTHOR_MATCH:
        lines += [f"**Relevance:** {s.relevance}", f"**Novelty:** {s.novelty}", ""]
    return [*lines, "---", ""]


def _inline(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")
