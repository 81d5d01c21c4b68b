"""Queries for stored scores: the cache that keeps a day from being scored twice per criteria."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session, col, select

from core.models import Paper, PaperScore
from storage.bulk import insert_ignoring_duplicates
from storage.tables import Score


def load_scores(
    session: Session,
    papers: Sequence[Paper],
    *,
    fingerprint: str,
    scorer: str,
    model: str,
    prompt_version: str,
) -> dict[str, PaperScore]:
    versions = {p.id: p.version for p in papers}
    found: dict[str, PaperScore] = {}
    ids = list(versions)
    for start in range(0, len(ids), 500):
        query = select(Score).where(
            Score.fingerprint == fingerprint,
            Score.scorer == scorer,
            Score.model == model,
            Score.prompt_version == prompt_version,
            col(Score.paper_id).in_(ids[start : start + 500]),
        )
        for row in session.exec(query):
            if versions.get(row.paper_id) == row.paper_version:
                found[row.paper_id] = PaperScore(
                    paper_id=row.paper_id, relevance=row.relevance, novelty=row.novelty,
                    value=row.value, comment=row.comment, scorer=row.scorer,
                )  # fmt: skip
    return found


def save_scores(
    session: Session,
    scores: Sequence[PaperScore],
    *,
    versions: dict[str, int],
    fingerprint: str,
    model: str,
    prompt_version: str,
) -> None:
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "paper_id": s.paper_id,
            "paper_version": versions.get(s.paper_id, 1),
            "fingerprint": fingerprint,
            "scorer": s.scorer,
            "model": model,
            "prompt_version": prompt_version,
            "relevance": s.relevance,
            "novelty": s.novelty,
            "value": s.value,
            "comment": s.comment,
            "created_at": now,
        }
        for s in scores
    ]
    insert_ignoring_duplicates(session, Score, rows)
