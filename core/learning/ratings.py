"""Recording votes: a 👍/👎 on a stored paper, named by any form of its arXiv id."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from core import arxiv_id
from core.errors import NotFoundError
from core.models import Paper, Vote
from storage import library as library_store
from storage import papers as paper_store
from storage import ratings as store

if TYPE_CHECKING:
    from sqlmodel import Session


def normalise_id(raw: str) -> str:
    """Accept `2506.01928`, `2506.01928v2`, `arXiv:2506.01928` and abs/pdf links."""
    text = raw.strip().removeprefix("arXiv:").removeprefix("arxiv:")
    text = re.sub(r"^https?://arxiv\.org/(abs|pdf)/", "", text).removesuffix(".pdf")
    try:
        return arxiv_id.split(text)[0]
    except ValueError:
        raise NotFoundError(f"{raw[:40]!r} is not an arXiv id (like 2506.01928)") from None


def rate(session: Session, *, profile_id: int, vote: Vote) -> tuple[Paper, bool]:
    """Record a vote on a stored paper; returns the paper and whether the vote changed."""
    paper_id = normalise_id(vote.paper_id)
    paper = paper_store.get_papers(session, [paper_id]).get(paper_id)
    if paper is None:
        raise NotFoundError(f"paper {vote.paper_id} is not in the database (ingest its day first)")
    changed = store.set_rating(session, profile_id=profile_id, paper_id=paper.id, value=vote.value)
    return paper, changed


IMPORTED = 1  # an imported paper teaches as a 👍 (see `with_library`)


def with_library(session: Session, profile_id: int) -> dict[str, int]:
    """What the learned model trains on: the user's thumbs, and their imported library as 👍
    on every paper they have not voted on (a 👎 later pressed on an imported paper wins)."""
    found = store.ratings(session, profile_id)
    for paper_id in library_store.library_ids(session, profile_id):
        found.setdefault(paper_id, IMPORTED)
    return found
