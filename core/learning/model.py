"""What each user likes beyond their written criteria, learned from their 👍/👎.

A logistic regression per user over TF-IDF features of the stored corpus, next to the papers'
embeddings when they are configured: 👍 papers are positives; 👎 papers, papers shown and
skipped, and a sample of unrated papers from the same days are negatives (in that order of
weight). Its standardised score is blended into the criteria score in units of the day's
spread of criteria relevance, with a weight that grows with the number of ratings (equal to
the criteria at `EQUAL_AT` ratings, up to `MAX_WEIGHT` times it) times the model's proven
accuracy on the user's held-out thumbs (`trust`), so a broad criteria text
can be narrowed by thumbs, and a user without ratings ranks exactly as before. The LLM still
scores only the criteria, so its cache stays shared; the learned model only re-ranks.
Models are retrained only when a user's ratings (or shown papers) change.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.learning.resemble import Resemblance
from core.learning.trust import reliability
from core.models import Paper
from core.scoring.day_index import zscore

if TYPE_CHECKING:  # scipy and scikit-learn take seconds to import: loaded where a model is trained
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

MAX_WEIGHT = 3.0  # at most the learned score counts this many times the criteria score
EQUAL_AT = 50  # ratings at which the learned score counts as much as the criteria score
UNRATED_PER_DAY = 20
UNRATED_WEIGHT = 0.3  # an unrated paper of a rated day, never looked at: probably not wanted, weakly
SKIPPED_WEIGHT = 0.7  # shown and not rated: passed over, though perhaps only for lack of time
SKIPPED_LIMIT = 300  # the most recent shown-and-skipped papers a model trains on
EXPLORE_EVERY = 3  # one digest in this many gives its last slot to a paper outside the focus
EXPLORE_FROM = 10  # ratings before exploring: until then the criteria explore on their own
MIN_SPREAD = 1.0  # relevance points per standard deviation when a day's criteria scores barely vary
CORPUS_LIMIT = 20_000
CACHED_DAYS = 3  # days whose paper vectors are kept between users
# An imported paper among the ratings: a like (> 0) to the model, told apart from a 👍 (+1).
IMPORTED = 2
# The learned taste's weight a library earns, in units of the criteria's spread: up to
# LIBRARY_WEIGHT (the ceiling thumbs have too), half of it at LIBRARY_HALF papers
# (30 papers: 2.25; 10 papers: 1.5; 3 papers: 0.7).
LIBRARY_WEIGHT = 3.0
LIBRARY_HALF = 10
DENSE_WEIGHT = 0.5  # embeddings next to TF-IDF: both unit length, the words count for more

Dense = Callable[[Sequence[Paper]], np.ndarray | None]  # embeddings of papers, when configured


def new_model() -> LogisticRegression:
    """liblinear's dual solver: fast when the features (100k words) far outnumber the samples.
    Its order of visiting samples is seeded, so the same ratings always give the same digest."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=5.0, solver="liblinear", dual=True, max_iter=2000, class_weight="balanced", random_state=0
    )


@dataclass
class Linear:
    """A trained logistic regression kept sparse: in the dual, words that none of the training
    papers has get no weight, so only the columns they use are stored (a few thousand of 100k),
    which keeps thousands of cached users' models small."""

    columns: np.ndarray
    coef: np.ndarray
    intercept: float

    def decision_function(self, features: sparse.csr_matrix) -> np.ndarray:
        full = np.zeros(features.shape[1])
        full[self.columns] = self.coef
        return np.asarray(features @ full).ravel() + self.intercept


def fit(
    features: sparse.csr_matrix, labels: Sequence[bool] | np.ndarray, weights: Sequence[float] | np.ndarray
) -> Linear:
    """`new_model` trained on the columns the samples use (the same solution as on all of them,
    for less work), without scikit-learn's per-call argument checks: thousands of users train."""
    from sklearn import config_context

    columns = np.flatnonzero(np.bincount(features.indices, minlength=features.shape[1]))
    with config_context(assume_finite=True, skip_parameter_validation=True):
        model = new_model().fit(features[:, columns], np.asarray(labels, dtype=bool), sample_weight=weights)
    return Linear(columns=columns, coef=model.coef_.ravel().copy(), intercept=float(model.intercept_[0]))


def text_of(paper: Paper) -> str:
    return f"{paper.title}. {paper.title}. {paper.abstract}"


@dataclass
class Taste:
    """A trained user model and the liked papers it can name in explanations."""

    model: Linear
    ratings: int
    trust: float  # 0..1: how well it predicts the user's held-out thumbs (see `trust`)
    liked: list[Paper]
    liked_vectors: sparse.csr_matrix
    dense_dim: int = 0  # the width of the embeddings it was trained with; 0 without
    imported: int = 0  # of `ratings`, papers from an imported library

    @property
    def weight(self) -> float:
        """How many criteria standard deviations one standard deviation of taste is worth."""
        return library_weight(weight_for(self.ratings) * self.trust, self.imported)


def library_weight(weight: float, imported: int) -> float:
    """The learned taste's weight with an imported library: at least what the library earns.

    Thumbs must prove themselves (trust): they judge papers the criteria already put on top, so
    a model of them may only re-learn the criteria. A library is independent evidence: papers
    the reader chose from everything they read, usually narrower than a criteria text written
    in a hurry. With no 👎 to test it on, trust would stay at one half and 30 papers would weigh
    a third of the criteria (+0.04 precision@10 in bench/feedback_import.py); earning a weight by
    its size instead lets a library narrow the ranking from the first day (about +0.12)."""
    if not imported:
        return weight
    return max(weight, LIBRARY_WEIGHT * imported / (imported + LIBRARY_HALF))


def weight_for(ratings: int) -> float:
    """Grows like n / (n + k), reaching 1 (the criteria's own weight) at `EQUAL_AT` ratings."""
    k = EQUAL_AT * (MAX_WEIGHT - 1)
    return MAX_WEIGHT * ratings / (ratings + k)


@dataclass
class Adjustment:
    """Per paper of a day: the learned taste (standardised over the day), its weight, and the
    liked paper each resembles. `points` turns it into relevance points on the criteria's scale."""

    taste: np.ndarray
    weight: float
    # the liked paper each of the given papers resembles, worked out for the papers shown alone
    likes: Callable[[Sequence[int]], list[str | None]]
    explore: bool = False  # this digest gives one slot to a paper just outside the focus

    def points(self, relevance: np.ndarray) -> np.ndarray:
        """Relevance points to add: the weight in units of the day's spread of criteria scores."""
        spread = max(float(np.std(relevance)), MIN_SPREAD) if len(relevance) else MIN_SPREAD
        return self.weight * spread * self.taste


class Preferences:
    def __init__(self, *, cached_users: int = 2000) -> None:

        self._vectorizer: TfidfVectorizer | None = None
        self._corpus_key: int | None = None
        self._tastes: OrderedDict[
            tuple[int, tuple[tuple[str, int], ...], tuple[str, ...], bool], Taste | None
        ] = OrderedDict()
        self._cached_users = cached_users
        self._day_vectors: OrderedDict[tuple[str, ...], sparse.csr_matrix] = OrderedDict()
        self._rows: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()  # columns, values

    def fit_corpus(self, size: int, load: Callable[[], Sequence[Paper]]) -> None:
        """The shared feature space over the most recent stored papers; `load` runs only when
        the stored corpus (`size` papers in all) grew by a tenth since the last fit."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        if self._vectorizer is not None and self._corpus_key and size <= self._corpus_key * 1.1:
            return
        texts = [text_of(p) for p in load()[-CORPUS_LIMIT:]]
        self._vectorizer = TfidfVectorizer(
            stop_words="english",
            sublinear_tf=True,
            ngram_range=(1, 2),
            min_df=2 if len(texts) >= 50 else 1,
            max_features=100_000,
        )
        self._vectorizer.fit(texts)
        self._corpus_key = size
        self._tastes.clear()
        self._day_vectors.clear()
        self._rows.clear()

    def vectors(self, papers: Sequence[Paper]) -> sparse.csr_matrix:
        """TF-IDF rows of `papers`; each paper's row is kept, as many users train on the same
        papers (those of the days they rated) and transforming text is the slow part."""
        from scipy import sparse

        assert self._vectorizer is not None, "fit_corpus first"
        missing = list({p.id: p for p in papers if p.id not in self._rows}.values())
        if missing:
            fresh = sparse.csr_matrix(self._vectorizer.transform([text_of(p) for p in missing]))
            for i, paper in enumerate(missing):
                start, end = fresh.indptr[i], fresh.indptr[i + 1]
                self._rows[paper.id] = (fresh.indices[start:end].copy(), fresh.data[start:end].copy())
            while len(self._rows) > CORPUS_LIMIT:
                self._rows.popitem(last=False)
        width = len(self._vectorizer.vocabulary_)
        if not papers:
            return sparse.csr_matrix((0, width))
        rows = [self._rows[p.id] for p in papers]  # stacked as `sparse.vstack` would, without its overhead
        indptr = np.concatenate([[0], np.cumsum([len(columns) for columns, _ in rows])])
        columns, values = np.concatenate([c for c, _ in rows]), np.concatenate([v for _, v in rows])
        return sparse.csr_matrix((values, columns, indptr), shape=(len(papers), width))

    def day_vectors(self, papers: Sequence[Paper]) -> sparse.csr_matrix:
        """`vectors` of a day's papers, kept for the few latest days: every rated user of a day
        asks for the same ones, and transforming a day costs a quarter of a second."""
        from scipy import sparse

        key = tuple(p.id for p in papers)
        if key not in self._day_vectors:
            assert self._vectorizer is not None, "fit_corpus first"
            self._day_vectors[key] = sparse.csr_matrix(
                self._vectorizer.transform([text_of(p) for p in papers])
            )
            while len(self._day_vectors) > CACHED_DAYS:
                self._day_vectors.popitem(last=False)
        self._day_vectors.move_to_end(key)
        return self._day_vectors[key]

    @staticmethod
    def features(words: sparse.csr_matrix, embedded: np.ndarray | None, dense_dim: int) -> sparse.csr_matrix:
        """TF-IDF rows, followed by the embeddings when the model was trained with them (zeros if
        they are unavailable now, so a model stays usable)."""
        from scipy import sparse

        if not dense_dim:
            return words
        if embedded is None or embedded.shape != (words.shape[0], dense_dim):
            embedded = np.zeros((words.shape[0], dense_dim), dtype=np.float32)
        return sparse.hstack([words, sparse.csr_matrix(DENSE_WEIGHT * embedded)], format="csr")

    def taste(
        self,
        profile_id: int,
        ratings: dict[str, int],
        load: Callable[[], tuple[dict[str, Paper], dict[str, list[Paper]]]],
        dense: Dense | None = None,
        skipped: Sequence[str] = (),
    ) -> Taste | None:
        """The user's model, trained once per distinct set of ratings; `load` (the rated
        papers, and the papers of the days they came from) runs only when training."""
        key = (profile_id, tuple(sorted(ratings.items())), tuple(sorted(skipped)), dense is not None)
        if key in self._tastes:
            self._tastes.move_to_end(key)
            return self._tastes[key]
        taste = self._train(profile_id, ratings, *load(), dense=dense, skipped=set(skipped))
        self._tastes[key] = taste
        while len(self._tastes) > self._cached_users:
            self._tastes.popitem(last=False)
        return taste

    def _train(
        self,
        profile_id: int,
        ratings: dict[str, int],
        papers: dict[str, Paper],
        unrated_by_day: dict[str, list[Paper]],
        *,
        dense: Dense | None = None,
        skipped: Collection[str] = (),
    ) -> Taste | None:
        # in a fixed order (ids, days), whatever order storage and sets gave: the same data, the same model
        rated = [(papers[pid], vote) for pid, vote in sorted(ratings.items()) if pid in papers]
        liked = [p for p, vote in rated if vote > 0]
        if not liked:
            return None  # nothing to move towards; 👎 alone only say what the criteria already do
        rng = random.Random(profile_id)
        rated_ids = {p.id for p, _ in rated}
        passed = sorted(
            (p for p in papers.values() if p.id in skipped and p.id not in rated_ids), key=lambda p: p.id
        )
        known = rated_ids | {p.id for p in passed}
        extra: list[Paper] = []
        for _, day_papers in sorted(unrated_by_day.items()):
            pool = [p for p in day_papers if p.id not in known]
            extra.extend(rng.sample(pool, min(UNRATED_PER_DAY, len(pool))))
        samples = [p for p, _ in rated] + passed + extra
        labels = [vote > 0 for _, vote in rated] + [False] * (len(passed) + len(extra))
        if all(labels):
            return None
        weights = [1.0] * len(rated) + [SKIPPED_WEIGHT] * len(passed) + [UNRATED_WEIGHT] * len(extra)
        embedded = dense(samples) if dense is not None else None
        dense_dim = 0 if embedded is None else int(embedded.shape[1])
        features = self.features(self.vectors(samples), embedded, dense_dim)
        return Taste(
            model=fit(features, labels, weights),
            ratings=len(rated),
            trust=reliability(features, labels, weights, len(rated), fit),
            liked=liked,
            liked_vectors=self.vectors(liked),
            dense_dim=dense_dim,
            imported=sum(vote == IMPORTED for _, vote in rated),
        )

    def adjust(self, taste: Taste, papers: Sequence[Paper], dense: Dense | None = None) -> Adjustment:
        """The learned taste per paper (standardised over the day) and the most similar liked paper."""
        vectors = self.day_vectors(papers)
        embedded = dense(papers) if dense is not None and taste.dense_dim else None
        features = self.features(vectors, embedded, taste.dense_dim)
        learned = zscore(taste.model.decision_function(features))
        nearest = Resemblance(vectors, papers, taste.liked, taste.liked_vectors)
        return Adjustment(taste=learned, weight=taste.weight, likes=nearest.of)
