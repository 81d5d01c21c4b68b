"""The learned model's shortcuts give the plain computation's results, bit for bit.

A digest names the liked paper a shown paper resembles; that is worked out per shown row instead
of for the whole day, and rated papers' TF-IDF rows are kept as arrays and stacked by hand. Both
must give exactly what the full sparse product and `sparse.vstack` of transformed rows give.
"""

from __future__ import annotations

import random

import numpy as np
from scipy import sparse

from core.learning.model import Preferences, text_of
from core.models import Paper

WORDS = {
    "graph": "graph neural networks pass messages between nodes and edges of molecular graphs",
    "vision": "convolutional networks classify image pixels and detect objects in photographs",
    "audio": "speech models turn audio waveforms and spectrograms into acoustic tokens",
    "theory": "we prove generalization bounds for overparameterised networks via kernel limits",
}
FILLER = ["we", "study", "a", "learning", "method", "train", "models", "and", "report", "experiments"]


def corpus(count: int, rng: random.Random, prefix: str) -> list[Paper]:
    papers = []
    for n in range(count):
        topic = rng.choice(list(WORDS))
        extra = " ".join(rng.sample(FILLER, 6))
        papers.append(
            Paper(
                id=f"{prefix}.{n:05d}",
                title=f"On {topic} learning {n}",
                authors=("A. Writer",),
                abstract=f"{WORDS[topic]}. {extra}.",
            )
        )
    return papers


def trained() -> tuple[Preferences, list[Paper], list[Paper], dict[str, int]]:
    rng = random.Random(9)
    rated_day, today = corpus(120, rng, "2506"), corpus(90, rng, "2507")
    model = Preferences()
    model.fit_corpus(len(rated_day) + len(today), lambda: rated_day + today)
    ratings = {p.id: (1 if "graph" in p.title or "theory" in p.title else -1) for p in rated_day[:60]}
    return model, rated_day, today + rated_day[:5], ratings  # five liked papers come back today


def test_rows_are_stacked_exactly_as_sparse_vstack_stacks_them() -> None:
    model, rated_day, today, _ = trained()
    papers = [rated_day[7], today[3], rated_day[7], *rated_day[20:60]]
    stacked = model.vectors(papers)
    plain = sparse.vstack(
        [sparse.csr_matrix(model._vectorizer.transform([text_of(p)])) for p in papers],  # type: ignore[union-attr]
        format="csr",
    )
    assert stacked.shape == plain.shape
    assert np.array_equal(stacked.indptr, plain.indptr) and np.array_equal(stacked.indices, plain.indices)
    assert stacked.data.tobytes() == plain.data.tobytes()
    assert model.vectors([]).shape == (0, plain.shape[1])


def test_resemblance_per_shown_row_names_what_the_full_product_names() -> None:
    model, rated_day, today, ratings = trained()
    known = {p.id: p for p in rated_day}
    taste = model.taste(1, ratings, lambda: (known, {"2025-06-02": rated_day}))
    assert taste is not None and taste.liked
    adjustment = model.adjust(taste, today)
    # the whole day at once, as the names were worked out before
    vectors = model.day_vectors(today)
    similarity = (vectors @ taste.liked_vectors.T).toarray()
    expected: list[str | None] = []
    for i, j in enumerate(similarity.argmax(axis=1)):
        alike = similarity[i, j] > 0.1 and taste.liked[j].id != today[i].id
        expected.append(taste.liked[j].title if alike else None)
    shown = [40, 3, 91, 0, 17]
    assert adjustment.likes(shown) == [expected[i] for i in shown]
    assert adjustment.likes(range(len(today))) == expected
    assert any(e is not None for e in expected)
    liked = {p.id for p in taste.liked}
    assert all(expected[i] is None for i, p in enumerate(today) if p.id in liked)  # never themselves
    assert any(p.id in liked for p in today)
