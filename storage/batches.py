"""Queries for submitted LLM batches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, select

from storage.tables import LlmBatch


def add(session: Session, *, day: dt.date, batch_id: str, requests: dict[str, Any]) -> LlmBatch:
    row = LlmBatch(day=day, batch_id=batch_id, requests=requests)
    session.add(row)
    return row


def open_batches(session: Session, day: dt.date) -> list[LlmBatch]:
    query = select(LlmBatch).where(LlmBatch.day == day, LlmBatch.state == "submitted")
    return list(session.exec(query))


def finish(row: LlmBatch, state: str) -> None:
    row.state = state
    row.finished_at = dt.datetime.now(dt.UTC)
