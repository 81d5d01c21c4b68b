"""Do a user's 👍/👎 improve their next digests? A simulated user over consecutive real days.

For the first 15 days of ../shared/data/arxiv-days the seed-topics user sees their top-10
digest and rates every shown paper (👍 if it is among that day's selected papers, 👎
otherwise). On the following days, the full ranking (`--all`) is compared with the selected
papers: mean ROC AUC and precision@10, against the same criteria without ratings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import bench_options, labelled_days, peak_memory_mb, scratch_app, shared_dir, vector_cache
from bot.compose import App
from core.accounts import add_local_user
from core.learning import ratings
from core.models import Direction, Vote
from storage import profiles


def ranked(app: App, name: str, day: dt.date, *, ranked_all: bool) -> list[str]:
    with app.sessions() as session, session.begin():
        view = profiles.find(session, profiles.Identity("console", name))
        view.min_relevance = view.min_novelty = 1  # the top 10 whatever their scores
        return [e.paper.id for e in app.builder.build(session, view, day, ranked_all=ranked_all).entries]


def metrics(order: list[str], selected: set[str]) -> tuple[float, float]:
    labels = np.array([pid in selected for pid in order])
    scores = np.arange(len(order), 0, -1)
    return float(roc_auc_score(labels, scores)), float(labels[:10].mean())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-days", type=int, default=15)
    args, _ = parser.parse_known_args()
    shared, options = shared_dir(), bench_options()
    criteria = (shared / "data" / "criteria" / "seed-topics.md").read_text()
    days = labelled_days(shared)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        app = scratch_app(Path(folder), embeddings=options.embeddings)
        with app.sessions() as session, session.begin():
            for name in ("rater", "cold"):
                add_local_user(session, name, criteria=criteria, categories=["cs.LG", "cs.AI"])
        with vector_cache(app, options):
            rated = liked = 0
            for date, listing, selected in days[: args.train_days]:
                day = dt.date.fromisoformat(date)
                app.ingestor.ingest_file(listing, day=day)
                shown = ranked(app, "rater", day, ranked_all=False)[:10]
                with app.sessions() as session, session.begin():
                    rater = profiles.find(session, profiles.Identity("console", "rater"))
                    for pid in shown:
                        ratings.rate(
                            session,
                            profile_id=rater.id,
                            vote=Vote(pid, Direction.UP if pid in selected else Direction.DOWN),
                        )
                rated += len(shown)
                liked += sum(pid in selected for pid in shown)
            with_ratings, without = [], []
            for date, listing, selected in days[args.train_days :]:
                day = dt.date.fromisoformat(date)
                app.ingestor.ingest_file(listing, day=day)
                with_ratings.append(metrics(ranked(app, "rater", day, ranked_all=True), selected))
                without.append(metrics(ranked(app, "cold", day, ranked_all=True), selected))
        app.engine.dispose()
    w, c = np.array(with_ratings), np.array(without)
    print(
        f"training: {args.train_days} days, {rated} ratings ({liked} 👍); evaluation: {len(w)} days; "
        f"embeddings: {options.embeddings}"
    )
    print(f"with ratings: mean ROC AUC {w[:, 0].mean():.3f}, precision@10 {w[:, 1].mean():.3f}")
    print(f"without ratings: mean ROC AUC {c[:, 0].mean():.3f}, precision@10 {c[:, 1].mean():.3f}")
    print(
        f"gain: AUC {w[:, 0].mean() - c[:, 0].mean():+.3f}, "
        f"precision@10 {w[:, 1].mean() - c[:, 1].mean():+.3f}; "
        f"{time.perf_counter() - started:.1f} s, peak memory {peak_memory_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
