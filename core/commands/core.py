"""Dispatch a chat message to its command, in one transaction, and answer with a `Reply`.

Three doors, one transaction each: `handle(caller, text)` for what a person typed,
`invoke(caller, name, args)` for a button or menu that names a command, and the typed
`rate(caller, vote)` for 👍/👎 buttons. Adapters render the Reply and never touch the
database, nor compose chat text. Any error leaves the profile as it was and becomes one line.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.commands import validate
from core.commands.syntax import SLASH, Syntax, cmd, speaking
from core.digest.build import DigestBuilder
from core.digest.model import Digest
from core.errors import InputError, PaperbotError
from core.learning import ratings
from core.library import MAX_BYTES
from core.models import Identity, Paper, Profile, Vote
from storage import deliveries, profiles
from storage import papers as paper_store

if TYPE_CHECKING:
    from sqlmodel import Session

    from core.commands.form import ProfileForm
    from core.library.importer import LibrarySource

log = logging.getLogger(__name__)
MAX_IMPORT_BYTES = MAX_BYTES  # adapters check a file's declared size by it before downloading


@dataclass
class Reply:
    text: str
    ok: bool = True
    digest: Digest | None = None
    attachment: tuple[str, bytes] | None = None  # (file name, content)
    # a conversation's next step: the caller's next plain message is the argument of this
    # command (e.g. "topics set" after /start asks for topics); adapters that can, ask for it
    expects: str | None = None


@dataclass(frozen=True)
class Overview:
    profile: Profile | None
    latest_day: dt.date | None = None
    latest: list[Paper] = field(default_factory=list)


@dataclass(frozen=True)
class Caller:
    """Who sent the command, and whether they may change the profile they talk to.

    `identity` names the profile (a person, a group, a channel); `member` the person speaking
    in a shared one, who may change it when they subscribed it even without admin rights.
    `syntax` is how this caller's platform writes a command, for every hint in a reply.
    """

    identity: Identity
    may_edit: bool = True
    member: str | None = None
    syntax: Syntax = SLASH

    @property
    def may_create(self) -> bool:
        """Who may create the profile: its own user, an admin, or (Slack) a channel's subscriber;
        never an anonymous member of a group (who would then own it)."""
        return self.may_edit or self.member is not None


@dataclass
class Context:
    session: Session
    caller: Caller
    profile: Profile | None
    builder: DigestBuilder
    default_categories: list[str]
    created: bool = False  # the profile was created by this command (a first contact)
    library: LibrarySource | None = None  # where /import fetches papers not stored yet

    def require_profile(self) -> Profile:
        """The caller's profile; a first command from someone new creates it, then runs."""
        if self.profile is None:
            self.profile = self.create_profile()
            self.created = True
        return self.profile

    def create_profile(self) -> Profile:
        if not self.caller.may_create:
            raise InputError(f"Only an admin of this group can set up its digest with {cmd('start')}.")
        return profiles.create(
            self.session,
            self.caller.identity,
            categories=self.default_categories,
            owner_id=self.caller.member,
        )

    def editable_profile(self) -> Profile:
        profile = self.require_profile()
        owner = profile.owner_id is not None and profile.owner_id == self.caller.member
        if not (self.caller.may_edit or owner):
            raise InputError("Only an admin of this group or channel can change its settings.")
        return profile


Handler = Callable[[Context, str], Reply]


@dataclass(frozen=True)
class Command:
    handler: Handler
    usage: str  # without the slash: the caller's syntax writes it (`/top <n>`, `/paperbot top <n>`)
    summary: str


class CommandCore:
    def __init__(
        self,
        *,
        sessions: Callable[[], Session],
        builder: DigestBuilder,
        default_categories: list[str],
        commands: dict[str, Command],
        library: LibrarySource | None = None,
    ) -> None:
        self._sessions = sessions
        self.library = library
        self.builder = builder
        self.default_categories = default_categories
        self.commands = commands

    def has_profile(self, identity: Identity) -> bool:
        """Whether this identity has a profile, e.g. whether a Slack channel is subscribed."""
        with self._sessions() as session:
            profile = profiles.find(session, identity)
            return profile is not None and profile.active

    def overview(self, identity: Identity) -> Overview:
        """What a home screen shows: the profile and the papers of its latest digest."""
        with self._sessions() as session:
            profile = profiles.find(session, identity)
            if profile is None:
                return Overview(None)
            latest = deliveries.latest_sent(session, profile.id)
            if latest is None:
                return Overview(profile)
            found = paper_store.get_papers(session, latest.paper_ids)
            papers = [found[i] for i in latest.paper_ids if i in found]
            return Overview(profile, latest.day, papers)

    def handle(self, caller: Caller, text: str) -> Reply:
        """The text door: one chat message, a slash command and its arguments."""
        with speaking(caller.syntax):
            try:
                name, args = [*validate.message(text).split(maxsplit=1), "", ""][:2]
                if not name.startswith("/"):
                    raise InputError(f"Commands start with a slash; send {cmd('help')} to see them.")
            except PaperbotError as exc:
                return Reply(text=str(exc), ok=False)
        return self.invoke(caller, name, args)

    def invoke(self, caller: Caller, name: str, args: str = "") -> Reply:
        """A command by name (`top` or `/top`, a Telegram `@bot` suffix allowed) with its
        arguments apart: for buttons and menus that stand for a command."""
        key = "/" + name.lower().split("@", 1)[0].lstrip("/")
        command = self.commands.get(key)
        with speaking(caller.syntax):
            if command is None:
                shown = cmd(name.lstrip("/")[:30])
                return Reply(
                    text=f"Unknown command {shown}; send {cmd('help')} to see what I understand.", ok=False
                )
            try:
                given = validate.message(args)
            except PaperbotError as exc:
                return Reply(text=str(exc), ok=False)
        handler = command.handler

        def run(context: Context) -> Reply:
            reply = handler(context, given)
            if context.created and reply.ok:  # a first contact: say what just happened
                reply.text = f"Welcome to paperbot! {cmd('help')} lists every command.\n\n{reply.text}"
            return reply

        return self._run(caller, run, f"{key} {given}")

    def edit(self, caller: Caller, form: ProfileForm) -> dict[str, str]:
        """The form door (Slack's modal): every field checked like its command; the errors by
        field, or an empty dict when all of it was saved. A refusal (not an admin) is `topics`'."""
        from core.commands import form as forms

        errors: dict[str, str] = {}

        def work(context: Context) -> Reply:
            errors.update(forms.apply(context, form))
            return Reply("Saved.")

        reply = self._run(caller, work, "edit form")
        if not reply.ok and not errors:
            errors["topics"] = reply.text
        return errors

    def form(self, identity: Identity) -> ProfileForm | None:
        """The form filled with the profile's settings (None without a profile)."""
        from core.commands import form as forms

        with self._sessions() as session:
            profile = profiles.find(session, identity)
            return None if profile is None else forms.initial(profile)

    def rate(self, caller: Caller, vote: Vote) -> Reply:
        """The typed door for 👍/👎 buttons: recorded exactly as `/up` or `/down` would be."""
        return self._run(caller, lambda context: cast_vote(context, vote), f"vote {vote}")

    def import_file(self, caller: Caller, data: bytes | None, *, size: int | None = None) -> Reply:
        """The file door for `/import`: a library export a platform downloaded, as bytes (None:
        the platform failed to hand it over), with its declared `size` when known (over
        `MAX_IMPORT_BYTES`, it is refused undownloaded)."""
        from core.commands.library import import_data

        return self._run(caller, lambda context: import_data(context, data, size=size), "import file")

    def _run(self, caller: Caller, work: Callable[[Context], Reply], what: str) -> Reply:
        """Run one command in one transaction; errors become a one-line reply and roll back."""
        try:
            with speaking(caller.syntax), self._sessions() as session, session.begin():
                context = Context(
                    session=session,
                    caller=caller,
                    profile=profiles.find(session, caller.identity),
                    builder=self.builder,
                    default_categories=self.default_categories,
                    library=self.library,
                )
                return work(context)
        except PaperbotError as exc:
            return Reply(text=str(exc), ok=False)
        except Exception:
            log.exception("command failed: %.80s", what)
            return Reply(text="Something went wrong on our side; please try again later.", ok=False)


def cast_vote(context: Context, vote: Vote) -> Reply:
    """Record a 👍/👎 for the profile the caller may change; the reply names the paper."""
    profile = context.editable_profile()
    assert profile.id is not None
    paper, changed = ratings.rate(context.session, profile_id=profile.id, vote=vote)
    note = "" if changed else " (unchanged)"
    return Reply(f"{vote.thumb} {paper.title}{note}")
