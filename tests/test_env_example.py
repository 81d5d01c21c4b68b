"""`.env.example` is the operator's list of settings: every field of Settings appears in it,
with a value the settings accept, and it names nothing the settings do not read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"
_ASSIGNMENT = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")


def _documented() -> dict[str, str]:
    found = {}
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        if match := _ASSIGNMENT.match(line.strip()):
            found[match.group(1)] = match.group(2)
    return found


def test_every_setting_is_in_env_example_and_nothing_else() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    documented = set(_documented())
    assert sorted(fields - documented) == [], "settings missing from .env.example"
    assert sorted(documented - fields) == [], ".env.example names settings that do not exist"


def test_the_example_values_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in _documented().items():
        if value:  # empty means "not set"
            monkeypatch.setenv(key, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]  # raises on an invalid example
    assert settings.default_categories == _documented()["DEFAULT_CATEGORIES"]
