"""A focused reader: broad criteria, narrow taste. Thumbs must narrow the ranking to the theme,
shown-and-skipped papers teach as weak negatives, and an exploring digest marks its one paper
from outside the focus."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from bot.compose import App
from core.digest.build import DigestBuilder
from core.digest.model import Digest, Entry
from core.learning import learner as learner_module
from core.learning.model import EQUAL_AT, Adjustment, fit, new_model, weight_for
from core.learning.trust import UNKNOWN, reliability
from core.models import Identity, Reason
from storage import deliveries, profiles
from tests.test_learning import DAY1, DAY2, TOPICS, days, mean_rank, ranking, say, topic_of

__all__ = ["days"]  # the fixture, shared with the learning tests

BROAD = "/topics set graph neural networks, image classification and speech audio models"


def digest(app: App, name: str) -> list[tuple[str, str, str]]:
    """Day 2's digest as (topic, reason, explanation) per entry."""
    with app.sessions() as session, session.begin():
        view = profiles.find(session, Identity("console", name))
        assert view is not None
        entries = app.builder.build(session, view, DAY2).entries
    return [(topic_of(e.paper.id), e.reason, e.explanation) for e in entries]


def focused_users(app: App) -> None:
    for name in ("focused", "cold"):
        say(app, name, "/start", BROAD, "/threshold 1 1")
    vision = [f"2506.11{n:03d}" for n in range(8)]  # the theme the criteria rank last
    others = [f"2506.1{t}{n:03d}" for t in (0, 2) for n in range(8)]
    say(app, "focused", *[f"/up {i}" for i in vision], *[f"/down {i}" for i in others])


def test_a_focused_readers_thumbs_move_their_theme_up_and_the_rest_down(days: App) -> None:
    focused_users(days)
    rater, cold = ranking(days, "focused"), ranking(days, "cold")
    assert mean_rank(cold, "vision") == 19.5  # the criteria put vision last
    assert mean_rank(rater, "vision") < mean_rank(cold, "vision") - 2  # from 24 ratings
    assert all(e.boost < 0 for e in rater.entries if topic_of(e.paper.id) != "vision")
    boosted = [e for e in rater.entries if e.reason == Reason.FEEDBACK]
    assert boosted and all(topic_of(e.paper.id) == "vision" for e in boosted)
    assert "ranked up by your ratings: like “On vision learning" in boosted[0].explanation


def test_without_exploration_the_digest_is_the_top_of_the_ranking(
    days: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(learner_module, "EXPLORE_EVERY", 10**9)
    focused_users(days)
    shown = digest(days, "focused")
    assert all(reason != Reason.EXPLORE for _, reason, _ in shown)
    assert all(reason in (Reason.CRITERIA, Reason.FEEDBACK) for _, reason, _ in shown)


def test_an_exploring_digest_gives_its_last_slot_to_a_paper_outside_the_focus_and_says_so(
    days: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(learner_module, "EXPLORE_EVERY", 1)  # every digest explores
    focused_users(days)
    shown = digest(days, "focused")
    assert len(shown) == 10
    explored = [entry for entry in shown if entry[1] == Reason.EXPLORE]
    assert len(explored) == 1 and shown[-1] == explored[0]
    assert explored[0][0] != "vision"
    assert "to explore: outside your usual picks" in explored[0][2]
    assert all(reason != Reason.EXPLORE for _, reason, _ in digest(days, "cold"))  # no ratings, no exploring


def test_papers_shown_and_skipped_count_against_their_kind(days: App) -> None:
    """👍 on day 1's graph papers and 👎 on its vision papers; one reader was also shown
    day 1's audio papers and passed over them: audio papers lose more points for them."""
    votes = [f"/up 2506.10{n:03d}" for n in range(8)] + [f"/down 2506.11{n:03d}" for n in range(8)]
    for name in ("skipper", "reader"):
        say(days, name, "/start", BROAD, *votes)
    with days.sessions() as session, session.begin():
        skipper = profiles.find(session, Identity("console", "skipper"))
        assert skipper is not None
        audio = [f"2506.12{n:03d}" for n in range(8)]
        deliveries.record_sent(session, profile_id=skipper.id, day=DAY1, paper_ids=audio)
    skipped, read = ranking(days, "skipper"), ranking(days, "reader")

    def audio_boost(d: Digest) -> float:
        return sum(e.boost for e in d.entries if topic_of(e.paper.id) == "audio") / 8

    assert audio_boost(skipped) < audio_boost(read) - 0.05


def test_the_learned_weight_is_in_units_of_the_days_criteria_spread() -> None:
    assert weight_for(0) == 0 and weight_for(EQUAL_AT) == pytest.approx(1.0)
    assert weight_for(10) < weight_for(100) < weight_for(10_000) < 3.0
    adjustment = Adjustment(taste=np.array([1.0, -1.0]), weight=0.5, likes=lambda rows: [None] * len(rows))
    assert adjustment.points(np.array([2, 6])).tolist() == [1.0, -1.0]  # spread 2 points
    assert adjustment.points(np.array([4, 4])).tolist() == [0.5, -0.5]  # flat day: at least 1 point
    assert TOPICS  # the corpus these tests share


def test_trust_is_earned_on_held_out_thumbs() -> None:
    """Thumbs that follow the words earn full trust; thumbs at random earn none; too few, half."""
    rng = np.random.default_rng(3)
    words = rng.random((60, 40)) * (rng.random((60, 40)) < 0.2)
    liked = words[:, 0] > 0  # the user likes papers with word 0
    words[liked, 0] += 1.0
    features = sparse.csr_matrix(words)
    weights = [1.0] * 60
    assert reliability(features, list(liked), weights, 60, fit) > 0.8
    noise = list(rng.random(60) < 0.5)
    assert reliability(features, noise, weights, 60, fit) < 0.4
    assert reliability(features, [True] * 3 + [False] * 57, weights, 60, fit) == UNKNOWN


def test_a_reader_without_ratings_ranks_exactly_as_with_no_learning_at_all(days: App) -> None:
    """The cold reader's whole ranking (order, totals, reasons) equals that of a builder with no
    learner, even after a focused reader beside them trained a model on the same days."""
    focused_users(days)
    assert [e.reason for e in ranking(days, "focused").entries].count(Reason.FEEDBACK) > 0
    plain = DigestBuilder(scoring=days.builder.scoring)
    with days.sessions() as session, session.begin():
        view = profiles.find(session, Identity("console", "cold"))
        assert view is not None
        learned = days.builder.build(session, view, DAY2, ranked_all=True).entries
        without = plain.build(session, view, DAY2, ranked_all=True).entries
        shown = days.builder.build(session, view, DAY2).entries
        shown_without = plain.build(session, view, DAY2).entries

    def key(entries: list[Entry]) -> list[tuple[str, float, str, float]]:
        return [(e.paper.id, e.total, e.reason, e.boost) for e in entries]

    assert len(learned) == 24 and key(learned) == key(without)
    assert key(shown) == key(shown_without)


def test_a_model_kept_on_its_papers_words_scores_as_one_trained_on_every_word() -> None:
    """Storing only the columns the training papers use loses nothing: in the dual the other
    words get no weight, so scores on new papers (with words never seen) are the same."""
    rng = np.random.default_rng(5)
    words = sparse.random(80, 3000, density=0.005, format="csr", random_state=rng)
    labels = np.asarray(words[:, :40].sum(axis=1)).ravel() > 0.1
    kept = fit(words, labels, np.ones(80))
    assert len(kept.columns) < 3000 // 2
    full = new_model().fit(words, labels)
    fresh = sparse.random(30, 3000, density=0.02, format="csr", random_state=rng)
    assert np.allclose(kept.decision_function(fresh), full.decision_function(fresh), atol=1e-3)


def test_the_same_ratings_train_the_same_model_whatever_the_global_random_state() -> None:
    """liblinear visits samples in a random order; it is seeded, so a digest is reproducible."""
    rng = np.random.default_rng(1)
    words = sparse.random(200, 5000, density=0.01, format="csr", random_state=rng)
    labels = rng.random(200) < 0.3
    np.random.seed(1)
    first = fit(words, labels, np.ones(200))
    np.random.seed(2)
    second = fit(words, labels, np.ones(200))
    assert np.array_equal(first.coef, second.coef) and first.intercept == second.intercept


def test_the_same_ratings_train_the_same_model_in_whatever_order_storage_gives_them() -> None:
    """Rated days come from a set (whose order changes from one process to the next) and
    ratings from SQL without an order: training sorts them, so a digest is reproducible."""
    from core.learning.model import Preferences
    from core.models import Paper

    words = [w.split() for w in TOPICS.values()]
    rng = np.random.default_rng(4)
    papers = [
        Paper(id=f"2506.{d}{n:04d}", title=f"study {d}.{n}", authors=(),
              abstract=" ".join(rng.choice(words[n % 3], 8)))
        for d in (1, 2, 3) for n in range(30)
    ]  # fmt: skip
    prefs = Preferences()
    prefs.fit_corpus(len(papers), lambda: papers)
    by_day = {f"2025-06-0{d}": [p for p in papers if p.id[5] == str(d)] for d in (1, 2, 3)}
    ratings = {p.id: 1 if int(p.id[-2:]) % 3 == 0 else -1 for p in papers if int(p.id[-2:]) < 12}
    known = {p.id: p for p in papers}
    one = prefs._train(7, ratings, known, by_day)
    other = prefs._train(7, dict(reversed(ratings.items())), known, dict(reversed(by_day.items())))
    assert one is not None and other is not None
    assert np.array_equal(one.model.coef, other.model.coef) and one.trust == other.trust
