"""Queries for submitted LLM batches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, select

from core.models import BatchState
from storage.tables import LlmBatch


def add(session: Session, *, day: dt.date, batch_id: str, requests: dict[str, Any]) -> LlmBatch:
    row = LlmBatch(day=day, batch_id=batch_id, requests=requests)
    session.add(row)
    return row


def open_batches(session: Session, day: dt.date) -> list[LlmBatch]:
    query = select(LlmBatch).where(LlmBatch.day == day, LlmBatch.state == BatchState.SUBMITTED.value)
    return list(session.exec(query))


def finish(row: LlmBatch, state: str) -> None:
    """Close a submission: `state` is a `BatchState` (collected or abandoned)."""
    row.state = BatchState(state).value
    row.finished_at = dt.datetime.now(dt.UTC)
