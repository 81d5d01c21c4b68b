"""Ingest one real day and build digests for 10,000 generated users with varied criteria.

Prints the time of each phase, users per second and the peak memory of the process.
Target: ≤ 60 s and ≤ 1 GB on the 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import peak_memory_mb, scratch_app, shared_dir
from storage import profiles
from storage.bulk import insert_ignoring_duplicates
from storage.tables import Profile

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
    args, _ = parser.parse_known_args()
    shared = shared_dir()
    listing = shared / "data" / "arxiv-days" / f"{args.date}.jsonl.gz"
    day = dt.date.fromisoformat(args.date)
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        app = scratch_app(Path(folder))
        t0 = time.perf_counter()
        report = app.ingestor.ingest_file(listing, day=day)
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
        distinct = len({(r["criteria"], tuple(r["keywords_exclude"])) for r in rows})
        t2 = time.perf_counter()
        sizes = []
        with app.sessions() as session:
            views = profiles.active(session)
        for start in range(0, len(views), 500):
            with app.sessions() as session, session.begin():
                for view in views[start : start + 500]:
                    sizes.append(len(app.builder.build(session, view, day).entries))
        t3 = time.perf_counter()
        app.engine.dispose()
    print(f"day {day}: {report.listed} papers ingested in {t1 - t0:.1f} s")
    print(f"users: {args.users} ({distinct} distinct criteria) created in {t2 - t1:.1f} s")
    print(
        f"digests: {len(sizes)} built in {t3 - t2:.1f} s = {len(sizes) / (t3 - t2):.0f} users/s; "
        f"median {sorted(sizes)[len(sizes) // 2]} papers, {sum(s == 0 for s in sizes)} empty"
    )
    print(f"total: {t3 - t0:.1f} s, peak memory {peak_memory_mb():.0f} MB")


if __name__ == "__main__":
    main()
