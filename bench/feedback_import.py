"""Does importing a library help from the first day? The import scenario of bench/feedback.py.

Each focused user (bench/feedback.py's themes: the broad seed-topics criteria, one true theme)
imports, with no thumbs at all, a library of up to 30 papers of their theme from the ten
announcement days before the first measured day: a list of arXiv ids through the same
`/import` file door a Telegram document or `paperbot import` uses. On the measured days their
full ranking is compared with their true picks (ROC AUC, precision@10) beside the same criteria
without a library ("cold"), per theme and on average, and on the first measured day alone.
Run: `python bench/feedback_import.py` (or `python bench/feedback.py --import-library`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import peak_memory_mb, scratch_app, shared_dir
from bench.feedback import THEMES, labelled_picks, metrics, ranked, seed_criteria
from bot.console import console_caller
from core.accounts import add_local_user

LIBRARY_SIZE = 30
LIBRARY_DAYS = 10


def library_of(days: list[tuple[str, Path, dict[str, set[str]]]], theme: str, first: int) -> list[str]:
    """The theme's true picks of the `LIBRARY_DAYS` days before day `first`, latest first."""
    picks: list[str] = []
    for _, _, day_picks in reversed(days[max(0, first - LIBRARY_DAYS) : first]):
        picks.extend(sorted(day_picks[theme]))
    return picks[:LIBRARY_SIZE]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-days", type=int, default=15)
    args, _ = parser.parse_known_args()
    shared = shared_dir()
    criteria = seed_criteria(shared)
    days = labelled_picks(shared)
    started = time.perf_counter()
    results: dict[str, dict[str, list[tuple[float, float, float]]]] = {
        t: {"imported": [], "cold": []} for t in THEMES
    }
    sizes: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as folder:
        # no network: every paper of the libraries is stored by then, a fetch would fail loudly
        app = scratch_app(Path(folder), arxiv_api_url="http://127.0.0.1:9/api/query", arxiv_retries=0)
        with app.sessions() as session, session.begin():
            for name in ["cold", *THEMES]:
                add_local_user(session, name, criteria=criteria, categories=["cs.LG", "cs.AI"])
        for _, listing, _ in days[: args.train_days]:
            app.ingestor.ingest_file(listing, day=dt.date.fromisoformat(listing.name[:10]))
        for theme in THEMES:
            library = library_of(days, theme, args.train_days)
            reply = app.commands.import_file(console_caller(theme), "\n".join(library).encode())
            assert reply.ok, reply.text
            sizes[theme] = reply.text
        for date, listing, picks in days[args.train_days :]:
            day = dt.date.fromisoformat(date)
            app.ingestor.ingest_file(listing, day=day)
            cold = ranked(app, "cold", day, ranked_all=True)
            for theme in THEMES:
                if picks[theme]:
                    results[theme]["imported"].append(
                        metrics(ranked(app, theme, day, ranked_all=True), picks[theme])
                    )
                    results[theme]["cold"].append(metrics(cold, picks[theme]))
        app.engine.dispose()
    first = args.train_days + 1
    print(
        f"import: {LIBRARY_SIZE} papers of the theme from the {LIBRARY_DAYS} days before day {first}; "
        f"evaluation: {len(days) - args.train_days} days; no thumbs"
    )
    report(results, sizes)
    print(f"{time.perf_counter() - started:.1f} s, peak memory {peak_memory_mb():.0f} MB")


def report(results: dict[str, dict[str, list[tuple[float, float, float]]]], sizes: dict[str, str]) -> None:
    rows = []
    for theme, found in results.items():
        w, c = np.array(found["imported"]), np.array(found["cold"])
        auc, p10, cold_auc, cold_p10 = w[:, 0].mean(), w[:, 1].mean(), c[:, 0].mean(), c[:, 1].mean()
        print(
            f"{theme}: {sizes[theme]} {len(w)} days | imported AUC {auc:.3f}, p@10 {p10:.3f} | "
            f"cold AUC {cold_auc:.3f}, p@10 {cold_p10:.3f} | gain AUC {auc - cold_auc:+.3f}, "
            f"p@10 {p10 - cold_p10:+.3f} | first day p@10 {w[0, 1]:.2f} vs cold {c[0, 1]:.2f} | "
            f"best p@10 {w[:, 2].mean():.3f}"
        )
        rows.append((w[:, 0].mean(), c[:, 0].mean(), w[:, 1].mean(), c[:, 1].mean(), w[0, 1], c[0, 1]))
    m = np.array(rows).mean(axis=0)
    print(
        f"mean: imported AUC {m[0]:.3f}, p@10 {m[2]:.3f} | cold AUC {m[1]:.3f}, p@10 {m[3]:.3f} | "
        f"gain AUC {m[0] - m[1]:+.3f}, p@10 {m[2] - m[3]:+.3f} | first day p@10 {m[4]:.2f} vs cold {m[5]:.2f}"
    )


if __name__ == "__main__":
    main()
