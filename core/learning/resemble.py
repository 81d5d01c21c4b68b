"""Which liked paper each of a day's papers resembles, worked out only for the papers shown.

A digest names a liked paper next to the ten or so papers it shows, never next to the other
640 of the day: the similarity of the whole day to every liked paper (a sparse product that was
a fifth of a rated reader's digest build) is computed for the rows someone reads, on demand.
Each row is the same row of the full product, so the names are the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.models import Paper

if TYPE_CHECKING:
    from scipy import sparse

ALIKE = 0.1  # cosine similarity below which no liked paper is named


class Resemblance:
    """For papers of `papers` (rows of `vectors`): the title of the most similar liked paper,
    None when none is similar enough or the paper is itself the liked one."""

    def __init__(
        self,
        vectors: sparse.csr_matrix,
        papers: Sequence[Paper],
        liked: Sequence[Paper],
        liked_vectors: sparse.csr_matrix,
    ) -> None:
        self._vectors = vectors
        self._papers = papers
        self._liked = liked
        self._liked_vectors = liked_vectors

    def of(self, indices: Sequence[int]) -> list[str | None]:
        """The rows `indices` of the full product with the liked papers, in one sparse product."""
        if not len(indices) or not len(self._liked):
            return [None] * len(indices)
        rows = [int(i) for i in indices]
        similarity = (self._vectors[rows] @ self._liked_vectors.T).toarray()
        found: list[str | None] = []
        for row, (i, j) in enumerate(zip(rows, similarity.argmax(axis=1), strict=True)):
            liked = self._liked[j]
            found.append(
                liked.title if similarity[row, j] > ALIKE and liked.id != self._papers[i].id else None
            )
        return found
