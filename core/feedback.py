"""Ratings: 👍/👎 on papers, the saved list and its BibTeX export."""

from __future__ import annotations

import re

from sqlmodel import Session

from core import arxiv_id
from core.errors import NotFoundError
from storage import feedback as store
from storage.tables import Paper


def normalise_id(raw: str) -> str:
    """Accept `2506.01928`, `2506.01928v2`, `arXiv:2506.01928` and abs/pdf links."""
    text = raw.strip().removeprefix("arXiv:").removeprefix("arxiv:")
    text = re.sub(r"^https?://arxiv\.org/(abs|pdf)/", "", text).removesuffix(".pdf")
    try:
        return arxiv_id.split(text)[0]
    except ValueError:
        raise NotFoundError(f"{raw[:40]!r} is not an arXiv id (like 2506.01928)") from None


def rate(session: Session, *, profile_id: int, paper_id: str, value: int) -> tuple[Paper, bool]:
    """Record a vote on a stored paper; returns the paper and whether the vote changed."""
    paper = session.get(Paper, normalise_id(paper_id))
    if paper is None:
        raise NotFoundError(f"paper {paper_id} is not in the database (ingest its day first)")
    changed = store.set_rating(
        session, profile_id=profile_id, paper_id=paper.id, value=1 if value > 0 else -1
    )
    return paper, changed


def bibtex(papers: list[Paper]) -> str:
    return "\n".join(_entry(p) for p in papers)


def _entry(paper: Paper) -> str:
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
