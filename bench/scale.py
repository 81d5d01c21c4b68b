"""Ingest one real day and build digests for 10,000 generated users with varied criteria.

Prints the time of each phase, users per second and the peak memory of the process.
Target: ≤ 60 s and ≤ 1 GB on the 2-core machine. With `--rated-share 0.1 --ratings 100`,
a tenth of the users hold 100 ratings each on the papers of the days before (`--rated-days`),
so their digests train and apply a learned model too; `--one-user-ratings 500` first times
one digest build for a user with 500 ratings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import peak_memory_mb, scratch_app, shared_dir
from bot.compose import App
from core.models import Profile as ProfileView
from storage import papers as paper_store
from storage import profiles
from storage import ratings as rating_store
from storage.bulk import insert_ignoring_duplicates
from storage.tables import Profile, Rating

TOPICS = [
    "sparse autoencoders", "mixture of experts", "quantization of large language models",
    "pruning and sparsity", "low-rank adaptation", "KV cache compression", "state-space models",
    "transformer architectures", "mechanistic interpretability", "scaling laws",
    "training dynamics of neural networks", "generalization theory", "optimization for deep learning",
    "graph neural networks", "diffusion models", "reinforcement learning from human feedback",
    "federated learning", "differential privacy", "causal inference", "time series forecasting",
    "protein structure prediction", "molecular generation", "weather and climate modelling",
    "medical imaging", "speech recognition", "recommendation systems", "robot learning",
    "contrastive representation learning", "self-supervised learning", "in-context learning",
    "chain-of-thought reasoning", "LLM agents", "retrieval-augmented generation",
    "adversarial robustness", "uncertainty quantification", "Bayesian deep learning",
    "neural operators for PDEs", "physics-informed neural networks", "continual learning",
    "meta-learning", "kernel methods", "optimal transport", "normalizing flows",
    "variational autoencoders", "AI safety and alignment", "fairness in machine learning",
    "explainable AI", "symbolic regression", "program synthesis", "multi-agent systems",
]  # fmt: skip
EXCLUDED = ["medical", "robot", "survey"]
STYLES = [
    "I follow {}.",
    "Relevant: {}.",
    "Papers on {}, especially theory.",
    "New methods for {}.",
]


def generate_criteria(rng: random.Random) -> str:
    wanted = rng.sample(TOPICS, rng.randint(2, 5))
    unwanted = rng.sample([t for t in TOPICS if t not in wanted], rng.randint(0, 2))
    lines = [rng.choice(STYLES).format(", ".join(wanted))]
    if unwanted:
        lines.append(f"Not interested in {' or '.join(unwanted)}.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--date", default="2025-06-03")
    parser.add_argument("--rated-days", default="2025-05-29,2025-05-30,2025-06-02")
    parser.add_argument("--rated-share", type=float, default=0.0)
    parser.add_argument("--ratings", type=int, default=100)
    parser.add_argument("--one-user-ratings", type=int, default=0)
    args, _ = parser.parse_known_args()
    shared = shared_dir()
    listing = shared / "data" / "arxiv-days" / f"{args.date}.jsonl.gz"
    day = dt.date.fromisoformat(args.date)
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        app = scratch_app(Path(folder))
        t0 = time.perf_counter()
        report = app.ingestor.ingest_file(listing, day=day)
        rated_pool: list[str] = []
        if args.rated_share or args.one_user_ratings:
            rated_days = [dt.date.fromisoformat(d) for d in args.rated_days.split(",")]
            for rated_day in rated_days:
                app.ingestor.ingest_file(
                    shared / "data" / "arxiv-days" / f"{rated_day}.jsonl.gz", day=rated_day
                )
            with app.sessions() as session:
                rated_pool = sorted(p.id for d in rated_days for p, _ in paper_store.day_listing(session, d))
        t1 = time.perf_counter()
        rows = [
            {"platform": "console", "workspace": "", "platform_id": f"user{i}", "kind": "user",
             "display_name": f"user{i}", "criteria": generate_criteria(rng),
             "keywords_require": [], "keywords_exclude": rng.sample(EXCLUDED, rng.randint(0, 1)),
             "authors": [], "categories": ["cs.LG", "cs.AI"], "top_n": 10, "min_relevance": 8,
             "min_novelty": 7, "timezone": "UTC", "delivery_time": "08:00", "paused": False,
             "active": True, "created_at": dt.datetime.now(dt.UTC), "updated_at": dt.datetime.now(dt.UTC)}
            for i in range(args.users)
        ]  # fmt: skip
        with app.sessions() as session, session.begin():
            insert_ignoring_duplicates(session, Profile, rows)
        distinct = len({(r["criteria"], str(r["keywords_exclude"])) for r in rows})
        with app.sessions() as session:
            views = profiles.active(session)
        rated_users = int(len(views) * args.rated_share)
        if rated_users:
            ratings = [
                {"profile_id": view.id, "paper_id": pid, "value": rng.choice([1, -1, -1])}
                for view in views[:rated_users]
                for pid in rng.sample(rated_pool, min(args.ratings, len(rated_pool)))
            ]
            with app.sessions() as session, session.begin():
                insert_ignoring_duplicates(session, Rating, ratings)
        t2 = time.perf_counter()
        if args.one_user_ratings:
            one_user_build(app, views[-1], day, rated_pool, args.one_user_ratings, rng)
        t2b = time.perf_counter()
        sizes = []
        for start in range(0, len(views), 500):
            with app.sessions() as session, session.begin():
                for view in views[start : start + 500]:
                    sizes.append(len(app.builder.build(session, view, day).entries))
        t3 = time.perf_counter()
        app.engine.dispose()
    print(f"day {day}: {report.listed} papers ingested in {t1 - t0:.1f} s")
    print(
        f"users: {args.users} ({distinct} distinct criteria; {rated_users} with {args.ratings} ratings each) "
        f"created in {t2 - t1:.1f} s"
    )
    print(
        f"digests: {len(sizes)} built in {t3 - t2b:.1f} s = {len(sizes) / (t3 - t2b):.0f} users/s; "
        f"median {sorted(sizes)[len(sizes) // 2]} papers, {sum(s == 0 for s in sizes)} empty"
    )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"total: {t3 - t0 - (t2b - t2):.1f} s, peak memory {peak_memory_mb():.0f} MB "
        f"(process CPU {usage.ru_utime + usage.ru_stime:.1f} s in all, one-user timing included)"
    )


def one_user_build(
    app: App, view: ProfileView, day: dt.date, pool: list[str], n: int, rng: random.Random
) -> None:
    """Time one digest of a user with `n` ratings: cold (training included), then warm."""
    with app.sessions() as session, session.begin():
        for pid in rng.sample(pool, min(n, len(pool))):
            rating_store.set_rating(session, profile_id=view.id, paper_id=pid, value=rng.choice([1, -1, -1]))
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        with app.sessions() as session, session.begin():
            app.builder.build(session, view, day)
        timings.append(time.perf_counter() - started)
    print(
        f"one user with {min(n, len(pool))} ratings: digest built in {timings[0]:.2f} s "
        f"(training the model included), {timings[1]:.2f} s once trained; "
        f"peak memory {peak_memory_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
