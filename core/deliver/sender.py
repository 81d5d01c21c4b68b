"""What the worker needs from a platform adapter: send one digest, resumably."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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


@dataclass
class Progress:
    """Messages of this digest the platform accepted before (a resumed delivery), and how to
    write down each new one the moment it is accepted."""

    done: list[str] = field(default_factory=list)
    record: Callable[[str], Awaitable[None]] | None = None

    async def accepted(self, message_id: str) -> None:
        self.done.append(message_id)
        if self.record is not None:
            await self.record(message_id)


class Sender(Protocol):
    async def deliver(self, identity: Identity, digest: Digest, progress: Progress) -> None: ...
