"""Dispatch a chat message to its command, in one transaction, and answer with a `Reply`.

Adapters call `CommandCore.handle(caller, text)` and render the Reply; they never touch the
database. Any error leaves the profile as it was and becomes one line of text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from core.commands import validate
from core.digest.build import DigestBuilder
from core.digest.model import Digest
from core.errors import InputError, PaperbotError
from storage import profiles
from storage.profiles import Identity
from storage.tables import Profile

log = logging.getLogger(__name__)


@dataclass
class Reply:
    text: str
    ok: bool = True
    digest: Digest | None = None
    attachment: tuple[str, bytes] | None = None  # (file name, content)


@dataclass(frozen=True)
class Caller:
    """Who sent the command, and whether they may change the profile they talk to."""

    identity: Identity
    may_edit: bool = True


@dataclass
class Context:
    session: Session
    caller: Caller
    profile: Profile | None
    builder: DigestBuilder
    default_categories: list[str]

    def require_profile(self) -> Profile:
        if self.profile is None:
            raise InputError("You have no profile yet: send /start first.")
        return self.profile

    def editable_profile(self) -> Profile:
        profile = self.require_profile()
        if not self.caller.may_edit:
            raise InputError("Only an admin of this group or channel can change its settings.")
        return profile


Handler = Callable[[Context, str], Reply]


@dataclass(frozen=True)
class Command:
    handler: Handler
    usage: str
    summary: str


class CommandCore:
    def __init__(
        self,
        *,
        sessions: Callable[[], Session],
        builder: DigestBuilder,
        default_categories: list[str],
        commands: dict[str, Command],
    ) -> None:
        self._sessions = sessions
        self.builder = builder
        self.default_categories = default_categories
        self.commands = commands

    def handle(self, caller: Caller, text: str) -> Reply:
        """Run one message; errors become a one-line reply and roll everything back."""
        try:
            message = validate.message(text)
            name, _, args = message.partition(" ")
            if not name.startswith("/"):
                raise InputError("Commands start with a slash; send /help to see them.")
            command = self.commands.get(name.lower().split("@", 1)[0])
            if command is None:
                raise InputError(f"Unknown command {name[:30]}; send /help to see what I understand.")
            with self._sessions() as session, session.begin():
                context = Context(
                    session=session,
                    caller=caller,
                    profile=profiles.find(session, caller.identity),
                    builder=self.builder,
                    default_categories=self.default_categories,
                )
                return command.handler(context, args.strip())
        except PaperbotError as exc:
            return Reply(text=str(exc), ok=False)
        except Exception:
            log.exception("command failed: %.80s", text)
            return Reply(text="Something went wrong on our side; please try again later.", ok=False)
