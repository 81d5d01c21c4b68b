"""Scoring: how relevant and novel each of a day's papers is for one criteria.

Scorers are chosen from an explicit registry; `SCORERS` names every one there is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from core.embeddings import DayVectors
from core.errors import InputError
from core.models import Criteria, Paper
from core.scoring.offline import OfflineScorer
from core.scoring.ranking import ScoredBatch


class Scorer(Protocol):
    """Scores one day's papers for one criteria; `name`/`model`/`version` key the cache.

    `persistent` scorers (those that cost money or time) have their scores stored and reused
    across users and processes; the others are recomputed.
    """

    name: str
    model: str
    version: str
    persistent: bool

    def score_day(
        self,
        papers: Sequence[Paper],
        criteria: Criteria,
        *,
        wanted: Iterable[str] | None = None,
        always: Iterable[str] = (),
        budget_usd: float | None = None,
        vectors: DayVectors | None = None,
    ) -> ScoredBatch:
        """Score `papers` (a whole day, for context); persistent scorers need only do the
        `wanted` ones, must include the `always` ones, and stop spending at `budget_usd`.
        `vectors`, when embeddings are configured, help rank the day."""
        ...


SCORERS: dict[str, Callable[[], Scorer]] = {"offline": OfflineScorer}


def get_scorer(name: str) -> Scorer:
    try:
        return SCORERS[name]()
    except KeyError:
        raise InputError(f"unknown scorer {name!r}; choose one of: {', '.join(SCORERS)}") from None
