"""Embeddings: dense vectors of papers and criteria, for ranking and for learning from thumbs.

Optional. `EMBEDDINGS=openai` uses the OpenAI embeddings endpoint (text-embedding-3-small by
default), `EMBEDDINGS=local` a sentence-transformers model on this machine (the optional
`local-embeddings` extra); `auto` picks OpenAI when a key is configured. Every vector is
computed once per paper version and model and stored, so each paper is embedded once for all
users and processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from core.models import Paper, Usage


class Embedder(Protocol):
    """Turns texts into unit-length vectors; `model` keys the stored vectors."""

    model: str

    def embed(self, texts: Sequence[str]) -> tuple[np.ndarray, list[Usage]]:
        """One row per text, and the usage of each API call made (none for local models)."""
        ...


@dataclass(frozen=True)
class DayVectors:
    """A day's paper vectors (aligned with its papers) and its criteria's block vectors."""

    papers: np.ndarray
    criteria: np.ndarray


def paper_text(paper: Paper) -> str:
    return f"{paper.title}. {paper.abstract}"


def unit(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)
