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
from core.text import visible
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


def _topics(text: str) -> dict[str, object]:
    return {"criteria": validate.message_block(text, limit=validate.MAX_CRITERIA, what="Topics")}


def _keywords(text: str) -> dict[str, object]:
    require, exclude = parse_keywords(text, [], [])
    return {"keywords_require": require, "keywords_exclude": exclude}


def _authors(text: str) -> dict[str, object]:
    names = [validate.author(line) for line in text.splitlines() if line.strip()]
    if len(names) > validate.MAX_AUTHORS:
        raise InputError(f"You can follow at most {validate.MAX_AUTHORS} authors.")
    return {"authors": list(dict.fromkeys(names))}


def _cadence(text: str) -> dict[str, object]:
    cadence, weekday = parse_cadence(text)
    return {"cadence": cadence, "weekday": weekday}


def _score(column: str, name: str) -> Callable[[str], dict[str, object]]:
    return lambda text: {column: validate.integer(text, name=name, low=1, high=10)}


# each field of the form → the profile columns it sets, checked as its command checks them
FIELDS: dict[str, Callable[[str], dict[str, object]]] = {
    "topics": _topics,
    "keywords": _keywords,
    "authors": _authors,
    "time": lambda text: {"delivery_time": validate.clock_time(text)},
    "timezone": lambda text: {"timezone": validate.timezone(text)},
    "cadence": _cadence,
    "top": lambda text: {"top_n": validate.top(text, name="Papers per digest")},
    "relevance": _score("min_relevance", "Relevance"),
    "novelty": _score("min_novelty", "Novelty"),
}


def apply(ctx: Context, form: ProfileForm) -> dict[str, str]:
    """Save `form` into the caller's profile; the errors by field name (empty when saved)."""
    profile = ctx.editable_profile()
    errors: dict[str, str] = {}
    changes: dict[str, object] = {}
    for name, parse in FIELDS.items():
        text = getattr(form, name)
        if text is None:
            continue
        try:
            changes.update(parse(visible(text)))
        except InputError as exc:
            errors[name] = str(exc)
    if errors:
        return errors
    for column, value in changes.items():
        setattr(profile, column, value)
    profiles.save(ctx.session, profile)
    return {}
