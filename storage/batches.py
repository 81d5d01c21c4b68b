"""Queries for submitted LLM batches; rows become `core.models.Submission`s."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, select

from core.models import BatchState, Submission
from storage.tables import LlmBatch


def _submission(row: LlmBatch) -> Submission:
    assert row.id is not None
    return Submission(id=row.id, day=row.day, batch_id=row.batch_id, requests=dict(row.requests))


def add(session: Session, *, day: dt.date, batch_id: str, requests: dict[str, Any]) -> Submission:
    row = LlmBatch(day=day, batch_id=batch_id, requests=requests)
    session.add(row)
    session.flush()
    return _submission(row)


def open_batches(session: Session, day: dt.date) -> list[Submission]:
    query = select(LlmBatch).where(LlmBatch.day == day, LlmBatch.state == BatchState.SUBMITTED.value)
    return [_submission(row) for row in session.exec(query)]


def finish(session: Session, submission: Submission, state: BatchState) -> None:
    """Close a submission as collected or abandoned."""
    row = session.get(LlmBatch, submission.id)
    if row is not None:
        row.state = BatchState(state).value
        row.finished_at = dt.datetime.now(dt.UTC)
