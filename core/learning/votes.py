"""A 👍 or 👎 on a paper, as the typed door into the command core takes it.

Buttons (Telegram, Slack) and the `/up` and `/down` commands all end up as one `Vote`,
so no adapter composes chat text to rate a paper.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Vote:
    paper_id: str
    value: int  # +1 👍 or -1 👎

    def __post_init__(self) -> None:
        if self.value not in (1, -1):
            raise ValueError(f"a vote is +1 or -1, not {self.value}")

    @property
    def up(self) -> bool:
        return self.value > 0

    @property
    def thumb(self) -> str:
        return "👍" if self.up else "👎"
