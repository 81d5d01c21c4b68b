"""Helpers shared by the benchmarks: where the shared data is, and a scratch app."""

from __future__ import annotations

import argparse
import gzip
import json
import resource
from pathlib import Path

from core.bootstrap import App, build_app
from core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def shared_dir(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    return parser.parse_known_args(argv)[0].shared


def scratch_app(folder: Path) -> App:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{folder}/bench.db")  # type: ignore[call-arg]
    return build_app(settings)


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
