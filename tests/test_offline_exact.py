"""The offline scorer's per-reader shortcuts give the plain sparse algebra's numbers, bit for bit.

A day's index keeps each phrase's per-paper column and adds a reader's columns up instead of
multiplying sparse matrices per reader; the pseudo-relevance centroid is summed from the rows it
needs. Rankings must not move by a single ulp for that, so each shortcut is compared with the
plain form it replaces, on the fixture day and on criteria built to hit the edge cases (a word
said twice, words the day never uses, keywords, numbered topics, rejected phrases).
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from core.ingest.listing import read_listing
from core.models import Criteria, Paper
from core.scoring import day_index
from core.scoring.criteria import Phrase, parse_criteria, parsed_criteria
from core.scoring.daily import fresh_papers
from core.scoring.day_index import DayIndex
from core.scoring.offline import OfflineScorer

FIXTURES = Path(__file__).parent / "fixtures"
TOPICS = [
    "sparse autoencoders", "mixture of experts", "quantization of large language models",
    "pruning and sparsity", "low-rank adaptation", "diffusion models", "graph neural networks",
    "reinforcement learning from human feedback", "learning to learn", "medical imaging",
    "in-context learning", "chain-of-thought reasoning", "zebrafish husbandry",
]  # fmt: skip


def day_papers() -> list[Paper]:
    entries = read_listing(FIXTURES / "day-2025-06-03.jsonl").entries
    return fresh_papers((e.paper, e.announce_type) for e in entries)


def many_criteria(count: int) -> list[Criteria]:
    rng = random.Random(3)
    found = [Criteria((FIXTURES / "criteria.md").read_text())]
    for _ in range(count):
        wanted = ", ".join(rng.sample(TOPICS, rng.randint(1, 4)))
        unwanted = " or ".join(rng.sample(TOPICS, rng.randint(0, 2)))
        text = f"I follow {wanted}, especially theory."
        text += f"\nNot interested in {unwanted}." if unwanted else ""
        require = tuple(rng.sample(["sparse", "language model", "learning to learn"], rng.randint(0, 1)))
        found.append(Criteria(text, require=require, exclude=tuple(rng.sample(["medical", "robot"], 1))))
    return found


def phrase_matrix(index: DayIndex, phrases: list[Phrase]) -> sparse.csr_matrix:
    """vocabulary × phrases: each of a phrase's words worth 1/its length (the plain form of
    what `phrase_scores` computes column by column)."""
    rows, cols, vals = [], [], []
    for column, phrase in enumerate(phrases):
        for word in phrase.stems:
            if word in index.vocab:
                rows.append(index.vocab[word])
                cols.append(column)
                vals.append(1.0 / len(phrase.stems))
    shape = (index.weighted.shape[1], max(1, len(phrases)))
    return sparse.csr_matrix((vals, (rows, cols)), shape=shape)


def plain_scores(index: DayIndex, phrases: list[Phrase]) -> np.ndarray:
    """`phrase_scores` as one sparse product per reader (what it was before columns were kept)."""
    if not phrases:
        return np.zeros((len(index.papers), 0))
    matrix = phrase_matrix(index, phrases)
    strength = (index.weighted @ matrix).toarray()
    coverage = (index.present @ matrix).toarray()
    return np.asarray(strength * coverage**2 * np.array([p.weight for p in phrases]))


def plain_mentioned(index: DayIndex, phrases: list[Phrase]) -> np.ndarray:
    specific = [p for p in phrases if len(p.stems) >= 2]
    if not specific:
        return np.zeros(len(index.papers))
    whole = np.asarray((index.present @ phrase_matrix(index, specific)).toarray()) >= 0.999
    return np.asarray(whole.any(axis=1).astype(float))


def plain_titled(index: DayIndex, phrases: list[Phrase]) -> np.ndarray:
    specific = [set(p.strict) for p in phrases if len(p.strict) >= 2]
    return np.array([any(s <= title for s in specific) for title in index.title_words], dtype=float)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("cached", [day_index.CACHED_PHRASES, 3])
def test_phrase_columns_equal_the_sparse_products_bit_for_bit(
    cached: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(day_index, "CACHED_PHRASES", cached)  # 3: columns are dropped and redone
    index = DayIndex(day_papers())
    matched = 0
    for criteria in many_criteria(120):
        parsed = parse_criteria(criteria)
        for phrases in (parsed.positive, parsed.negative):
            fast = index.phrase_scores(phrases)
            assert same_bits(fast, plain_scores(index, phrases)), criteria
            assert same_bits(index.mentioned(phrases), plain_mentioned(index, phrases)), criteria
            assert same_bits(index.titled(phrases), plain_titled(index, phrases)), criteria
            matched += int(np.count_nonzero(fast))
    assert matched > 1000  # the criteria really match the day's papers


def test_a_word_said_twice_counts_twice_as_in_the_phrase_matrix() -> None:
    index = DayIndex(day_papers())
    twice = Phrase(stems=("learn", "learn", "model"), text="learning to learn models", topic="")
    unknown = Phrase(stems=("zebrafish", "learn"), text="zebrafish learning", topic="")
    assert same_bits(index.phrase_scores([twice, unknown]), plain_scores(index, [twice, unknown]))
    assert index.phrase_scores([unknown])[:, 0].max() < index.phrase_scores([twice])[:, 0].max()


def test_the_feedback_centroid_sums_rows_as_the_sparse_mean_does() -> None:
    index = DayIndex(day_papers())
    rng = np.random.default_rng(5)
    for size in (3, 4, 20, len(index.papers)):
        rows = rng.permutation(len(index.papers))[:size]
        plain = np.asarray(index.tfidf[rows].mean(axis=0)).ravel()
        assert same_bits(index.tfidf_mean(rows), plain)


def test_scores_are_the_same_whichever_reader_came_first() -> None:
    """Columns kept from one reader serve the next: a fresh index for each reader gives the
    same rankings as one shared index (and as its second reading, from the cache)."""
    papers = day_papers()
    shared = OfflineScorer()
    for criteria in many_criteria(30):
        alone = OfflineScorer().score_day(papers, criteria).ranking
        for _ in range(2):
            again = shared.score_day(papers, criteria).ranking
            for name in ("relevance", "novelty", "value"):
                assert same_bits(getattr(again, name), getattr(alone, name)), criteria
            assert [again.comment(i) for i in range(len(papers))] == [
                alone.comment(i) for i in range(len(papers))
            ]


def test_a_changed_day_is_indexed_again() -> None:
    """The reader-to-reader shortcut recognises the same papers, never a changed list."""
    papers = day_papers()
    scorer = OfflineScorer()
    first = scorer.index(papers)
    assert scorer.index(list(papers)) is first
    changed = replace(papers[-1], version=papers[-1].version + 1, title="Zebrafish husbandry")
    replaced = [*papers[:-1], changed]
    second = scorer.index(replaced)
    assert second is not first
    assert second.papers[-1].title == "Zebrafish husbandry"
    assert scorer.index(papers) is first  # the first day is still kept


def test_parsed_criteria_is_the_parse_remembered() -> None:
    criteria = Criteria("Relevant: sparse autoencoders.\nNot interested in medical imaging.")
    assert parsed_criteria(criteria) == parse_criteria(criteria)
    assert parsed_criteria(criteria) is parsed_criteria(Criteria(criteria.text))
    changed = Criteria(criteria.text.replace("medical imaging", "robot learning"))  # an edited criteria
    assert [p.text for p in parsed_criteria(changed).negative] == ["robot learning"]
    assert [p.text for p in parsed_criteria(criteria).negative] == ["medical imaging"]
