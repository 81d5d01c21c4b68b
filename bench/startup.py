"""Start-up time of the command line: what a person waits for before anything happens.

Every command pays for what `bot.cli` imports at module level, so heavy libraries
(scikit-learn, matplotlib, openai) must load only where they are used. Prints the median of
five wall-clock runs of each command beside a bare `python -c pass` on the same machine.

    python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIGHT = ("--help", "status", "user add", "rate")
TOPICS = "1. Sparse autoencoders\n   - Relevant: dictionary learning on activations\n"


def _wall(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[2:])} failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        topics = folder / "topics.md"
        topics.write_text(TOPICS, encoding="utf-8")
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("OPENAI_", "TELEGRAM_", "SLACK_"))
        }
        env |= {
            "DATABASE_URL": f"sqlite:///{folder}/startup.db",
            "EMBEDDINGS": "off",
            "PYTHONDONTWRITEBYTECODE": "0",
        }
        cli = [sys.executable, "-m", "bot.cli"]
        # prepare once: schema, a user, a day to digest (not timed)
        sample = ROOT / "core" / "sample" / "sample-day.jsonl.gz"
        _wall([*cli, "user", "add", "alice", "--topics-file", str(topics)], env, folder)
        _wall([*cli, "ingest", "--file", str(sample), "--date", "2025-06-18"], env, folder)
        commands: dict[str, list[str]] = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "--help": [*cli, "--help"],
            "status": [*cli, "status"],
            "user add": [*cli, "user", "add", "bob", "--topics-file", str(topics)],
            "rate": [*cli, "rate", "--user", "alice", "--up", "2506.13796"],
            "digest": [*cli, "digest", "--user", "alice", "--date", "2025-06-18"],
        }
        medians: dict[str, float] = {}
        for name, argv in commands.items():
            times = [_wall(argv, env, folder) for _ in range(runs)]
            medians[name] = statistics.median(times)
        bare = medians["python -c pass"]
        print(f"median of {runs} runs on {os.cpu_count()} cores; bare interpreter {bare * 1000:.0f} ms")
        for name, seconds in medians.items():
            if name == "python -c pass":
                continue
            mark = " (target < 1 s)" if name in LIGHT else ""
            print(f"paperbot {name:<9} {seconds:6.2f} s  = {seconds / bare:5.1f}× bare{mark}")
        slow = [name for name in LIGHT if medians[name] >= 1.0]
        print("light commands under 1 s: " + ("yes" if not slow else "no (" + ", ".join(slow) + ")"))


if __name__ == "__main__":
    main()
