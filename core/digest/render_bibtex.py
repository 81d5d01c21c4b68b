"""Papers as BibTeX `@misc` entries (the `/export` of a reader's 👍 papers), beside the
other renderers; arXiv's own citation style: eprint, archivePrefix and primaryClass."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Protocol


class Citable(Protocol):
    """What an entry needs of a paper; `announced_on` dates old-style ids (hep-th/9901001)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def authors(self) -> Sequence[str]: ...
    @property
    def categories(self) -> Sequence[str]: ...
    @property
    def primary_category(self) -> str: ...
    @property
    def announced_on(self) -> dt.date: ...


def render_bibtex(papers: Sequence[Citable]) -> str:
    return "\n".join(_entry(p) for p in papers)


def _entry(paper: Citable) -> str:
    year = 2000 + int(paper.id[:2]) if re.match(r"^\d{4}\.", paper.id) else paper.announced_on.year
    authors = " and ".join(_last_first(a) for a in paper.authors)
    fields = [
        ("title", "{" + _escape(paper.title) + "}"),
        ("author", _escape(authors)),
        ("year", str(year)),
        ("eprint", paper.id),
        ("archivePrefix", "arXiv"),
        ("primaryClass", paper.primary_category or (paper.categories or [""])[0]),
        ("url", f"https://arxiv.org/abs/{paper.id}"),
    ]
    body = ",\n".join(f"  {key} = {{{value}}}" for key, value in fields if value)
    return f"@misc{{arXiv:{paper.id},\n{body}\n}}\n"


def _last_first(name: str) -> str:
    parts = name.split()
    return name if len(parts) < 2 else f"{parts[-1]}, {' '.join(parts[:-1])}"


def _escape(text: str) -> str:
    pieces = re.split(r"(\$[^$]*\$)", text)  # math stays as written
    return "".join(p if p.startswith("$") else re.sub(r"(?<!\\)([&%#_])", r"\\\1", p) for p in pieces)
