"""What thumbs on shown papers can teach each focused user of bench/feedback.py, at most.

On the rated days, where does each theme's true picks rank by the seed-topics criteria (the
order the reader is shown)? A reader rates only their top 10, so picks ranked lower are never
seen, and one exploring slot a day drawn from ranks 11-50 finds a pick with probability
(picks there)/40 that day. Prints, per theme: true picks, how many rank in the top 10 (the 👍
the reader can give), in 11-50, and beyond; and the exploring slot's expected finds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import scratch_app, shared_dir
from bench.feedback import THEMES, labelled_picks, ranked, seed_criteria
from core.accounts import add_local_user

EXPLORE_FROM, EXPLORE_TO = 11, 50


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-days", type=int, default=15)
    args, _ = parser.parse_known_args()
    shared = shared_dir()
    criteria = seed_criteria(shared)
    ranks: dict[str, list[int]] = {theme: [] for theme in THEMES}
    finds = dict.fromkeys(THEMES, 0.0)
    with tempfile.TemporaryDirectory() as folder:
        app = scratch_app(Path(folder))
        with app.sessions() as session, session.begin():
            add_local_user(session, "cold", criteria=criteria, categories=["cs.LG", "cs.AI"])
        for date, listing, picks in labelled_picks(shared)[: args.train_days]:
            day = dt.date.fromisoformat(date)
            app.ingestor.ingest_file(listing, day=day)
            order = {pid: i + 1 for i, pid in enumerate(ranked(app, "cold", day, ranked_all=True))}
            for theme in THEMES:
                day_ranks = [order[p] for p in picks[theme] if p in order]
                ranks[theme] += day_ranks
                window = sum(EXPLORE_FROM <= r <= EXPLORE_TO for r in day_ranks)
                finds[theme] += window / (EXPLORE_TO - EXPLORE_FROM + 1)
    print(f"{args.train_days} rated days, seed-topics criteria, a reader rates their top 10")
    for theme, found in ranks.items():
        top = sum(r <= 10 for r in found)
        near = sum(EXPLORE_FROM <= r <= EXPLORE_TO for r in found)
        print(
            f"{theme}: {len(found)} true picks | ranked 1-10 (can get a 👍): {top} | "
            f"{EXPLORE_FROM}-{EXPLORE_TO}: {near} | beyond: {len(found) - top - near} | "
            f"one exploring slot a day in {EXPLORE_FROM}-{EXPLORE_TO} finds {finds[theme]:.2f} more"
        )


if __name__ == "__main__":
    main()
