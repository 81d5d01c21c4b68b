"""What the command modules share: the app built from the settings, and progress lines."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.compose import App


def app(**kwargs: object) -> App:
    from bot.compose import build_app
    from bot.settings import Settings

    return build_app(Settings(), **kwargs)  # type: ignore[arg-type]


def progress(message: str) -> None:
    """A line about what is happening, for a person at a terminal only (not for scripts)."""
    if sys.stderr.isatty():
        print(message, file=sys.stderr, flush=True)


def warn(message: str) -> None:
    print(f"paperbot: warning: {message}", file=sys.stderr)
