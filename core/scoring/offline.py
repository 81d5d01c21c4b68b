"""The offline scorer: no network, no key, about a millisecond per user once a day is indexed.

Three signals, each general rather than fitted to anyone's picks:
1. phrase matching: every phrase the criteria want (or reject) is matched by its stems in the
   title and abstract, BM25-style (saturating term frequency × IDF), weighted by coverage;
2. when the criteria ask for foundational work, a prior for theory-and-method papers over
   application papers (see `lexicon`);
3. pseudo-relevance feedback (Rocchio): the day's best matches pull up papers that read like
   them, the worst push down, over TF-IDF of the day's papers.
When embeddings are configured, two more: each paper's closest similarity to a paragraph of the
criteria, and the same pseudo-relevance feedback in embedding space.
The combined z-score is calibrated to 1–10 so that the seed defaults (relevance ≥ 8,
novelty ≥ 7) keep a digest of a handful of papers.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from core.embeddings import DayVectors
from core.models import Criteria, Paper
from core.scoring.criteria import ParsedCriteria, Phrase, parse_criteria
from core.scoring.lexicon import APPLIED_STEMS, FOUNDATIONAL_STEMS, NOVEL_STEMS, ROUTINE_STEMS
from core.scoring.ranking import Ranking, ScoredBatch
from core.scoring.text import stems, strict_stems

if TYPE_CHECKING:  # scipy and scikit-learn load when a day is indexed, not with every command
    from scipy import sparse

TITLE_WEIGHT = 2.0
BM25_K = 1.2
PSEUDO_POSITIVE_SHARE = 0.10
# Standard deviations off a paper whose title names something the criteria reject (every word
# of a rejected phrase of two words or more): such a paper should rarely top a digest.
REJECT_PENALTY = 1.0
MENTION_PENALTY = 0.3  # the same phrase anywhere in the abstract: a smaller push down
SEMANTIC_WEIGHT = 0.5  # of the criteria similarity, and of its feedback, per standard deviation


def zscore(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 1e-12 else np.zeros_like(values)


class DayIndex:
    """Everything about a day's papers that does not depend on who is asking."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        from scipy import sparse

        self.papers = list(papers)
        titles = [stems(p.title) for p in self.papers]
        abstracts = [stems(p.abstract) for p in self.papers]
        self.vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for row, (title, abstract) in enumerate(zip(titles, abstracts, strict=True)):
            counts: dict[str, float] = {}
            for word in abstract:
                counts[word] = counts.get(word, 0.0) + 1.0
            for word in set(title):
                counts[word] = counts.get(word, 0.0) + TITLE_WEIGHT
            for word, count in counts.items():
                rows.append(row)
                cols.append(self.vocab.setdefault(word, len(self.vocab)))
                vals.append(count)
        n = len(self.papers)
        freq = sparse.csr_matrix((vals, (rows, cols)), shape=(n, max(1, len(self.vocab))))
        df = np.bincount(freq.indices, minlength=freq.shape[1])
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        weighted = freq.copy()
        weighted.data = weighted.data / (weighted.data + BM25_K)
        self.weighted = sparse.csr_matrix(weighted.multiply(idf[np.newaxis, :]))
        self.present = freq.copy()
        self.present.data = np.ones_like(self.present.data)
        self.title_words = [frozenset(strict_stems(p.title)) for p in self.papers]
        self._words: dict[int, frozenset[str]] = {}
        tokens = [t * 2 + a for t, a in zip(titles, abstracts, strict=True)]
        self.foundational = zscore(np.array([_balance(t, FOUNDATIONAL_STEMS, APPLIED_STEMS) for t in tokens]))
        self.novel = zscore(np.array([_balance(t, NOVEL_STEMS, ROUTINE_STEMS) for t in tokens]))
        self.tfidf = _tfidf([f"{p.title}. {p.title}. {p.abstract}" for p in self.papers])

    def words(self, i: int) -> frozenset[str]:
        """Paper i's strict stems, computed once per day: every reader's reasons quote from them."""
        found = self._words.get(i)
        if found is None:
            paper = self.papers[i]
            found = self._words[i] = frozenset(strict_stems(f"{paper.title} {paper.abstract}"))
        return found

    def phrase_matrix(self, phrases: Sequence[Phrase]) -> sparse.csr_matrix:
        from scipy import sparse

        rows, cols, vals = [], [], []
        for column, phrase in enumerate(phrases):
            for word in phrase.stems:
                if word in self.vocab:
                    rows.append(self.vocab[word])
                    cols.append(column)
                    vals.append(1.0 / len(phrase.stems))
        shape = (self.weighted.shape[1], max(1, len(phrases)))
        return sparse.csr_matrix((vals, (rows, cols)), shape=shape)

    def titled(self, phrases: Sequence[Phrase]) -> np.ndarray:
        """Per paper: whether its title holds every word of one of `phrases` of two words or more."""
        specific = [set(p.strict) for p in phrases if len(p.strict) >= 2]
        return np.array([any(s <= title for s in specific) for title in self.title_words], dtype=float)

    def mentioned(self, phrases: Sequence[Phrase]) -> np.ndarray:
        """Per paper: whether it has every word of one of `phrases` of two words or more."""
        specific = [p for p in phrases if len(p.stems) >= 2]
        if not specific:
            return np.zeros(len(self.papers))
        whole = np.asarray((self.present @ self.phrase_matrix(specific)).toarray()) >= 0.999
        result: np.ndarray = whole.any(axis=1).astype(float)
        return result

    def phrase_scores(self, phrases: Sequence[Phrase]) -> np.ndarray:
        """papers × phrases: mean saturated weight of the phrase's stems × coverage²."""
        if not phrases:
            return np.zeros((len(self.papers), 0))
        matrix = self.phrase_matrix(phrases)
        strength = (self.weighted @ matrix).toarray()
        coverage = (self.present @ matrix).toarray()
        weights = np.array([p.weight for p in phrases])
        return np.asarray(strength * coverage**2 * weights)


def _balance(tokens: list[str], plus: frozenset[str], minus: frozenset[str]) -> float:
    return (sum(t in plus for t in tokens) - sum(t in minus for t in tokens)) / math.sqrt(len(tokens) + 1)


def _tfidf(texts: list[str]) -> sparse.csr_matrix:
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer  # seconds to import: only when scoring

    try:
        vectorizer = TfidfVectorizer(
            stop_words="english",
            sublinear_tf=True,
            ngram_range=(1, 2),
            min_df=2 if len(texts) >= 20 else 1,
        )
        return sparse.csr_matrix(vectorizer.fit_transform(texts))
    except ValueError:  # empty vocabulary: nothing but stop words
        return sparse.csr_matrix((len(texts), 1))


class OfflineScorer:
    """Ranks a day's papers against criteria text and keywords; see the module docstring."""

    name = "offline"
    model = "lexical"
    version = "1"
    persistent = False  # deterministic and about a millisecond: recomputed, not stored

    # a weekly or catch-up digest ranks up to 10 days (core.digest.span): keep them all indexed,
    # or each such reader would rebuild the indexes (0.8 s instead of 0.05 s for a week)
    def __init__(self, *, cache_days: int = 12) -> None:
        self._indexes: OrderedDict[tuple[tuple[str, int], ...], DayIndex] = OrderedDict()
        self._cache_days = cache_days

    def index(self, papers: Sequence[Paper]) -> DayIndex:
        key = tuple((p.id, p.version) for p in papers)
        found = self._indexes.get(key)
        if found is None:
            found = self._indexes[key] = DayIndex(papers)
            while len(self._indexes) > self._cache_days:
                self._indexes.popitem(last=False)
        self._indexes.move_to_end(key)
        return found

    def score_day(
        self, papers: Sequence[Paper], criteria: Criteria, *, vectors: DayVectors | None = None, **_: object
    ) -> ScoredBatch:
        """Scores as arrays aligned with `papers`; comments are written only when asked for."""
        if not papers:
            return ScoredBatch(ranking=Ranking.from_scores([], {}))
        index = self.index(papers)
        parsed = parse_criteria(criteria)
        positive = index.phrase_scores(parsed.positive)
        negative = index.phrase_scores(parsed.negative)
        final = self._rank(index, parsed, positive.sum(axis=1) - negative.sum(axis=1))
        if parsed.negative:
            final = final - REJECT_PENALTY * index.titled(parsed.negative)
            final = final - MENTION_PENALTY * index.mentioned(parsed.negative)
        if vectors is not None and len(papers) >= 8:
            final = _with_semantics(final, vectors)
        ranking = Ranking(
            papers=index.papers,
            relevance=np.clip(np.rint(5 + 1.5 * final), 1, 10).astype(int),
            novelty=np.clip(np.rint(6 + 1.2 * index.novel + 0.6 * final), 1, 10).astype(int),
            value=np.round(final, 4),
            comment=lambda i: _comment(i, index.words(i), parsed, positive, negative),
            scorer=lambda _i: self.name,
        )
        return ScoredBatch(ranking=ranking)

    @staticmethod
    def _rank(index: DayIndex, parsed: ParsedCriteria, base: np.ndarray) -> np.ndarray:
        if base.std() < 1e-12 and not parsed.wants_foundational:
            return np.full(len(index.papers), -3.0)  # nothing in the criteria matched anything
        first = zscore(base) + (index.foundational if parsed.wants_foundational else 0.0)
        order = np.argsort(-first)
        n = len(order)
        top, bottom = order[: max(3, int(PSEUDO_POSITIVE_SHARE * n))], order[n // 2 :]
        if n < 8 or index.tfidf.shape[1] < 2:
            return zscore(first)
        centroid = np.asarray(index.tfidf[top].mean(axis=0) - index.tfidf[bottom].mean(axis=0)).ravel()
        return zscore(zscore(first) + zscore(index.tfidf @ centroid))


def _with_semantics(lexical: np.ndarray, vectors: DayVectors) -> np.ndarray:
    """Adds the criteria similarity, then feedback from the day's best matches, in embedding space."""
    similarity = (vectors.papers @ vectors.criteria.T).max(axis=1)
    first = lexical + SEMANTIC_WEIGHT * zscore(similarity)
    order = np.argsort(-first)
    n = len(order)
    top, bottom = order[: max(3, int(PSEUDO_POSITIVE_SHARE * n))], order[n // 2 :]
    centroid = vectors.papers[top].mean(axis=0) - vectors.papers[bottom].mean(axis=0)
    return zscore(first + SEMANTIC_WEIGHT * zscore(vectors.papers @ centroid))


def _comment(
    i: int, words: frozenset[str], parsed: ParsedCriteria, positive: np.ndarray, negative: np.ndarray
) -> str:
    """A one-line reason naming the matched criteria (and a rejected one it touches). Only
    phrases whose every word the paper has, in the same sense, are quoted: "in contrast to"
    does not name "contrastive methods", and instructions ("Keep relevant papers") never."""
    hits = [
        (positive[i, j], p)
        for j, p in enumerate(parsed.positive)
        if positive[i, j] > 0.05 and p.quotable and p.text != p.topic and words.issuperset(p.strict)
    ]
    hits.sort(key=lambda h: -h[0])
    names: list[str] = []
    seen: set[str] = set()
    for _, phrase in hits:
        if not seen.intersection(phrase.stems):
            names.append(phrase.text)
            seen.update(phrase.stems)
        if len(names) == 3:
            break
    topic = hits[0][1].topic if hits else ""
    text = (
        (f"Matches {topic}: " if topic and topic != names[0] else "Matches ") + ", ".join(names)
        if names
        else "Reads like today's best matches for your criteria"
    )
    misses = [
        p.text
        for j, p in enumerate(parsed.negative)
        if negative.shape[1] and negative[i, j] > 0.5 and p.quotable and words.issuperset(p.strict)
    ]
    if misses:
        text += f"; but touches {misses[0]}, which you marked as not wanted"
    return text
