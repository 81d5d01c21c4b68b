"""What the offline scorer says about a paper: real topics of the criteria, in the sense the
paper uses them; and what the criteria reject does not top the ranking."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.models import Criteria, Paper
from core.scoring import offline
from core.scoring.criteria import parse_criteria
from core.scoring.offline import OfflineScorer

SEED = Criteria(text=(Path(__file__).parent / "fixtures" / "criteria.md").read_text(encoding="utf-8"))
FILLER = "We evaluate the method on several benchmarks and report results on standard datasets."
OTHER = [
    "Graph neural networks for molecule property prediction",
    "Bayesian optimisation of hyperparameters with Gaussian processes",
    "Speech recognition with streaming encoders",
    "Causal discovery from observational data",
    "Program synthesis with search over grammars",
    "Optimal transport between point clouds",
    "Weather forecasting with physics priors",
    "Tabular data generation with copulas",
]


def paper(n: int, title: str, abstract: str) -> Paper:
    return Paper(id=f"2506.{n:05d}", title=title, authors=("A. Author",), abstract=f"{abstract} {FILLER}")


def day(*special: tuple[str, str]) -> list[Paper]:
    papers = [paper(n, t, a) for n, (t, a) in enumerate(special)]
    return papers + [paper(len(papers) + n, t, t + ".") for n, t in enumerate(OTHER)]


def comments(papers: list[Paper], criteria: Criteria) -> list[str]:
    ranking = OfflineScorer().score_day(papers, criteria).ranking
    return [ranking.comment(i) for i in range(len(papers))]


def test_instructions_in_the_criteria_are_never_quoted_as_topics() -> None:
    criteria = Criteria(text="Keep **relevant** papers and filter out **irrelevant** ones.\n" + SEED.text)
    parsed = parse_criteria(criteria)
    quoted = [p.text for p in parsed.positive + parsed.negative if p.quotable]
    assert not [t for t in quoted if "keep" in t.lower() or "*" in t], quoted
    title = "Keep relevant papers: a study of sparse autoencoders"
    papers = day((title, "We keep relevant features of sparse autoencoders and filter out irrelevant ones."))
    assert "Keep" not in comments(papers, criteria)[0]


def test_a_contrast_is_not_contrastive_and_reasonable_is_not_reasoning() -> None:
    criteria = Criteria(text="1. Learning\n - Relevant: contrastive methods, reasoning in language models\n")
    papers = day(
        ("Sparse codes for language models", "In contrast to prior work, a reasonable language model."),
        ("Contrastive pretraining revisited", "Contrastive methods and reasoning in language models."),
    )
    loose, real = comments(papers, criteria)[:2]
    assert "contrastive" not in loose and "reasoning" not in loose, loose
    assert "contrastive" in real and "reasoning" in real, real


def test_a_paper_named_after_a_rejected_topic_does_not_top_the_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rejected paper matches every wanted phrase, more than any other paper: only the
    penalty for naming a rejected topic in its title keeps it from the top."""
    criteria = Criteria(
        text="1. Efficiency\n   - Relevant: quantization of language models, pruning of language models, "
        "low-rank adapters\nNot interested in: reinforcement learning.\n"
    )
    papers = day(
        ("Reinforcement learning meets quantization and pruning of language models",
         "Quantization of language models, pruning of language models and low-rank adapters, compared."),
        ("Quantization of language models with rotations",
         "Quantization of language models with learned rotations."),
    )  # fmt: skip
    monkeypatch.setattr(offline, "REJECT_PENALTY", 0.0)
    unpunished = OfflineScorer().score_day(papers, criteria).ranking
    assert int(unpunished.value.argmax()) == 0  # the premise: its topic score tops the day
    monkeypatch.undo()
    ranking = OfflineScorer().score_day(papers, criteria).ranking
    assert ranking.value[1] > ranking.value[0] and int(ranking.value.argmax()) != 0
    assert "reinforcement learning, which you marked as not wanted" in ranking.comment(0)
