"""Recording votes: a 👍/👎 on a stored paper, named by any form of its arXiv id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.errors import NotFoundError
from core.learning.model import IMPORTED
from core.library.ids import find_id
from core.models import Paper, Vote
from storage import library as library_store
from storage import papers as paper_store
from storage import ratings as store

if TYPE_CHECKING:
    from sqlmodel import Session


def normalise_id(raw: str) -> str:
    """Any way people write an arXiv id (`2506.01928v2`, `arXiv:2506.01928`, abs/pdf links, the
    DOI): the same reader /import uses, so a vote accepts what an import does."""
    found = find_id(raw)
    if found is None:
        raise NotFoundError(f"{raw[:40]!r} is not an arXiv id (like 2506.01928)")
    return found


def rate(session: Session, *, profile_id: int, vote: Vote) -> tuple[Paper, bool]:
    """Record a vote on a stored paper; returns the paper and whether the vote changed."""
    paper_id = normalise_id(vote.paper_id)
    paper = paper_store.get_papers(session, [paper_id]).get(paper_id)
    if paper is None:
        raise NotFoundError(f"paper {vote.paper_id} is not in the database (ingest its day first)")
    changed = store.set_rating(session, profile_id=profile_id, paper_id=paper.id, value=vote.value)
    return paper, changed


def with_library(session: Session, profile_id: int) -> dict[str, int]:
    """What the learned model trains on: the user's thumbs, and their imported library as likes
    (`IMPORTED`) where they have not voted (a 👎 later pressed on an imported paper wins)."""
    found, library = library_store.votes_and_library(session, profile_id)
    for paper_id in library:
        found.setdefault(paper_id, IMPORTED)
    return found
