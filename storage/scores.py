"""Queries for stored scores: the cache that keeps a day from being scored twice per criteria."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session, col, delete, select

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
                    value=row.value, comment=row.comment, scorer=row.source or row.scorer,
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
    scorer: str | None = None,
) -> None:
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "paper_id": s.paper_id,
            "paper_version": versions.get(s.paper_id, 1),
            "fingerprint": fingerprint,
            "scorer": scorer or s.scorer,
            "source": s.scorer,
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


def replace_scores(
    session: Session,
    scores: Sequence[PaperScore],
    *,
    versions: dict[str, int],
    fingerprint: str,
    scorer: str,
    model: str,
    prompt_version: str,
) -> None:
    """Store scores under the cache key of `scorer`, replacing what was there for these papers.

    The producing scorer of each (the LLM, or the offline prefilter) goes into `source`.
    """
    ids = [s.paper_id for s in scores]
    for start in range(0, len(ids), 500):
        session.exec(
            delete(Score).where(
                col(Score.fingerprint) == fingerprint,
                col(Score.scorer) == scorer,
                col(Score.model) == model,
                col(Score.prompt_version) == prompt_version,
                col(Score.paper_id).in_(ids[start : start + 500]),
            )
        )
    save_scores(
        session,
        scores,
        versions=versions,
        fingerprint=fingerprint,
        model=model,
        prompt_version=prompt_version,
        scorer=scorer,
    )


def fingerprints_scored(session: Session, paper_ids: Sequence[str], *, scorer: str) -> set[str]:
    """The criteria fingerprints that have stored scores by `scorer` for any of these papers."""
    if not paper_ids:
        return set()
    query = select(Score.fingerprint).where(col(Score.paper_id).in_(list(paper_ids)), Score.scorer == scorer)
    return set(session.exec(query.distinct()))
