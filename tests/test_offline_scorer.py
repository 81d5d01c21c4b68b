"""The offline scorer and criteria parsing on small made-up corpora."""

from __future__ import annotations

from core.models import Criteria, Paper
from core.scoring.criteria import fingerprint, parse_criteria
from core.scoring.offline import OfflineScorer

TOPICS = {
    "moe": "Mixture of experts routing for sparse transformers",
    "sae": "Sparse autoencoders recover interpretable features of language models",
    "quant": "Quantization of large language models to 2 bits with low-rank correction",
    "rl": "Reinforcement learning for robot navigation with reward shaping",
    "med": "Medical image segmentation of tumours with a U-Net on a hospital dataset",
    "traffic": "Traffic forecasting for urban road networks with sensors",
}
FILLER = "We evaluate the method on several benchmarks and report results."


def corpus(copies: int = 4) -> list[Paper]:
    papers = []
    for n in range(copies):
        for text in TOPICS.values():
            papers.append(
                Paper(
                    id=f"2506.{len(papers):05d}",
                    title=text if n == 0 else f"{text} ({n})",
                    authors=("A. Author",),
                    abstract=f"{text}. {FILLER}",
                )
            )
    return papers


def ranked_topics(criteria: Criteria) -> list[str]:
    papers = corpus()
    ranking = OfflineScorer().score_day(papers, criteria).ranking
    order = sorted(range(len(papers)), key=lambda i: -ranking.value[i])
    names = {p.id: key for p in papers for key, topic in TOPICS.items() if p.title.startswith(topic)}
    return [names[papers[i].id] for i in order]


def test_wanted_topics_rank_first_and_rejected_last() -> None:
    order = ranked_topics(
        Criteria(
            "I follow mixture of experts and sparse autoencoders. Not interested in reinforcement learning."
        )
    )
    assert set(order[:8]) == {"moe", "sae"}
    assert set(order[-4:]) == {"rl"}


def test_required_keywords_pull_papers_up() -> None:
    order = ranked_topics(Criteria("language models", require=("quantization",)))
    assert set(order[:4]) == {"quant"}


def test_scores_are_on_the_one_to_ten_scale_with_a_reason() -> None:
    papers = corpus()
    ranking = OfflineScorer().score_day(papers, Criteria("Relevant: traffic forecasting, sensors")).ranking
    assert ranking.relevance.min() >= 1 and ranking.relevance.max() <= 10
    assert ranking.novelty.min() >= 1 and ranking.novelty.max() <= 10
    best = max(range(len(papers)), key=lambda i: ranking.value[i])
    assert papers[best].title.startswith(TOPICS["traffic"])
    assert ranking.relevance[best] >= 8
    assert ranking.comment(best).startswith("Matches") and "traffic forecasting" in ranking.comment(best)


def test_criteria_that_match_nothing_give_low_scores() -> None:
    ranking = OfflineScorer().score_day(corpus(), Criteria("lattice cryptography")).ranking
    assert ranking.relevance.max() <= 2


def test_structured_criteria_are_split_into_wanted_and_unwanted() -> None:
    parsed = parse_criteria(
        Criteria(
            "1. Compression\n   - Relevant: pruning, quantization\n   - Irrelevant: federated learning\n"
            "Avoid purely application-driven work.\n- Application: medical imaging, time series"
        )
    )
    wanted = {p.text for p in parsed.positive}
    unwanted = {p.text for p in parsed.negative}
    assert {"Compression", "pruning", "quantization"} <= wanted
    assert {"federated learning", "medical imaging", "time series"} <= unwanted
    assert parsed.wants_foundational and {p.topic for p in parsed.positive} == {"Compression"}


def test_fingerprint_ignores_spacing_and_keyword_order_only() -> None:
    a = fingerprint(Criteria("Sparse  autoencoders\n", require=("b", "a")))
    assert a == fingerprint(Criteria("sparse autoencoders", require=("a", "b")))
    assert a != fingerprint(Criteria("sparse autoencoders", require=("a",)))
    assert a != fingerprint(Criteria("sparse autoencoders", exclude=("a", "b")))


def test_an_empty_day_scores_nothing() -> None:
    assert OfflineScorer().score_day([], Criteria("anything")).ranking.papers == []
