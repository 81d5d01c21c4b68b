"""A whole profile edited at once (Slack's *Edit topics* modal): each field checked exactly as
its command checks it, every error reported against its field, nothing saved unless all pass."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.commands import validate
from core.commands.core import Context
from core.commands.settings import WEEKDAYS, parse_cadence, parse_keywords
from core.errors import InputError
from core.models import Cadence, Profile
from storage import profiles


@dataclass(frozen=True)
class ProfileForm:
    """What the person typed, field by field (keywords as `+word -word`, one author a line);
    None leaves that setting as it is."""

    topics: str | None = None
    keywords: str | None = None
    authors: str | None = None
    time: str | None = None
    timezone: str | None = None
    cadence: str | None = None  # `daily` or `weekly <weekday>`, as /cadence takes it
    top: str | None = None
    relevance: str | None = None
    novelty: str | None = None


def top_text(top_n: int) -> str:
    """Top-N as a person writes it: a number, or `all` for the whole day."""
    return "all" if top_n >= validate.MAX_TOP else str(top_n)


def cadence_text(profile: Profile) -> str:
    """The cadence as /cadence takes it: `daily` or `weekly friday`."""
    if profile.cadence == Cadence.WEEKLY and profile.weekday is not None:
        return f"weekly {WEEKDAYS[profile.weekday]}"
    return "daily"


def initial(profile: Profile) -> ProfileForm:
    """The form filled with a profile's current settings."""
    keywords = [f'"+{k}"' if " " in k else f"+{k}" for k in profile.keywords_require] + [
        f'"-{k}"' if " " in k else f"-{k}" for k in profile.keywords_exclude
    ]
    return ProfileForm(
        topics=profile.criteria,
        keywords=" ".join(keywords),
        authors="\n".join(profile.authors),
        time=profile.delivery_time,
        timezone=profile.timezone,
        cadence=cadence_text(profile),
        top=top_text(profile.top_n),
        relevance=str(profile.min_relevance),
        novelty=str(profile.min_novelty),
    )


def apply(ctx: Context, form: ProfileForm) -> dict[str, str]:
    """Save `form` into the caller's profile; the errors by field name (empty when saved)."""
    profile = ctx.editable_profile()
    errors: dict[str, str] = {}
    changes: dict[str, object] = {}

    def check(name: str, work: Callable[[], object]) -> None:
        if getattr(form, name) is None:
            return
        try:
            work()
        except InputError as exc:
            errors[name] = str(exc)

    def topics() -> None:
        text = validate.message_block(form.topics or "", limit=validate.MAX_CRITERIA, what="Topics")
        changes["criteria"] = text

    def keywords() -> None:
        require, exclude = parse_keywords(form.keywords or "", [], [])
        changes["keywords_require"], changes["keywords_exclude"] = require, exclude

    def authors() -> None:
        names = [validate.author(line) for line in (form.authors or "").splitlines() if line.strip()]
        if len(names) > validate.MAX_AUTHORS:
            raise InputError(f"You can follow at most {validate.MAX_AUTHORS} authors.")
        changes["authors"] = list(dict.fromkeys(names))

    def cadence() -> None:
        changes["cadence"], changes["weekday"] = parse_cadence(form.cadence or "")

    check("topics", topics)
    check("keywords", keywords)
    check("authors", authors)
    check("time", lambda: changes.__setitem__("delivery_time", validate.clock_time(form.time or "")))
    check("timezone", lambda: changes.__setitem__("timezone", validate.timezone(form.timezone or "")))
    check("cadence", cadence)
    check("top", lambda: changes.__setitem__("top_n", validate.top(form.top or "", name="Papers per digest")))
    check(
        "relevance",
        lambda: changes.__setitem__(
            "min_relevance", validate.integer(form.relevance or "", name="Relevance", low=1, high=10)
        ),
    )
    check("novelty", lambda: changes.__setitem__(
        "min_novelty", validate.integer(form.novelty or "", name="Novelty", low=1, high=10)))  # fmt: skip
    if errors:
        return errors
    for column, value in changes.items():
        setattr(profile, column, value)
    profiles.save(ctx.session, profile)
    return {}
