"""A day's papers as the offline scorer reads them: stems, BM25 weights, TF-IDF, priors.

Built once per day and shared by every reader. Ten thousand readers' criteria are mostly made of
the same few hundred phrases, so what one phrase matches (its per-paper column) is kept too, and
a reader's scores are a handful of look-ups instead of sparse products over the whole day. The
columns are added word by word in vocabulary order, exactly as the sparse product
`weighted @ phrase matrix` adds them, so the scores are the same to the last bit.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from core.models import Paper
from core.scoring.criteria import Phrase
from core.scoring.lexicon import APPLIED_STEMS, FOUNDATIONAL_STEMS, NOVEL_STEMS, ROUTINE_STEMS
from core.scoring.text import stems, strict_stems

if TYPE_CHECKING:  # scipy and scikit-learn load when a day is indexed, not with every command
    from scipy import sparse

TITLE_WEIGHT = 2.0
BM25_K = 1.2
# Phrases (and rejected phrases' title matches) whose per-paper columns a day keeps: 5 KB each,
# so at most ~20 MB a day; a reader whose phrases fell out pays a few column look-ups again.
CACHED_PHRASES = 4096
MENTIONED = 0.999  # coverage at which a paper has every word of a phrase


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
        # by word: the papers that have it, with its weight (a phrase's column is a few of these)
        self._weighted_by_word = sparse.csc_matrix(self.weighted)
        self._present_by_word = sparse.csc_matrix(self.present)
        self._columns: OrderedDict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._titled: OrderedDict[frozenset[str], np.ndarray] = OrderedDict()
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

    def titled(self, phrases: Sequence[Phrase]) -> np.ndarray:
        """Per paper: whether its title holds every word of one of `phrases` of two words or more."""
        result = np.zeros(len(self.papers), dtype=bool)
        for phrase in phrases:
            if len(phrase.strict) >= 2:
                result |= self._title_column(frozenset(phrase.strict))
        return result.astype(float)

    def mentioned(self, phrases: Sequence[Phrase]) -> np.ndarray:
        """Per paper: whether it has every word of one of `phrases` of two words or more."""
        result = np.zeros(len(self.papers), dtype=bool)
        for phrase in phrases:
            if len(phrase.stems) >= 2:
                result |= self._column(phrase.stems)[1] >= MENTIONED
        return result.astype(float)

    def phrase_scores(self, phrases: Sequence[Phrase]) -> np.ndarray:
        """papers × phrases: mean saturated weight of the phrase's stems × coverage²."""
        if not phrases:
            return np.zeros((len(self.papers), 0))
        matched = np.column_stack([self._column(p.stems)[0] for p in phrases])
        weights = np.array([p.weight for p in phrases])
        return np.asarray(matched * weights)

    def _column(self, words: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Per paper, for one phrase: strength × coverage² and coverage, where strength is the
        mean saturated weight of its words and coverage the share of them the paper has. Summed
        word by word in vocabulary order, the order in which a sparse product over the paper's
        row adds them (a word said twice counts twice)."""
        found = self._columns.get(words)
        if found is not None:
            self._columns.move_to_end(words)
            return found
        share = 1.0 / len(words)
        per_column: dict[int, float] = {}
        for word in words:
            column = self.vocab.get(word)
            if column is not None:
                per_column[column] = per_column[column] + share if column in per_column else share
        n = len(self.papers)
        strength, coverage = np.zeros(n), np.zeros(n)
        for column in sorted(per_column):
            for by_word, total in ((self._weighted_by_word, strength), (self._present_by_word, coverage)):
                start, end = by_word.indptr[column], by_word.indptr[column + 1]
                total[by_word.indices[start:end]] += by_word.data[start:end] * per_column[column]
        found = self._columns[words] = (strength * coverage**2, coverage)
        while len(self._columns) > CACHED_PHRASES:
            self._columns.popitem(last=False)
        return found

    def _title_column(self, words: frozenset[str]) -> np.ndarray:
        found = self._titled.get(words)
        if found is None:
            found = self._titled[words] = np.array([words <= t for t in self.title_words], dtype=bool)
            while len(self._titled) > CACHED_PHRASES:
                self._titled.popitem(last=False)
        return found

    def tfidf_mean(self, rows: np.ndarray) -> np.ndarray:
        """The mean TF-IDF row of `rows`, added up row by row in their order, exactly as
        `tfidf[rows].mean(axis=0)` does, without building the sub-matrix."""
        tfidf = self.tfidf
        starts, ends = tfidf.indptr[rows], tfidf.indptr[rows + 1]
        lengths = ends - starts
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        entries = offsets + np.arange(int(lengths.sum()))
        values = tfidf.data[entries] * (1.0 / len(rows))
        return np.bincount(tfidf.indices[entries], weights=values, minlength=tfidf.shape[1])


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
