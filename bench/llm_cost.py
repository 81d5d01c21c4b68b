"""What LLM scoring costs, against a fake OpenAI server that counts a token per 4 characters.

Over the days in ../shared/data/arxiv-days with the seed-topics user and the default model
(gpt-6-luna at its default effort):
- prompt tokens per scanned paper and LLM calls per day (the seed digests: ~133 tokens/paper);
- prefilter recall: the share of each day's selected papers that reach the LLM (the labels
  are one user's picks: they measure, nothing is tuned on them);
- completion and reasoning tokens and dollars per day;
- 1,000 users sharing 50 distinct criteria on one day: total tokens against 50 × one user's;
- with `--efforts none,low,medium`: the same days at each reasoning effort, with the share of
  answers that came back complete on the first ask (the fake cuts answers that outgrow
  `max_completion_tokens`, reasoning first).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import bench_options, labelled_days, shared_dir, vector_cache
from bench.scale import generate_criteria
from bot.compose import App, build_app
from bot.settings import Settings
from core.accounts import add_local_user
from storage import profiles
from tests.fakes.openai_server import FakeOpenAI

_IDS = re.compile(r"^(\S+) \| ", re.M)


def make_app(folder: Path, fake: FakeOpenAI, embeddings: str = "off", effort: str = "") -> App:
    """The fake's embeddings are word hashes, useless for ranking: off, or a real local model."""
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{folder}/bench.db",  # type: ignore[call-arg]
        openai_api_key=SecretStr("sk-bench"),
        openai_base_url=fake.base_url,
        embeddings=embeddings,  # type: ignore[arg-type]
        llm_reasoning_effort=effort,  # type: ignore[arg-type]
    )
    return build_app(settings)


def asked_ids(requests: list[dict]) -> set[str]:
    return {m for r in requests for m in _IDS.findall(r["body"]["messages"][-1]["content"])}


def per_day(shared: Path, criteria: str, options: argparse.Namespace) -> None:
    with FakeOpenAI() as fake, tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder), fake, options.embeddings)
        with app.sessions() as session, session.begin():
            add_local_user(session, "seed", criteria=criteria, categories=["cs.LG", "cs.AI"])
        with vector_cache(app, options):
            rows = score_days(app, fake, labelled_days(shared))
        model, effort = app.scoring.scorer.model, getattr(app.scoring.scorer, "effort", None)
        app.engine.dispose()
    a = np.array(rows)
    print(
        f"days: {len(rows)}, mean scanned {a[:, 0].mean():.0f} papers/day, embeddings: {options.embeddings}, "
        f"model {model} (effort {effort})"
    )
    print(
        f"prompt tokens per scanned paper: {a[:, 2].sum() / a[:, 0].sum():.1f} "
        f"(median day {np.median(a[:, 2] / a[:, 0]):.1f}, worst day {(a[:, 2] / a[:, 0]).max():.1f}); "
        f"LLM calls per day: {a[:, 1].mean():.1f}"
    )
    print(
        f"prefilter: forwards {a[:, 4].mean():.1%} of papers, recall of selected papers "
        f"{a[:, 3].mean():.3f} (worst day {a[:, 3].min():.3f})"
    )
    print(
        f"per day: {a[:, 6].mean():,.0f} completion tokens, of which {a[:, 7].mean():,.0f} reasoning; "
        f"${a[:, 5].mean():.4f} at {model} prices (seed digests: ~$0.15 with gpt-4o)"
    )


def efforts(shared: Path, criteria: str, names: list[str], days: int = 6) -> None:
    """The first `days` days at each effort: what reasoning costs and whether answers stay whole."""
    for effort in names:
        with FakeOpenAI() as fake, tempfile.TemporaryDirectory() as folder:
            app = make_app(Path(folder), fake, effort=effort)
            with app.sessions() as session, session.begin():
                add_local_user(session, "seed", criteria=criteria, categories=["cs.LG", "cs.AI"])
            rows = np.array(score_days(app, fake, labelled_days(shared)[:days]))
            app.engine.dispose()
        answered = [r for r in fake.requests if "usage" in r]
        whole = sum(r.get("finish") == "stop" for r in answered)
        print(
            f"effort {effort:>6}: {whole}/{len(answered)} answers whole at the first ask, "
            f"{rows[:, 1].mean():.1f} calls/day, {rows[:, 7].mean():,.0f} reasoning tokens/day, "
            f"{rows[:, 8].mean():.1f} papers/day left offline, ${rows[:, 5].mean():.4f}/day"
        )


def score_days(app: App, fake: FakeOpenAI, days: list[tuple[str, Path, set[str]]]) -> list[tuple[float, ...]]:
    rows = []
    for date, listing, selected in days:
        day = dt.date.fromisoformat(date)
        app.ingestor.ingest_file(listing, day=day)
        before = len(fake.requests)
        with app.sessions() as session, session.begin():
            view = profiles.find(session, profiles.Identity("console", "seed"))
            digest = app.builder.build(session, view, day, ranked_all=True)
        calls = fake.requests[before:]
        forwarded = asked_ids(calls)
        prompt = sum(c["usage"]["prompt_tokens"] for c in calls if "usage" in c)
        rows.append(
            (
                digest.totals.scanned,
                len(calls),
                prompt,
                len(forwarded & selected) / len(selected),
                len(forwarded) / digest.totals.scanned,
                digest.usage.cost_usd,
                digest.usage.completion_tokens,
                digest.usage.reasoning_tokens,
                sum(e.score.scorer == "offline-fallback" for e in digest.entries),
            )
        )
    return rows


def shared_criteria(shared: Path, users: int = 1000, distinct: int = 50) -> None:
    date, listing, _ = labelled_days(shared)[17]
    day = dt.date.fromisoformat(date)
    rng = random.Random(3)
    pool = [generate_criteria(rng) for _ in range(distinct)]
    with FakeOpenAI() as fake, tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder), fake)
        app.ingestor.ingest_file(listing, day=day)
        with app.sessions() as session, session.begin():
            add_local_user(session, "solo", criteria=pool[0], categories=["cs.LG", "cs.AI"])
        started = time.perf_counter()
        app.daily.score(day)
        one_user = sum(r["usage"]["prompt_tokens"] + r["usage"]["completion_tokens"] for r in fake.requests)
        one_prompt = sum(r["usage"]["prompt_tokens"] for r in fake.requests)
        with app.sessions() as session, session.begin():
            for i in range(users):
                add_local_user(
                    session, f"user{i}", criteria=pool[i % distinct], categories=["cs.LG", "cs.AI"]
                )
        app.daily.score(day)
        with app.sessions() as session, session.begin():
            for i in range(users):
                view = profiles.find(session, profiles.Identity("console", f"user{i}"))
                app.builder.build(session, view, day)
        total = sum(r["usage"]["prompt_tokens"] + r["usage"]["completion_tokens"] for r in fake.requests)
        prompt = sum(r["usage"]["prompt_tokens"] for r in fake.requests)
        app.engine.dispose()
    print(
        f"{users} users sharing {distinct} criteria on {date}: "
        f"{total:,} tokens in {len(fake.requests)} calls "
        f"= {total / one_user:.2f} × one user's {one_user:,} (target ≤ {distinct}×; "
        f"prompt alone {prompt / one_prompt:.2f}×), "
        f"{time.perf_counter() - started:.1f} s"
    )


def main() -> None:
    shared = shared_dir()
    criteria = (shared / "data" / "criteria" / "seed-topics.md").read_text()
    options = bench_options()
    parser = argparse.ArgumentParser()
    parser.add_argument("--efforts", default="", help="e.g. none,low,medium: compare reasoning efforts")
    names = [e for e in parser.parse_known_args()[0].efforts.split(",") if e]
    if names:
        efforts(shared, criteria, names)
        return
    per_day(shared, criteria, options)
    shared_criteria(shared)


if __name__ == "__main__":
    main()
