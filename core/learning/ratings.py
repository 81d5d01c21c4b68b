"""Recording votes: a 👍/👎 on a stored paper, named by any form of its arXiv id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from core.errors import NotFoundError
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


# An imported paper among the ratings: a like (> 0) to the model, told apart from a 👍 (+1).
IMPORTED = 2
# The learned taste's weight a library earns, in units of the criteria's spread: up to
# LIBRARY_WEIGHT (the ceiling thumbs have too), half of it at LIBRARY_HALF papers
# (30 papers: 2.25; 10 papers: 1.5; 3 papers: 0.7).
LIBRARY_WEIGHT = 3.0
LIBRARY_HALF = 10


def with_library(session: Session, profile_id: int) -> dict[str, int]:
    """What the learned model trains on: the user's thumbs, and their imported library as likes
    (`IMPORTED`) where they have not voted (a 👎 later pressed on an imported paper wins)."""
    found, library = library_store.votes_and_library(session, profile_id)
    for paper_id in library:
        found.setdefault(paper_id, IMPORTED)
    return found


def library_weight(weight: float, ratings: Mapping[str, int]) -> float:
    """The learned taste's weight with an imported library: at least what the library earns.

    Thumbs must prove themselves (trust): they judge papers the criteria already put on top, so
    a model of them may only re-learn the criteria. A library is independent evidence: papers
    the reader chose from everything they read, usually narrower than a criteria text written
    in a hurry. With no 👎 to test it on, trust would stay at one half and 30 papers would weigh
    a third of the criteria (+0.04 precision@10 in bench/feedback_import.py); earning a weight by
    its size instead lets a library narrow the ranking from the first day (about +0.12)."""
    imported = sum(1 for value in ratings.values() if value == IMPORTED)
    if not imported:
        return weight
    return max(weight, LIBRARY_WEIGHT * imported / (imported + LIBRARY_HALF))
