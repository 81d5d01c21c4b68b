"""Helpers shared by the benchmarks: where the shared data is, and a scratch app."""

from __future__ import annotations

import argparse
import gzip
import json
import resource
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.compose import App, build_app
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def shared_dir(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    return parser.parse_known_args(argv)[0].shared


def bench_options(argv: list[str] | None = None) -> argparse.Namespace:
    """Options every quality benchmark takes: `--embeddings local` ranks with the packaged
    all-MiniLM-L6-v2 (the local-embeddings extra); its vectors are kept in `--vector-cache`
    between runs, since embedding 12k papers on 2 cores takes minutes."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--embeddings", choices=["off", "local"], default="off")
    parser.add_argument(
        "--vector-cache", type=Path, default=Path.home() / ".cache" / "paperbot-bench-vectors.db"
    )
    return parser.parse_known_args(argv)[0]


def scratch_app(folder: Path, **settings: object) -> App:
    values = {"database_url": f"sqlite:///{folder}/bench.db", "embeddings": "off"} | settings
    return build_app(Settings(_env_file=None, **values))  # type: ignore[call-arg, arg-type]


@contextmanager
def vector_cache(app: App, options: argparse.Namespace) -> Iterator[None]:
    """Copies stored vectors in from the cache file before, and new ones back after."""
    if options.embeddings == "off":
        yield
        return
    cache = options.vector_cache
    cache.parent.mkdir(parents=True, exist_ok=True)
    copy_vectors(app, cache, "CREATE TABLE IF NOT EXISTS cache.vector AS SELECT * FROM main.vector WHERE 0")
    copy_vectors(app, cache, "INSERT OR IGNORE INTO main.vector SELECT * FROM cache.vector")
    yield
    copy_vectors(app, cache, "INSERT OR IGNORE INTO cache.vector SELECT * FROM main.vector")


def copy_vectors(app: App, cache: Path, statement: str) -> None:
    raw = app.engine.raw_connection()
    try:
        raw.execute("ATTACH DATABASE ? AS cache", (str(cache),))
        raw.execute(statement)
        raw.commit()
        raw.execute("DETACH DATABASE cache")
    finally:
        raw.close()


def labelled_days(shared: Path) -> list[tuple[str, Path, set[str]]]:
    days = []
    for labels in sorted((shared / "data" / "arxiv-days").glob("*.labels.json")):
        data = json.loads(labels.read_text())
        listing = labels.with_name(labels.name.replace(".labels.json", ".jsonl.gz"))
        days.append((data["date"], listing, {s["id"] for s in data["selected"]}))
    return days


def read_records(path: Path) -> list[dict]:
    with gzip.open(path, "rt") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
