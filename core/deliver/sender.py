"""What the worker needs from a platform adapter: send one digest, resumably, saying which
papers each accepted message carried."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from core.digest.model import Digest
from core.models import Identity


class PlatformDown(Exception):
    """The platform refuses this process, not the recipient (a rejected or revoked token in
    single-workspace mode, a bot that has not started): retried through the day, never final
    by attempt count, and no profile is marked (see core/deliver/retry.py)."""


class Unreachable(Exception):
    """The platform refuses this recipient for good (blocked the bot, left, uninstalled).

    Adapters raise it and do nothing else; the delivery worker records a final failure and
    marks the profile inactive, the same for every platform."""


class LeaseLost(Exception):
    """Another worker took this delivery over (our lease lapsed): stop sending it at once."""


@dataclass
class Progress:
    """Messages of this digest the platform accepted before (a resumed delivery: Slack
    continues their thread), how many messages of this rendering to skip (only for journals
    written before messages named their papers), and how to write down each new message the
    moment it is accepted, with the ids of the papers it carried."""

    done: list[str] = field(default_factory=list)
    record: Callable[[str, Sequence[str]], Awaitable[None]] | None = None
    skip: int = 0

    async def accepted(self, message_id: str, paper_ids: Sequence[str] = ()) -> None:
        self.done.append(message_id)
        if self.record is not None:
            await self.record(message_id, paper_ids)


class Sender(Protocol):
    async def deliver(self, identity: Identity, digest: Digest, progress: Progress) -> None: ...


def journal_entry(message_id: str, paper_ids: Sequence[str]) -> str:
    """One accepted message as the delivery row stores it: 'message-id paper,paper'. Message
    ids have no spaces and arXiv ids no commas or spaces (they are validated at ingest)."""
    return f"{message_id} {','.join(paper_ids)}"


def parse_entry(entry: str) -> tuple[str, list[str] | None]:
    """(message id, its papers); None for entries written before messages named their papers."""
    message_id, space, papers = entry.partition(" ")
    if not space:
        return message_id, None
    return message_id, [p for p in papers.split(",") if p]
