"""Scoring: how relevant and novel each of a day's papers is for one criteria.

Two scorers implement `Scorer`: the offline ranking (core/scoring/offline.py) and the LLM
(core/scoring/llm/); the composition root (bot/compose.py) picks one from the settings. Every
score goes through the one door, `ScoringService` (service.py), which owns the score cache.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from core.embeddings import DayVectors
from core.models import Criteria, Paper
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
