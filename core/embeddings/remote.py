"""Embeddings from the OpenAI API (or any compatible endpoint) through the `openai` client."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import openai

from core.embeddings import unit
from core.errors import SourceError
from core.models import Usage
from core.scoring.llm.pricing import Prices, usage_of

MAX_CHARS = 6000  # far below the model's 8,191-token input limit


class EmbeddingError(SourceError):
    """An embeddings call failed; `calls` are the ones before it, paid for all the same."""

    def __init__(self, message: str, calls: list[Usage]) -> None:
        super().__init__(message)
        self.calls = calls


class OpenAIEmbedder:
    def __init__(self, *, client: openai.OpenAI, model: str, prices: Prices, batch_size: int = 256) -> None:
        self.client = client
        self.model = model
        self.prices = prices
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> tuple[np.ndarray, list[Usage]]:
        rows: list[list[float]] = []
        calls: list[Usage] = []
        for start in range(0, len(texts), self.batch_size):
            chunk = [t[:MAX_CHARS] or " " for t in texts[start : start + self.batch_size]]
            try:
                response = self.client.embeddings.create(model=self.model, input=chunk)
            except openai.OpenAIError as exc:
                raise EmbeddingError(f"the embeddings call failed ({type(exc).__name__})", calls) from exc
            calls.append(usage_of(self.prices, self.model, response.usage))
            ordered = sorted(response.data, key=lambda d: d.index)
            if len(ordered) != len(chunk):
                raise EmbeddingError(f"asked for {len(chunk)} embeddings, got {len(ordered)}", calls)
            rows.extend(d.embedding for d in ordered)
        return unit(np.array(rows, dtype=np.float32)), calls
