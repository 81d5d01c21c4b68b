"""The type checker runs in the ordinary test run, so a type error fails `pytest` like any bug.

mypy reads its settings from pyproject.toml ([tool.mypy]: strict on core, standard with
check_untyped_defs on bot and storage). Its cache lives in .mypy_cache at the repository root
(git-ignored): a cold run takes about a minute on a small machine, a warm one a few seconds.
"""

from __future__ import annotations

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("core", "bot", "storage")


def test_core_bot_and_storage_type_check_clean() -> None:
    stdout, stderr, status = api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            "--no-color-output",
            "--no-error-summary",
            *(str(ROOT / package) for package in CHECKED),
        ]
    )
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    assert status == 0 and not errors and not stderr, "mypy found:\n" + stdout + stderr
