"""Do a user's 👍/👎 improve their next digests? Simulated users over consecutive real days.

The seed-topics user's taste *is* their criteria, so ratings have little to add there.
Real people are narrower: each *focused* user keeps the broad seed-topics criteria but
truly wants one theme only, their true picks being the day's selected papers whose
comment names that theme. For the first 15 days of ../shared/data/arxiv-days every rater
sees their top-10 digest and rates every shown paper (👍 true picks, 👎 the rest). On the
following days the full ranking (`--all`) is compared with the true picks: mean ROC AUC
and precision@10 (beside the best possible, min(picks, 10)/10), against the same criteria
without ratings. Days without a true pick for a user are left out of that user's means.
Beside each user, a reference: the learned model's features and solver trained on every paper
of the rated days labelled by the true picks, which is what thumbs could teach at best.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import bench_options, peak_memory_mb, scratch_app, shared_dir, vector_cache
from bot.compose import App
from core.accounts import add_local_user
from core.learning import ratings
from core.learning.model import fit
from core.models import Direction, Vote
from storage import papers as paper_store
from storage import profiles

# A focused user's theme, as the selection comments name it.
THEMES = {
    "compression": re.compile(r"compression|efficien", re.I),
    "architecture": re.compile(r"architectur", re.I),
    "ai-for-science": re.compile(r"ai for science", re.I),
}
SEED = "seed-topics"  # the original user: every selected paper is a true pick


def seed_criteria(shared: Path) -> str:
    """The criteria every simulated user keeps: the original seed-topics text."""
    return (shared / "data" / "criteria" / "seed-topics.md").read_text()


def labelled_picks(shared: Path) -> list[tuple[str, Path, dict[str, set[str]]]]:
    """Per shared day: its date, its listing and each simulated user's true picks."""
    days = []
    for labels in sorted((shared / "data" / "arxiv-days").glob("*.labels.json")):
        data = json.loads(labels.read_text())
        listing = labels.with_name(labels.name.replace(".labels.json", ".jsonl.gz"))
        picks = {SEED: {s["id"] for s in data["selected"]}}
        for theme, pattern in THEMES.items():
            picks[theme] = {s["id"] for s in data["selected"] if pattern.search(s["comment"])}
        days.append((data["date"], listing, picks))
    return days


def ranked(app: App, name: str, day: dt.date, *, ranked_all: bool) -> list[str]:
    with app.sessions() as session, session.begin():
        view = profiles.find(session, profiles.Identity("console", name))
        assert view is not None
        view.min_relevance = view.min_novelty = 1  # the top 10 whatever their scores
        return [e.paper.id for e in app.builder.build(session, view, day, ranked_all=ranked_all).entries]


def metrics(order: list[str], picks: set[str]) -> tuple[float, float, float]:
    """ROC AUC, precision@10, and the best precision@10 possible that day."""
    labels = np.array([pid in picks for pid in order])
    scores = np.arange(len(order), 0, -1)
    return float(roc_auc_score(labels, scores)), float(labels[:10].mean()), min(int(labels.sum()), 10) / 10


def rate_shown(app: App, name: str, day: dt.date, picks: set[str]) -> tuple[int, int]:
    shown = ranked(app, name, day, ranked_all=False)[:10]
    with app.sessions() as session, session.begin():
        rater = profiles.find(session, profiles.Identity("console", name))
        assert rater is not None
        for pid in shown:
            vote = Vote(pid, Direction.UP if pid in picks else Direction.DOWN)
            ratings.rate(session, profile_id=rater.id, vote=vote)
    return len(shown), sum(pid in picks for pid in shown)


class Reference:
    """The issue's yardstick: a TF-IDF logistic regression (the learned model's own features and
    solver, no criteria) trained on every paper of the rated days, labelled by the true picks,
    i.e. what thumbs on every paper of those days could teach at best."""

    def __init__(self) -> None:
        self.days: list[tuple[list[str], dict[str, set[str]]]] = []

    def add_day(self, app: App, day: dt.date, picks: dict[str, set[str]]) -> None:
        self.days.append((ranked(app, "cold", day, ranked_all=True), picks))

    def rankings(self, app: App, evaluated: list[tuple[dt.date, list[str]]]) -> dict[str, list[list[str]]]:
        """Per user, each evaluated day's papers (as `evaluated` lists them) in the reference's order."""
        model = app.builder.learner.model if app.builder.learner else None
        assert model is not None
        with app.sessions() as session:
            ids = [pid for order, _ in self.days for pid in order] + [p for _, o in evaluated for p in o]
            papers = paper_store.get_papers(session, ids)
        rows = model.vectors([papers[pid] for order, _ in self.days for pid in order])
        out: dict[str, list[list[str]]] = {}
        for user in THEMES | {SEED: None}:
            labels = [pid in picks[user] for order, picks in self.days for pid in order]
            scorer = fit(rows, labels, [1.0] * len(labels))
            out[user] = []
            for _, order in evaluated:
                scores = scorer.decision_function(model.vectors([papers[pid] for pid in order]))
                out[user].append([order[i] for i in np.argsort(-scores, kind="stable")])
        return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-days", type=int, default=15)
    parser.add_argument("--import-library", action="store_true", help="the import scenario instead")
    args, _ = parser.parse_known_args()
    if args.import_library:  # a library imported, no thumbs: bench/feedback_import.py
        from bench import feedback_import

        return feedback_import.main()
    shared, options = shared_dir(), bench_options()
    criteria = seed_criteria(shared)
    days = labelled_picks(shared)
    users = [SEED, *THEMES]
    started = time.perf_counter()
    counts = {u: [0, 0] for u in users}
    results: dict[str, dict[str, list[tuple[float, float, float]]]] = {
        u: {"rated": [], "cold": [], "reference": []} for u in users
    }
    reference, evaluated = Reference(), []
    with tempfile.TemporaryDirectory() as folder:
        app = scratch_app(Path(folder), embeddings=options.embeddings)
        with app.sessions() as session, session.begin():
            for name in ["cold", *users]:
                add_local_user(session, name, criteria=criteria, categories=["cs.LG", "cs.AI"])
        with vector_cache(app, options):
            for date, listing, picks in days[: args.train_days]:
                day = dt.date.fromisoformat(date)
                app.ingestor.ingest_file(listing, day=day)
                reference.add_day(app, day, picks)
                for user in users:
                    shown, liked = rate_shown(app, user, day, picks[user])
                    counts[user][0] += shown
                    counts[user][1] += liked
            for date, listing, picks in days[args.train_days :]:
                day = dt.date.fromisoformat(date)
                app.ingestor.ingest_file(listing, day=day)
                cold = ranked(app, "cold", day, ranked_all=True)
                evaluated.append((day, cold))
                for user in users:
                    if not picks[user]:
                        continue
                    results[user]["rated"].append(
                        metrics(ranked(app, user, day, ranked_all=True), picks[user])
                    )
                    results[user]["cold"].append(metrics(cold, picks[user]))
            for user, orders in reference.rankings(app, evaluated).items():
                for (day, _), order in zip(evaluated, orders, strict=True):
                    wanted = next(p for d, _, p in days if d == day.isoformat())[user]
                    if wanted:
                        results[user]["reference"].append(metrics(order, wanted))
        app.engine.dispose()
    print(
        f"training: {args.train_days} days; evaluation: {len(days) - args.train_days} days; "
        f"embeddings: {options.embeddings}"
    )
    focused = []
    for user in users:
        w, c = np.array(results[user]["rated"]), np.array(results[user]["cold"])
        best = w[:, 2].mean()
        print(
            f"{user}: {counts[user][0]} ratings ({counts[user][1]} 👍), {len(w)} days | "
            f"with ratings AUC {w[:, 0].mean():.3f}, p@10 {w[:, 1].mean():.3f} | "
            f"without AUC {c[:, 0].mean():.3f}, p@10 {c[:, 1].mean():.3f} | "
            f"gain AUC {w[:, 0].mean() - c[:, 0].mean():+.3f}, p@10 {w[:, 1].mean() - c[:, 1].mean():+.3f} | "
            f"best p@10 {best:.3f} ({w[:, 1].mean() / best:.0%} of it)"
        )
        ref = np.array(results[user]["reference"])
        print(f"  reference (all true picks of the rated days, no criteria): AUC {ref[:, 0].mean():.3f}, "
              f"p@10 {ref[:, 1].mean():.3f}")  # fmt: skip
        if user != SEED:
            focused.append((w[:, 0].mean(), c[:, 0].mean(), w[:, 1].mean(), c[:, 1].mean(), best))
    m = np.array(focused).mean(axis=0)
    print(
        f"focused mean: with ratings AUC {m[0]:.3f}, p@10 {m[2]:.3f} | without AUC {m[1]:.3f}, "
        f"p@10 {m[3]:.3f} | gain AUC {m[0] - m[1]:+.3f}, p@10 {m[2] - m[3]:+.3f} | best p@10 {m[4]:.3f}"
    )
    print(f"{time.perf_counter() - started:.1f} s, peak memory {peak_memory_mb():.0f} MB")


if __name__ == "__main__":
    main()
