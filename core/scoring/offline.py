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

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from core.embeddings import DayVectors
from core.models import Criteria, Paper
from core.scoring.criteria import ParsedCriteria, parsed_criteria
from core.scoring.day_index import DayIndex, zscore
from core.scoring.ranking import Ranking, ScoredBatch

PSEUDO_POSITIVE_SHARE = 0.10
# Standard deviations off a paper whose title names something the criteria reject (every word
# of a rejected phrase of two words or more): such a paper should rarely top a digest.
REJECT_PENALTY = 1.0
MENTION_PENALTY = 0.3  # the same phrase anywhere in the abstract: a smaller push down
SEMANTIC_WEIGHT = 0.5  # of the criteria similarity, and of its feedback, per standard deviation


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
        latest = next(reversed(self._indexes.values()), None)
        if latest is not None and isinstance(papers, list) and papers == latest.papers:
            return latest  # the same day as the reader before (ten thousand times a day)
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
        parsed = parsed_criteria(criteria)
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
        centroid = index.tfidf_mean(top) - index.tfidf_mean(bottom)
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
