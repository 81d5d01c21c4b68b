"""Vectors on demand: from memory, else from the database, else from the embedder (and stored).

An embedder that fails (endpoint down, extra missing) makes `day_vectors` return None: the day
is then ranked without embeddings, as if they were off, instead of not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from core.embeddings import DayVectors, Embedder, paper_text
from core.errors import PaperbotError
from core.models import Criteria, Paper, Usage
from storage import usage as usage_store
from storage import vectors as vector_store

if TYPE_CHECKING:
    from sqlmodel import Session

log = logging.getLogger(__name__)

USAGE_FINGERPRINT = "embeddings"  # usage rows of embedding calls: the day's, no profile's


class VectorStore:
    def __init__(self, embedder: Embedder, *, memory: int = 20_000, days: int = 4) -> None:
        self.embedder = embedder
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._limit = memory
        # a day's stacked paper vectors: every user's ranking of that day reads the same matrix
        self._days: OrderedDict[tuple[tuple[str, int], ...], np.ndarray] = OrderedDict()
        self._day_limit = days

    @property
    def model(self) -> str:
        return self.embedder.model

    def day_vectors(
        self, session: Session, papers: Sequence[Paper], criteria: Criteria, *, day: dt.date
    ) -> DayVectors | None:
        key = tuple((p.id, p.version) for p in papers)
        try:
            if key not in self._days:
                self._days[key] = self.papers(session, papers, day=day)
                while len(self._days) > self._day_limit:
                    self._days.popitem(last=False)
            self._days.move_to_end(key)
            return DayVectors(
                papers=self._days[key], criteria=self.texts(session, criteria_blocks(criteria), day=day)
            )
        except PaperbotError as exc:
            log.warning("ranking without embeddings: %s", exc)
            return None

    def papers(self, session: Session, papers: Sequence[Paper], *, day: dt.date) -> np.ndarray:
        keys = [f"paper:{p.id}v{p.version}" for p in papers]
        return self._vectors(session, keys, lambda i: paper_text(papers[i]), day=day)

    def texts(self, session: Session, texts: Sequence[str], *, day: dt.date) -> np.ndarray:
        keys = [f"text:{hashlib.sha256(t.encode()).hexdigest()[:40]}" for t in texts]
        return self._vectors(session, keys, lambda i: texts[i], day=day)

    def _vectors(
        self, session: Session, keys: list[str], text: Callable[[int], str], *, day: dt.date
    ) -> np.ndarray:
        """`text(i)` is the text of `keys[i]`, asked for only when it has to be embedded."""
        found = {k: self._memory[k] for k in keys if k in self._memory}
        wanted = [k for k in dict.fromkeys(keys) if k not in found]
        if wanted:
            found.update(vector_store.load(session, wanted, model=self.model))
        todo = {k: text(i) for i, k in enumerate(keys) if k not in found}
        if todo:
            try:
                vectors, calls = self.embedder.embed(list(todo.values()))
            except PaperbotError as exc:  # the calls that did succeed were paid for: keep count
                self._record(session, getattr(exc, "calls", []), day)
                raise
            fresh = dict(zip(todo, vectors, strict=True))
            vector_store.save(session, fresh, model=self.model)
            self._record(session, calls, day)
            found.update(fresh)
        for key in keys:
            self._memory[key] = found[key]
            self._memory.move_to_end(key)
        while len(self._memory) > self._limit:
            self._memory.popitem(last=False)
        return np.vstack([found[k] for k in keys]) if keys else np.zeros((0, 0), dtype=np.float32)

    @staticmethod
    def _record(session: Session, calls: list[Usage], day: dt.date) -> None:
        usage_store.record_calls(session, calls, day=day, profile_id=None, fingerprint=USAGE_FINGERPRINT)


def criteria_blocks(criteria: Criteria) -> list[str]:
    """What the criteria ask for, in pieces a small model reads whole: each paragraph of the
    text, and the required keywords."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", criteria.text) if b.strip()]
    if criteria.require:
        blocks.append(", ".join(criteria.require))
    return blocks or [criteria.text or " "]
