"""Papers as BibTeX `@misc` entries (the `/export` of a reader's 👍 papers), beside the
other renderers; arXiv's own citation style: eprint, archivePrefix and primaryClass."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

from core.models import Paper


def render_bibtex(papers: Sequence[Paper], announced: Mapping[str, dt.date] | None = None) -> str:
    """`announced` (paper id → announcement day) dates old-style ids such as hep-th/9901001,
    whose number carries no year."""
    return "\n".join(_entry(p, (announced or {}).get(p.id)) for p in papers)


def _entry(paper: Paper, announced_on: dt.date | None) -> str:
    if re.match(r"^\d{4}\.", paper.id):
        year: int | None = 2000 + int(paper.id[:2])
    else:
        year = announced_on.year if announced_on is not None else None
    authors = " and ".join(_last_first(a) for a in paper.authors)
    fields = [
        ("title", "{" + _escape(paper.title) + "}"),
        ("author", _escape(authors)),
        ("year", "" if year is None else str(year)),
        ("eprint", paper.id),
        ("archivePrefix", "arXiv"),
        ("primaryClass", paper.primary_category or (paper.categories or [""])[0]),
        ("url", paper.url),
    ]
    body = ",\n".join(f"  {key} = {{{value}}}" for key, value in fields if value)
    return f"@misc{{arXiv:{paper.id},\n{body}\n}}\n"


def _last_first(name: str) -> str:
    parts = name.split()
    return name if len(parts) < 2 else f"{parts[-1]}, {' '.join(parts[:-1])}"


def _escape(text: str) -> str:
    pieces = re.split(r"(\$[^$]*\$)", text)  # math stays as written
    return "".join(p if p.startswith("$") else re.sub(r"(?<!\\)([&%#_])", r"\\\1", p) for p in pieces)
