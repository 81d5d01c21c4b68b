"""Which liked paper each of a day's papers resembles, worked out only for the papers shown.

A digest names a liked paper next to the ten or so papers it shows, never next to the other
640 of the day: the similarity of the whole day to every liked paper (a sparse product that was
a fifth of a rated reader's digest build) is computed for the rows someone reads, on demand.
Each row is the same row of the full product, so the names are the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, overload

from core.models import Paper

if TYPE_CHECKING:
    from scipy import sparse

ALIKE = 0.1  # cosine similarity below which no liked paper is named


class Resemblance(Sequence[str | None]):
    """Per paper of `papers` (rows of `vectors`): the title of the most similar liked paper,
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
        self._found: dict[int, str | None] = {}

    def __len__(self) -> int:
        return len(self._papers)

    @overload
    def __getitem__(self, index: int) -> str | None: ...

    @overload
    def __getitem__(self, index: slice) -> list[str | None]: ...

    def __getitem__(self, index: int | slice) -> str | list[str | None] | None:
        if isinstance(index, slice):
            rows = list(range(len(self)))[index]
            self.prepare(rows)
            return [self._found[i] for i in rows]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        self.prepare([index])
        return self._found[index]

    def prepare(self, indices: Iterable[int]) -> None:
        """Work out the rows of `indices` not known yet, in one sparse product."""
        rows = sorted({int(i) for i in indices} - self._found.keys())
        if not rows:
            return
        similarity = (self._vectors[rows] @ self._liked_vectors.T).toarray()
        for row, (i, j) in enumerate(zip(rows, similarity.argmax(axis=1), strict=True)):
            liked = self._liked[j]
            alike = similarity[row, j] > ALIKE and liked.id != self._papers[i].id
            self._found[i] = liked.title if alike else None
