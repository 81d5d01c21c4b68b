"""The learning loop's read side, as the digest builder sees it: one user's ratings turned
into relevance points for a day's papers.

Built by the composition root and handed to `DigestBuilder(learner=...)`, so the builder
only asks for an adjustment and never wires the model, the corpus or the embeddings itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

import numpy as np

from core.embeddings.store import VectorStore
from core.errors import PaperbotError
from core.learning.model import (
    CORPUS_LIMIT,
    EXPLORE_EVERY,
    EXPLORE_FROM,
    SKIPPED_LIMIT,
    Adjustment,
    Dense,
    Preferences,
)
from core.learning.ratings import with_library
from core.models import Paper
from storage import papers as paper_store

if TYPE_CHECKING:
    from sqlmodel import Session

log = logging.getLogger(__name__)

CACHED_RATED_DAYS = 40  # about two months of announcement days, ~25k papers


class Learner:
    """`model` keeps the trained tastes between digests; `vectors` adds the papers'
    embeddings to the features when they are configured."""

    def __init__(self, *, model: Preferences | None = None, vectors: VectorStore | None = None) -> None:
        self.model = model or Preferences()
        self.vectors = vectors
        self._announced: OrderedDict[str, list[Paper]] = OrderedDict()  # papers of rated days, shared

    def _papers_of_days(self, session: Session, days: set[dt.date]) -> dict[str, list[Paper]]:
        """The papers announced on `days`, read once for all users: raters of the same days
        train on the same unrated papers, and reading a day costs a tenth of a second."""
        missing = [d for d in days if d.isoformat() not in self._announced]
        if missing:
            self._announced.update(paper_store.papers_announced_on(session, missing))
        found = {d.isoformat(): self._announced[d.isoformat()] for d in days}
        for key in found:
            self._announced.move_to_end(key)
        while len(self._announced) > CACHED_RATED_DAYS:
            self._announced.popitem(last=False)
        return found

    def adjustment(
        self,
        session: Session,
        profile_id: int,
        papers: list[Paper],
        day: dt.date,
        shown: Collection[str] = (),
    ) -> Adjustment | None:
        """What the user's ratings add to each paper; None without ratings (cold start).
        `shown`: papers of earlier digests; those left unrated teach as weak negatives."""
        if not papers:
            return None
        ratings = with_library(session, profile_id)  # thumbs, and an imported library as 👍
        if not ratings:
            return None
        self.model.fit_corpus(
            paper_store.paper_count(session), lambda: paper_store.recent_papers(session, CORPUS_LIMIT)
        )

        skipped = sorted((p for p in shown if p not in ratings), reverse=True)[:SKIPPED_LIMIT]

        def training_data() -> tuple[dict[str, Paper], dict[str, list[Paper]]]:
            days = set(paper_store.announced_on(session, list(ratings)).values())
            by_day = self._papers_of_days(session, days)
            known = {p.id: p for listed in by_day.values() for p in listed}  # most rated papers
            wanted = [*ratings, *skipped]
            rated = {pid: known[pid] for pid in wanted if pid in known}
            rated |= paper_store.get_papers(session, [pid for pid in wanted if pid not in known])
            return rated, by_day

        dense = self._dense(session, day)
        taste = self.model.taste(profile_id, ratings, training_data, dense, skipped)
        if taste is None:
            return None
        adjustment = self.model.adjust(taste, papers, dense)
        adjustment.explore = (
            taste.ratings >= EXPLORE_FROM and (day.toordinal() + profile_id) % EXPLORE_EVERY == 0
        )
        return adjustment

    def _dense(self, session: Session, day: dt.date) -> Dense | None:
        """Paper embeddings for the learned model, when configured; None when they fail."""
        store = self.vectors
        if store is None:
            return None

        def embed(papers: Sequence[Paper]) -> np.ndarray | None:
            try:
                return store.papers(session, papers, day=day)
            except PaperbotError as exc:
                log.warning("learning without embeddings: %s", exc)
                return None

        return embed
