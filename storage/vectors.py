"""Queries for stored embeddings: one row per (key, model), read back as float32 arrays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
from sqlmodel import Session, col, select

from storage.bulk import insert_ignoring_duplicates
from storage.tables import Vector


def load(session: Session, keys: Sequence[str], *, model: str) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    for start in range(0, len(keys), 500):
        query = select(Vector).where(Vector.model == model, col(Vector.key).in_(keys[start : start + 500]))
        for row in session.exec(query):
            found[row.key] = np.frombuffer(row.data, dtype="<f4", count=row.dim)
    return found


def save(session: Session, vectors: Mapping[str, np.ndarray], *, model: str) -> None:
    """Stores new vectors; a key another process stored meanwhile is kept as it is."""
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "key": key,
            "model": model,
            "dim": int(v.shape[0]),
            "data": v.astype("<f4").tobytes(),
            "created_at": now,
        }
        for key, v in vectors.items()
    ]
    insert_ignoring_duplicates(session, Vector, rows)
